/**
 * End-to-end harness: the built `llmr` (`dist/client/main.js`) as a child process, with its
 * socket and XDG directories in a temp home, and cleanup of any daemon it started.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The build output to test; `LLMR_DIST` points elsewhere (a scratch build). */
export const DIST = path.resolve(process.env.LLMR_DIST ?? 'dist');
export const CLI = path.join(DIST, 'client', 'main.js');

export interface CliHome {
  home: string;
  socket: string;
  env: Record<string, string>;
  /** Output of a daemon the client started (`$XDG_STATE_HOME/llmr/daemon.out`). */
  daemonLog(): string;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A temp home: `run/daemon.sock`, `state/`, `cache/`, `config/`. */
export function makeHome(extraEnv: Record<string, string> = {}): CliHome {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing; build first: npm run build`);
  const home = mkdtempSync(path.join(os.tmpdir(), 'llmr-e2e-'));
  const socket = path.join(home, 'run', 'daemon.sock');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LLMR_SOCKET: socket,
    XDG_STATE_HOME: path.join(home, 'state'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
    LLMR_POOL_SIZE: '2',
    LLMR_CONTAINER_POOL__MIN_IDLE: '1',
    // LLMR_TEST_IO_IMAGE / LLMR_TEST_EXEC_IMAGE: other images under test, as in bench/harness.ts
    ...(process.env.LLMR_TEST_IO_IMAGE ? { LLMR_IO_IMAGE: process.env.LLMR_TEST_IO_IMAGE } : {}),
    ...(process.env.LLMR_TEST_EXEC_IMAGE ? { LLMR_EXEC_IMAGE: process.env.LLMR_TEST_EXEC_IMAGE } : {}),
    ...extraEnv,
  };
  const log = path.join(home, 'state', 'llmr', 'daemon.out');
  return { home, socket, env, daemonLog: () => (existsSync(log) ? readFileSync(log, 'utf8') : '(no daemon log)') };
}

/** Run `llmr ARGS` with `input` on stdin; resolves when it exits or after `timeoutMs` (then killed). */
export function runCli(h: CliHome, args: string[], input = '', opts: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: h.env, cwd: opts.cwd ?? h.home, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // the client may exit before reading all of its input
    child.stdin.end(input);
  });
}

/**
 * Stop a daemon started under this home (by `llmr daemon stop`; when that fails, a SIGTERM to
 * the daemon processes whose LLMR_SOCKET is this home's socket) and remove the home.
 */
export async function cleanupHome(h: CliHome): Promise<void> {
  const stop = await runCli(h, ['daemon', 'stop'], '', { timeoutMs: 30_000 });
  if (stop.status !== 0) {
    const pids = daemonPids(h.socket);
    for (const pid of pids) killQuietly(pid);
    const deadline = Date.now() + 20_000;
    while (pids.some((pid) => existsSync(`/proc/${pid}`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }
  rmSync(h.home, { recursive: true, force: true });
}

/** Daemon processes (`…/daemon/main.js`) started with `LLMR_SOCKET=socket`. */
function daemonPids(socket: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (environ.includes(`LLMR_SOCKET=${socket}`) && cmdline.includes('daemon/main.js')) pids.push(Number(entry));
    } catch {
      // the process ended while we looked, or is not readable: not ours
    }
  }
  return pids;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/** Ids of containers (any state) that mount `dir` (the realpath'd repository). */
export function containersMounting(dir: string): string[] {
  const ids = spawnSync('docker', ['ps', '-aq', '--filter', 'label=llmr.kind'], { encoding: 'utf8' });
  if (ids.status !== 0) throw new Error(`docker ps failed: ${ids.stderr}`);
  const list = ids.stdout.split('\n').filter((l) => l !== '');
  if (list.length === 0) return [];
  const inspect = spawnSync('docker', ['inspect', '--format', '{{.Id}} {{range .Mounts}}{{.Source}} {{end}}', ...list], { encoding: 'utf8' });
  return inspect.stdout
    .split('\n')
    .filter((line) => line.split(' ').slice(1).some((src) => src !== '' && isInside(dir, src)))
    .map((line) => line.split(' ')[0]);
}

function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
