/**
 * The helper opens only what the daemon's guard approved: a read names the file's identity, a write
 * its parent directory's, and no symlink is followed on the way. Each swap a running read-write
 * command could make between the guard's check and the helper's open is made here deterministically
 * (no race needed), with openat2 and with the component walk it falls back to.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeReadAnswer, decodeWriteAnswer, encodeFrame, encodeRead, encodeWrite, type WriteAnchor } from '../../daemon/containers/helper-codec.js';
import { HelperProcess, anchorOf, compileHelper, errorCode, identityOf } from '../../test/support/helper-process.js';

let buildDir: string;
let binary: string;

beforeAll(() => {
  ({ dir: buildDir, binary } = compileHelper('llmr-helper-race-'));
});
afterAll(() => fs.rmSync(buildDir, { recursive: true, force: true }));

describe.each([
  ['openat2', {}],
  ['the component walk', { LLMR_HELPER_NO_OPENAT2: '1' }],
])('images/helper with %s', (_name, extraEnv) => {
  let root: string;
  let helper: HelperProcess;
  const at = (rel: string): string => path.join(root, rel);
  const read = async (rel: string, id: string) => decodeReadAnswer(await helper.one(encodeRead(rel, 1 << 20, id)));
  const write = async (rel: string, content: string, anchor: WriteAnchor) => decodeWriteAnswer(await helper.one(encodeWrite(rel, content, anchor)));

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'llmr-helper-race-root-'));
    fs.writeFileSync(at('.env'), 'SECRET=hunter2\n');
    fs.writeFileSync(at('secrets.json'), '{"token":"real"}\n');
    fs.mkdirSync(at('sub'));
    fs.writeFileSync(at('sub/notes.txt'), 'harmless\n');
    fs.writeFileSync(at('notes.txt'), 'harmless\n');
    helper = new HelperProcess(binary, [root], { ...process.env, ...extraEnv });
  });
  afterEach(() => {
    helper.proc.kill('SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('reads the approved file, through real directories', async () => {
    expect((await read('notes.txt', identityOf(root, 'notes.txt'))).content.toString()).toBe('harmless\n');
    expect((await read('sub/notes.txt', identityOf(root, 'sub/notes.txt'))).content.toString()).toBe('harmless\n');
    expect(await errorCode(read('gone.txt', '1:1'))).toBe('FILE_NOT_FOUND');
    expect(await errorCode(read('notes.txt/x', '1:1'))).toBe('PATH_INVALID');
  });

  it('refuses a leaf swapped for a symlink to an excluded file, even naming that file', async () => {
    const approved = identityOf(root, 'notes.txt');
    fs.rmSync(at('notes.txt'));
    fs.symlinkSync('.env', at('notes.txt'));
    expect(await errorCode(read('notes.txt', approved))).toBe('PATH_CHANGED');
    // the identity of the secret itself does not help: the symlink is never followed
    expect(await errorCode(read('notes.txt', identityOf(root, '.env')))).toBe('PATH_CHANGED');
  });

  it('refuses a parent directory swapped for a symlink', async () => {
    const approved = identityOf(root, 'sub/notes.txt');
    fs.renameSync(at('sub'), at('sub.real'));
    fs.symlinkSync('sub.real', at('sub'));
    expect(await errorCode(read('sub/notes.txt', approved))).toBe('PATH_CHANGED');
    fs.rmSync(at('sub'));
    fs.symlinkSync('.', at('sub')); // sub/.env is the top-level secret
    expect(await errorCode(read('sub/.env', identityOf(root, '.env')))).toBe('PATH_CHANGED');
  });

  it('reads a file renamed over the approved one (a concurrent write), and refuses a hard link renamed over it', async () => {
    const approved = identityOf(root, 'notes.txt');
    fs.writeFileSync(at('notes.tmp'), 'saved again\n');
    fs.renameSync(at('notes.tmp'), at('notes.txt')); // a <write> or an editor's save: a new inode, one link
    expect((await read('notes.txt', approved)).content.toString()).toBe('saved again\n');
    const second = identityOf(root, 'notes.txt');
    fs.linkSync(at('.env'), at('alias'));
    fs.renameSync(at('alias'), at('notes.txt')); // the name now aliases the secret
    expect(await errorCode(read('notes.txt', second))).toBe('PATH_CHANGED');
  });

  it('writes into the approved parent, creating missing directories below it', async () => {
    expect(await write('sub/new.txt', 'a', anchorOf(root, 'sub/new.txt'))).toMatchObject({ action: 'CREATED' });
    expect(await write('sub/x/y/new.txt', 'b', anchorOf(root, 'sub/x/y/new.txt'))).toMatchObject({ action: 'CREATED' });
    expect(fs.readFileSync(at('sub/x/y/new.txt'), 'utf8')).toBe('b');
    expect(await write('top.txt', 'c', anchorOf(root, 'top.txt'))).toMatchObject({ action: 'CREATED' });
  });

  it('refuses a write whose parent was swapped for a symlink to the root, leaving the excluded file alone', async () => {
    const approved = anchorOf(root, 'sub/secrets.json');
    fs.renameSync(at('sub'), at('sub.real'));
    fs.symlinkSync('.', at('sub'));
    expect(await errorCode(write('sub/secrets.json', 'ATTACKER', approved))).toBe('PATH_CHANGED');
    // with the root's own identity the symlink is still refused
    expect(await errorCode(write('sub/secrets.json', 'ATTACKER', { depth: 1, id: identityOf(root, '.') }))).toBe('PATH_CHANGED');
    expect(fs.readFileSync(at('secrets.json'), 'utf8')).toBe('{"token":"real"}\n');
  });

  it('refuses a write whose parent is another directory now, or whose missing directory became a symlink', async () => {
    const approved = anchorOf(root, 'sub/notes.txt');
    fs.renameSync(at('sub'), at('old'));
    fs.mkdirSync(at('sub'));
    expect(await errorCode(write('sub/notes.txt', 'x', approved))).toBe('PATH_CHANGED');
    fs.symlinkSync('.', at('made'));
    expect(await errorCode(write('made/secrets.json', 'ATTACKER', { depth: 0, id: identityOf(root, '.') }))).toBe('PATH_CHANGED');
    expect(fs.readFileSync(at('secrets.json'), 'utf8')).toBe('{"token":"real"}\n');
    expect(await errorCode(write('sub/x', 'x', { depth: 0, id: identityOf(root, 'sub') }))).toBe('PATH_CHANGED'); // not the root
  });

  it('refuses malformed identities and parent depths as BAD_REQUEST', async () => {
    for (const id of ['', '1', '1:', ':1', 'a:b', '1:2:3', '99999999999999999999999:1']) {
      expect((await helper.one(encodeFrame('W', ['sub/x', 'x', '', '0', id]))).fields[0].toString(), id).toBe('BAD_REQUEST');
      const r = await helper.one(encodeFrame('R', ['notes.txt', '10', id]));
      expect(r.type === 'K' ? 'K' : r.fields[0].toString(), id).toBe(id === '' ? 'K' : 'BAD_REQUEST'); // '': a probe
    }
    expect((await helper.one(encodeFrame('W', ['sub/x', 'x', '', '3', identityOf(root, '.')]))).fields[0].toString()).toBe('BAD_REQUEST');
  });
});
