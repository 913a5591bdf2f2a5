/**
 * The registry looks at the repository root and both config files on every request (registry.ts):
 * a change made between two requests applies to the second, with no pause between them.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ReadRequest } from '../../protocol/io.js';
import { userConfigFile } from '../../protocol/dirs.js';
import { containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rpcFailure } from '../support/rpc-failure.js';

let d: TestDaemon;
let conn: MessageConnection;
let repo: string;
let other: string;
const links: string[] = [];

const read = (root: string, p: string) => conn.sendRequest(ReadRequest, { root, path: p });

beforeAll(async () => {
  repo = makeRepo({ 'notes.txt': 'notes\n', 'secret.txt': 'top secret\n' });
  other = makeRepo({ 'notes.txt': 'other repository\n' });
  d = await startDaemon();
  conn = await d.connect();
});

afterAll(async () => {
  await d?.stop();
  for (const l of links) rmSync(l, { recursive: true, force: true });
  expect(containersOf(d.instance)).toEqual([]);
});

describe('integration/config-reload', () => {
  it('applies a repository config written between two requests to the second one', async () => {
    expect((await read(repo, 'secret.txt')).content).toBe('top secret\n');
    const config = path.join(repo, 'llm-runtime.config.yaml');
    writeFileSync(config, 'repository:\n  excluded_paths: ["secret.txt", ".env"]\n');
    expect((await rpcFailure(read(repo, 'secret.txt'))).code).toBe('PATH_EXCLUDED');
    // replaced atomically (a new inode, maybe the same size and mtime tick): noticed as well
    const tmp = path.join(repo, '.config.tmp');
    writeFileSync(tmp, 'repository:\n  excluded_paths: ["notes.txt", ".env"]\n');
    renameSync(tmp, config);
    expect((await read(repo, 'secret.txt')).content).toBe('top secret\n');
    expect((await rpcFailure(read(repo, 'notes.txt'))).code).toBe('PATH_EXCLUDED');
    unlinkSync(config);
    expect((await read(repo, 'notes.txt')).content).toBe('notes\n');
  });

  it('applies a user config change to the next request', async () => {
    const file = userConfigFile(d.env, d.home);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'commands:\n  open:\n    enabled: false\n');
    try {
      expect((await rpcFailure(read(repo, 'notes.txt'))).code).toBe('COMMAND_DISABLED');
    } finally {
      unlinkSync(file);
    }
    expect((await read(repo, 'notes.txt')).content).toBe('notes\n');
  });

  it('resolves a root given through a symlink again on every request', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'llmr-rootlink-'));
    links.push(dir);
    const link = path.join(dir, 'root');
    symlinkSync(repo, link);
    expect((await read(link, 'notes.txt')).content).toBe('notes\n');
    unlinkSync(link);
    symlinkSync(other, link);
    expect((await read(link, 'notes.txt')).content).toBe('other repository\n');
    unlinkSync(link);
    expect((await rpcFailure(read(link, 'notes.txt'))).code).toBe('ROOT_NOT_FOUND');
  });
});
