/**
 * io/edit, io/undo, io/list and search/grep through the real daemon, real Docker and real files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { EditRequest, UndoRequest, type EditParams } from '../../protocol/edit.js';
import { GrepRequest } from '../../protocol/grep.js';
import { ListRequest } from '../../protocol/list.js';
import { ReadRequest, WriteRequest } from '../../protocol/io.js';
import { containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rpcFailure } from '../support/rpc-failure.js';

let d: TestDaemon;
let conn: MessageConnection;
let repo: string;

const edit = (p: Omit<EditParams, 'root'>) => conn.sendRequest(EditRequest, { root: repo, ...p });

beforeAll(async () => {
  repo = makeRepo({
    'src/calc.py': 'def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a + b\n',
    '.env': 'SECRET=1\n',
    'bin.dat': Buffer.from([0, 1, 2, 255]),
    'latin1.txt': Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]),
    '.gitignore': 'build/\n',
    'build/out.txt': 'built\n',
  });
  d = await startDaemon();
  conn = await d.connect();
});

afterAll(async () => {
  await d?.stop();
  expect(containersOf(d.instance)).toEqual([]);
});

describe('integration/edit', () => {
  it('refuses an ambiguous edit with the line numbers and changes nothing', async () => {
    const e = await rpcFailure(edit({ path: 'src/calc.py', edits: [{ oldString: 'return a + b', newString: 'return a - b' }] }));
    expect(e).toMatchObject({ code: 'EDIT_AMBIGUOUS', message: 'edits[0].old_string matches 2 times, at lines 2, 6' });
    expect(readFileSync(path.join(repo, 'src/calc.py'), 'utf8')).toContain('def sub(a, b):\n    return a + b');
  });

  it('dry-runs, then edits a unique snippet and returns the diff; undo restores it', async () => {
    const edits = [{ oldString: 'def sub(a, b):\n    return a + b', newString: 'def sub(a, b):\n    return a - b' }];
    const dry = await edit({ path: 'src/calc.py', edits, dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.diff).toContain('-    return a + b\n+    return a - b\n');
    expect(readFileSync(path.join(repo, 'src/calc.py'), 'utf8')).not.toContain('a - b');
    const done = await edit({ path: 'src/calc.py', edits });
    expect(done).toMatchObject({ dryRun: false, replacements: 1, diff: dry.diff });
    expect(done.backup).toMatch(/^backups\//);
    expect(readFileSync(path.join(repo, 'src/calc.py'), 'utf8')).toContain('return a - b');
    const undone = await conn.sendRequest(UndoRequest, { root: repo, path: 'src/calc.py' });
    expect(undone.restored).toBe(done.backup);
    expect(undone.diff).toContain('-    return a - b\n+    return a + b\n');
    expect(readFileSync(path.join(repo, 'src/calc.py'), 'utf8')).not.toContain('a - b');
  });

  it('turns a change between read and write into WRITE_CONFLICT', async () => {
    const r = await conn.sendRequest(ReadRequest, { root: repo, path: 'src/calc.py' });
    writeFileSync(path.join(repo, 'src/calc.py'), `${r.content}# changed\n`);
    const e = await rpcFailure(edit({ path: 'src/calc.py', edits: [{ oldString: 'def add', newString: 'def plus' }], expectedSha256: r.sha256 }));
    expect(e.code).toBe('WRITE_CONFLICT');
    expect(readFileSync(path.join(repo, 'src/calc.py'), 'utf8')).toContain('def add');
  });

  it('refuses binaries, non-UTF-8 files, excluded files and overlapping edits', async () => {
    expect((await rpcFailure(edit({ path: 'bin.dat', edits: [{ oldString: 'a', newString: 'b' }] }))).code).toBe('BINARY_FILE');
    expect((await rpcFailure(edit({ path: 'latin1.txt', edits: [{ oldString: 'caf', newString: 'b' }] }))).code).toBe('BINARY_FILE');
    expect((await rpcFailure(edit({ path: '.env', edits: [{ oldString: 'SECRET', newString: 'b' }] }))).code).toBe('PATH_EXCLUDED');
    expect((await rpcFailure(edit({ path: 'src/calc.py', edits: [{ oldString: 'def add', newString: 'x' }, { oldString: 'add(a', newString: 'y' }] }))).code).toBe('EDIT_OVERLAP');
  });

  it('steps one write further back with each undo, then says there is nothing left', async () => {
    for (const v of ['v1\n', 'v2\n', 'v3\n']) await conn.sendRequest(WriteRequest, { root: repo, path: 'steps.txt', content: v });
    const undo = () => conn.sendRequest(UndoRequest, { root: repo, path: 'steps.txt' });
    expect((await undo()).diff).toContain('-v3\n+v2\n');
    expect(readFileSync(path.join(repo, 'steps.txt'), 'utf8')).toBe('v2\n');
    await undo();
    expect(readFileSync(path.join(repo, 'steps.txt'), 'utf8')).toBe('v1\n');
    expect((await rpcFailure(undo())).code).toBe('NOTHING_TO_UNDO');
  });

  it('says there is nothing to undo for a file llmr never wrote', async () => {
    expect((await rpcFailure(conn.sendRequest(UndoRequest, { root: repo, path: 'latin1.txt' }))).code).toBe('NOTHING_TO_UNDO');
  });

  it('lists and greps without ignored or excluded files', async () => {
    const list = await conn.sendRequest(ListRequest, { root: repo });
    const paths = list.entries.map((e) => e.path);
    expect(paths).toContain('src/calc.py');
    expect(paths).not.toContain('.env');
    expect(paths).not.toContain('build/');
    const g = await conn.sendRequest(GrepRequest, { root: repo, pattern: 'SECRET|built|def add' });
    expect(g.files.map((f) => f.path)).toEqual(['src/calc.py']);
  });
});
