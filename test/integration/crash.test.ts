/**
 * Crash safety: `kill -9` the daemon while clients are writing. Every file then holds one whole
 * version (old or new, never a mix or a truncation), no temp file remains, and the next daemon
 * on the same socket reaps every container of the killed one.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WriteRequest } from '../../protocol/io.js';
import { DAEMON_JS, containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';

const FILES = 8;
const LINES = 4000; // ~40 KB per version: a torn write would be visible
const version = (tag: string): string => `${tag}\n`.repeat(LINES);
const daemons: TestDaemon[] = [];

afterAll(async () => {
  for (const d of daemons) await d.stop();
});

function wholeVersion(content: string): boolean {
  const lines = content.split('\n');
  return lines.length === LINES + 1 && lines[LINES] === '' && lines.slice(0, LINES).every((l) => l === lines[0]);
}

describe('integration/crash', () => {
  it('leaves whole files, no temp files and no containers after kill -9', async () => {
    const initial: Record<string, string> = {};
    for (let i = 0; i < FILES; i += 1) initial[`data/f${i}.txt`] = version(`old-${i}`);
    const repo = makeRepo(initial);
    const d = await startDaemon({ LLMR_COMMANDS__WRITE__MAX_FILE_SIZE: '1m', LLMR_COMMANDS__WRITE__BACKUP_BEFORE_WRITE: 'false' });
    daemons.push(d);
    const clients = await Promise.all([0, 1, 2, 3].map(() => d.connect()));
    let stop = false;
    let written = 0;
    let failure: unknown;
    const loops = clients.map(async (c, ci) => {
      for (let n = 0; !stop; n += 1) {
        const i = (n + ci) % FILES;
        await c.sendRequest(WriteRequest, { root: repo, path: `data/f${i}.txt`, content: version(`new-${ci}-${n}`) })
          .then(() => { written += 1; }, (err: unknown) => { if (!stop) failure = err; stop = true; });
      }
    });
    const until = Date.now() + 30_000;
    while (written < 20 && failure === undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(failure).toBeUndefined();
    expect(written).toBeGreaterThanOrEqual(20);
    stop = true;
    d.child.kill('SIGKILL');
    for (const c of clients) c.dispose(); // rejects the writes that were in flight
    await Promise.all(loops);
    if (d.child.exitCode === null && d.child.signalCode === null) await new Promise((r) => d.child.once('exit', r));

    // a new daemon on the same socket reaps the old one's containers and cleans the repository
    const child = spawn(process.execPath, [DAEMON_JS], { env: d.env, stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    while (containersOf(d.instance).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(containersOf(d.instance)).toEqual([]);
    const again = await startReadyClient(d);
    await again.sendRequest(WriteRequest, { root: repo, path: 'data/after.txt', content: 'ok\n' });
    for (let i = 0; i < FILES; i += 1) {
      const content = readFileSync(path.join(repo, `data/f${i}.txt`), 'utf8');
      expect(wholeVersion(content), `data/f${i}.txt holds one whole version`).toBe(true);
    }
    expect(readdirSync(path.join(repo, 'data')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    again.dispose();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    expect(containersOf(d.instance)).toEqual([]);
  });
});

async function startReadyClient(d: TestDaemon) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await d.connect();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
