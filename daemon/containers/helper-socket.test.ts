import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { helperSocketParent, listenForHelper, prepareSocketParent } from './helper-socket.js';

const BASE = mkdtempSync(path.join(os.tmpdir(), 'llmr-hs-'));
afterAll(() => rmSync(BASE, { recursive: true, force: true }));

const connect = (file: string): Promise<net.Socket> => new Promise((resolve, reject) => {
  const s = net.connect(file, () => resolve(s));
  s.once('error', reject);
});

/** The error code another user (uid 1000) gets connecting to `file` from the host. */
function connectAs(uid: number, file: string): string {
  const code = `require('net').connect(${JSON.stringify(file)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); })`;
  const r = spawnSync(process.execPath, ['-e', code], { uid, gid: uid, encoding: 'utf8' });
  return r.stdout.trim();
}

describe('containers/helper-socket', () => {
  it('puts the sockets under $XDG_RUNTIME_DIR when it is set, else under the state directory', () => {
    expect(helperSocketParent('/s/llmr', '/run/user/1000')).toBe('/run/user/1000/llmr-helper');
    expect(helperSocketParent('/s/llmr', undefined)).toBe('/s/llmr/hs');
    expect(helperSocketParent('/s/llmr', 'relative')).toBe('/s/llmr/hs');
  });

  it('makes the parent 0700 and refuses one owned by another user', () => {
    const parent = path.join(BASE, 'p1');
    mkdirSync(parent, { mode: 0o755 });
    prepareSocketParent(parent);
    expect(statSync(parent).mode & 0o777).toBe(0o700);
    const foreign = path.join(BASE, 'p2');
    mkdirSync(foreign);
    chownSync(foreign, 1000, 1000);
    expect(() => prepareSocketParent(foreign)).toThrow(/not a directory owned by uid/);
  });

  it('removes what a daemon that died mid-start left, and nothing recent', () => {
    const parent = prepareSocketParent(path.join(BASE, 'p6'));
    const old = mkdtempSync(path.join(parent, 'c'));
    const recent = mkdtempSync(path.join(parent, 'c'));
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(old, hourAgo, hourAgo);
    prepareSocketParent(parent);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
  });

  it('accepts exactly one connection, then removes the socket so nobody can connect later', async () => {
    const parent = prepareSocketParent(path.join(BASE, 'p3'));
    const listener = await listenForHelper(parent);
    const file = path.join(listener.dir, 's');
    const helper = await connect(file);
    const accepted = await listener.accepted;
    expect(existsSync(listener.dir)).toBe(false);
    await expect(connect(file)).rejects.toMatchObject({ code: 'ENOENT' });
    const got = new Promise<string>((resolve) => helper.once('data', (d: Buffer) => resolve(d.toString())));
    accepted.write('hello');
    expect(await got).toBe('hello');
    helper.destroy();
    accepted.destroy();
  });

  it('keeps other users on the host away from a socket that is still listening', async () => {
    const parent = prepareSocketParent(path.join(BASE, 'p4'));
    const listener = await listenForHelper(parent);
    const file = path.join(listener.dir, 's');
    expect(statSync(listener.dir).mode & 0o777).toBe(0o711); // the container's user may pass (inside it, the mount)
    expect(process.getuid?.()).toBe(0); // the tests run as root: uid 1000 is another user here
    expect(connectAs(1000, file)).toBe('EACCES'); // the 0700 parent stops them on the host
    listener.close();
    await expect(listener.accepted).rejects.toMatchObject({ code: 'CONTAINER_FAILED' });
    expect(existsSync(listener.dir)).toBe(false);
  });

  it('serves at most one of two peers that connect at once', async () => {
    const parent = prepareSocketParent(path.join(BASE, 'p5'));
    const listener = await listenForHelper(parent);
    const file = path.join(listener.dir, 's');
    const peers = await Promise.allSettled([connect(file), connect(file)]);
    const outcome = await listener.accepted.then(() => 'accepted', () => 'refused');
    if (outcome === 'accepted') {
      const alive = await Promise.all(peers.map(async (p) => {
        if (p.status === 'rejected') return false;
        await new Promise((r) => setTimeout(r, 100));
        return !p.value.destroyed && p.value.readyState === 'open';
      }));
      expect(alive.filter(Boolean).length).toBeLessThanOrEqual(1);
    }
    for (const p of peers) if (p.status === 'fulfilled') p.value.destroy();
    listener.close();
  });
});
