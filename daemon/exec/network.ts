/**
 * Commands that need the network, which `<exec>` containers do not have: refused before they run,
 * with one line that says so, instead of a long hang or a resolver error. Pure.
 */
import { LlmrError } from '../../protocol/errors.js';

const PIP = ['pip', 'pip3', 'python -m pip', 'python3 -m pip'].flatMap((p) => [`${p} install`, `${p} download`]);
/** Command prefixes (whole argv tokens) that fetch from the network. */
export const NETWORK_PREFIXES: readonly string[][] = [
  ...PIP,
  'npm install', 'npm i', 'npm ci', 'npm add', 'npm update', 'npm publish', 'npm audit',
  'yarn install', 'yarn add', 'pnpm install', 'pnpm add',
  'go mod download', 'go get',
  'git clone', 'git fetch', 'git pull', 'git push', 'git ls-remote',
  'curl', 'wget', 'apt-get', 'apt',
].map((p) => p.split(' '));

/** Flags that make one of the commands above work offline. */
const OFFLINE_FLAGS = new Set(['--no-index', '--offline']);

/** The network prefix `argv` starts with (`go install pkg@version` too), or undefined. */
export function networkPrefix(argv: readonly string[]): string | undefined {
  if (argv.some((a) => OFFLINE_FLAGS.has(a))) return undefined;
  if (argv[0] === 'go' && argv[1] === 'install' && argv.slice(2).some((a) => a.includes('@'))) return 'go install …@version';
  const hit = NETWORK_PREFIXES.find((p) => p.length <= argv.length && p.every((t, k) => argv[k] === t));
  return hit?.join(' ');
}

/** Throws NETWORK_DISABLED when `argv` needs the network. */
export function assertOffline(argv: readonly string[]): void {
  const prefix = networkPrefix(argv);
  if (prefix === undefined) return;
  throw new LlmrError('NETWORK_DISABLED',
    `${prefix} needs the network, but <exec> commands run with the network off: install dependencies on the host into the repository (node_modules, .venv, go mod vendor) and run again`,
    'to let this exact command use the network, add its prefix to commands.exec.network_commands in your user config (llmr config path); a repository config cannot');
}
