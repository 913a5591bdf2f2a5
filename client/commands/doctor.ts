import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DoctorRequest, type DoctorCheck } from '../../protocol/daemon.js';
import { EXIT } from '../../protocol/errors.js';
import type { Invocation } from '../args.js';
import { connectFor, type CliIo } from '../cli-io.js';
import { clientSocketPath, type DaemonClient } from '../connect.js';
import { daemonLogPath } from '../spawn.js';
import { resolveRoot, warnOnce } from '../root.js';
import { asClientError } from '../rpc-error.js';

type DoctorArgs = Extract<Invocation, { command: 'doctor' }>;

const MIN_NODE: readonly [number, number] = [20, 19];

/** `llmr doctor`: local checks, the daemon (a failure to start it is a failed check), then the daemon's own checks. */
export async function runDoctor(args: DoctorArgs, io: CliIo): Promise<number> {
  const root = await resolveRoot(args.root, io.cwd, warnOnce((line) => void io.stderr.write(line + '\n')));
  const checks: DoctorCheck[] = [checkNode(process.versions.node), await checkDockerCli()];
  let client: DaemonClient | undefined;
  try {
    client = await connectFor(io, args.noSpawn);
    const h = client.hello;
    checks.push({ name: 'daemon', ok: true, detail: `pid ${h.pid}, version ${h.daemonVersion}, protocol ${h.protocolVersion}` });
  } catch (err) {
    const e = asClientError(err);
    checks.push({ name: 'daemon', ok: false, detail: e.message, fix: e.details ?? `see ${daemonLogPath(io.env)}, or run: llmr daemon run` });
  }
  checks.push(...(await checkSocket(clientSocketPath(io.env))));
  if (client !== undefined) {
    try {
      checks.push(...(await client.call(DoctorRequest, { root })).checks);
    } catch (err) {
      const e = asClientError(err);
      checks.push({ name: 'daemon checks', ok: false, detail: `${e.code}: ${e.message}`, ...(e.details !== undefined ? { fix: e.details } : {}) });
    } finally {
      client.close();
    }
  }
  const ok = checks.every((c) => c.ok);
  io.stdout.write(args.json ? JSON.stringify({ ok, checks }) + '\n' : formatChecks(checks));
  return ok ? EXIT.OK : EXIT.COMMAND_FAILED;
}

/** `ok   name: detail`, `warn name: detail` or `FAIL name: detail` followed by `     fix: …`. */
export function formatChecks(checks: DoctorCheck[]): string {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${c.ok ? (c.warning === true ? 'warn' : 'ok  ') : 'FAIL'} ${c.name}: ${c.detail}`);
    if ((!c.ok || c.warning === true) && c.fix !== undefined) lines.push(`     fix: ${c.fix}`);
  }
  return lines.join('\n') + '\n';
}

/** Node must be at least 20.19 (ESM `require` of the dependencies needs it). */
export function checkNode(version: string): DoctorCheck {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return { name: 'node', ok, detail: `v${version}`, ...(ok ? {} : { fix: `install Node ${MIN_NODE.join('.')} or newer` }) };
}

function checkDockerCli(): Promise<DoctorCheck> {
  return new Promise((done) => {
    execFile('docker', ['--version'], { timeout: 5000, encoding: 'utf8' }, (err, stdout) => {
      if (err === null) done({ name: 'docker CLI', ok: true, detail: stdout.trim() });
      else done({ name: 'docker CLI', ok: false, detail: 'docker not found on PATH (needed by llmr images build)', fix: 'apt-get install docker.io' });
    });
  });
}

async function checkSocket(socket: string): Promise<DoctorCheck[]> {
  const uid = process.getuid?.() ?? -1;
  const dir = dirname(socket);
  return [await modeCheck('socket directory', dir, 0o700, uid, `chmod 700 ${dir}`), await modeCheck('socket', socket, 0o600, uid, 'restart the daemon: llmr daemon stop && llmr daemon start')];
}

async function modeCheck(name: string, path: string, want: number, uid: number, fix: string): Promise<DoctorCheck> {
  try {
    const s = await stat(path);
    const mode = s.mode & 0o777;
    const detail = `${path} mode ${mode.toString(8).padStart(4, '0')}, owner uid ${s.uid}`;
    if (mode !== want) return { name, ok: false, detail: `${detail} (want ${want.toString(8).padStart(4, '0')})`, fix };
    if (uid >= 0 && s.uid !== uid) return { name, ok: false, detail: `${detail} (want uid ${uid})`, fix: 'set LLMR_SOCKET to a path of your own' };
    return { name, ok: true, detail };
  } catch (err) {
    return { name, ok: false, detail: `${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, fix: 'start the daemon: llmr daemon start' };
  }
}
