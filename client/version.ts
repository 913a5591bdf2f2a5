import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The llmr package version, read from the nearest `package.json` named `llmr` above this file. */
export function clientVersion(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'llmr' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // no readable package.json at this level: keep walking up
    }
    dir = dirname(dir);
  }
  return (cached = '0.0.0');
}
