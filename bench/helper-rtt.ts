/**
 * The helper alone, without the daemon or JSON-RPC: one warm exec container of llmr's image (its
 * mounted helper when one is installed), and the round trips of ping, a 4 KiB and a 1 MiB read and
 * `exec true`, back to back and with pauses between them. It shows what a pause costs this machine
 * (waking idle CPUs), which no daemon can take away: the floor under the paced `<exec true>` of
 * `npm run bench`. Never fails on timing.
 *
 *   npm run build && node dist/bench/helper-rtt.js [N]
 */
import { chownSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { EXEC_IMAGE } from '../images/version.js';
import { dataDir } from '../protocol/dirs.js';
import { createDockerClient } from '../daemon/containers/docker.js';
import { findHelperBinary } from '../daemon/containers/helper-binary.js';
import { HelperConnection } from '../daemon/containers/helper-conn.js';
import { buildSpec } from '../daemon/containers/spec.js';
import { REPO_UID } from './harness.js';

const PAUSES_MS = [0, 5, 50, 150];

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 60);
  const root = mkdtempSync(path.join(os.tmpdir(), 'llmr-helper-rtt-'));
  writeFileSync(path.join(root, 'small.txt'), 'a'.repeat(4096));
  writeFileSync(path.join(root, 'large.txt'), 'b'.repeat(1 << 20));
  for (const f of ['', 'small.txt', 'large.txt']) chownSync(path.join(root, f), REPO_UID, REPO_UID);
  const helper = findHelperBinary(dataDir(process.env, os.homedir())).path;
  const docker = createDockerClient();
  const spec = buildSpec({
    kind: 'exec', root, uid: REPO_UID, gid: REPO_UID, image: process.env.LLMR_TEST_EXEC_IMAGE ?? EXEC_IMAGE, instance: 'bench-helper-rtt', reusable: true,
    limits: { memoryBytes: 512 << 20, nanoCpus: 1e9, pidsLimit: 64, tmpfsBytes: 16 << 20 }, lifetimeSeconds: 600, ...(helper !== undefined ? { helperBinary: helper } : {}),
  });
  const container = await docker.start(spec, 30_000);
  const conn = new HelperConnection(container, pino({ level: 'silent' }));
  const idOf = (f: string): string => { const st = lstatSync(path.join(root, f), { bigint: true }); return `${st.dev}:${st.ino}`; };
  const exec = (): Promise<unknown> => conn.exec({ cwd: '/workspace', maxOutputBytes: 1 << 20, stdin: '', env: { PATH: '/usr/bin:/bin', HOME: '/tmp' }, argv: ['true'], mergeStderr: false }, () => undefined);
  const ops: Array<[string, () => Promise<unknown>]> = [
    ['ping', () => conn.ping()], ['read 4 KiB', () => conn.read('small.txt', 1 << 24, idOf('small.txt'))], ['read 1 MiB', () => conn.read('large.txt', 1 << 24, idOf('large.txt'))], ['exec true', exec],
  ];
  try {
    await conn.ping();
    process.stdout.write(`helper ${helper ?? '(baked into the image)'}, ${n} each, p50 / p90 in ms\n`);
    for (const [name, op] of ops) {
      const cells: string[] = [];
      for (const pause of PAUSES_MS) {
        for (let i = 0; i < 5; i += 1) await op();
        const t: number[] = [];
        for (let i = 0; i < n; i += 1) {
          if (pause > 0) await new Promise((r) => setTimeout(r, pause));
          const s = performance.now();
          await op();
          t.push(performance.now() - s);
        }
        t.sort((a, b) => a - b);
        cells.push(`${pause} ms apart ${t[n >> 1].toFixed(2)} / ${t[Math.floor(n * 0.9)].toFixed(2)}`);
      }
      process.stdout.write(`${name.padEnd(11)} | ${cells.join(' | ')}\n`);
    }
  } finally {
    conn.close();
    await docker.remove(container.id);
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
