// Make the two entry points executable after tsc (npm link / npm install -g use them directly).
import { chmodSync, existsSync } from 'node:fs';

for (const file of ['dist/client/main.js', 'dist/daemon/main.js']) {
  if (existsSync(file)) chmodSync(file, 0o755);
}
