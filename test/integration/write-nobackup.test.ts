/**
 * io/write with commands.write.backup_before_write off: the previous content is read only for a
 * conflict check (write.ts), and the answer is the same as with it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { WriteRequest } from '../../protocol/io.js';
import { containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rpcFailure } from '../support/rpc-failure.js';

let d: TestDaemon;
let conn: MessageConnection;
let repo: string;

beforeAll(async () => {
  repo = makeRepo({ 'a.txt': 'one\n' });
  d = await startDaemon({ LLMR_COMMANDS__WRITE__BACKUP_BEFORE_WRITE: 'false' });
  conn = await d.connect();
});

afterAll(async () => {
  await d?.stop();
  expect(containersOf(d.instance)).toEqual([]);
});

describe('integration/write-nobackup', () => {
  it('creates and updates without a backup, and still refuses a write whose expected sha256 is stale', async () => {
    const created = await conn.sendRequest(WriteRequest, { root: repo, path: 'new.txt', content: 'fresh\n' });
    expect(created).toMatchObject({ action: 'CREATED', bytesWritten: 6 });
    expect(created.backup).toBeUndefined();
    const updated = await conn.sendRequest(WriteRequest, { root: repo, path: 'a.txt', content: 'two\n' });
    expect(updated).toMatchObject({ action: 'UPDATED', bytesWritten: 4 });
    expect(updated.backup).toBeUndefined();
    expect(readFileSync(path.join(repo, 'a.txt'), 'utf8')).toBe('two\n');
    const stale = await rpcFailure(conn.sendRequest(WriteRequest, { root: repo, path: 'a.txt', content: 'three\n', expectedSha256: created.sha256 }));
    expect(stale.code).toBe('WRITE_CONFLICT');
    expect(readFileSync(path.join(repo, 'a.txt'), 'utf8')).toBe('two\n');
    const fresh = await conn.sendRequest(WriteRequest, { root: repo, path: 'a.txt', content: 'three\n', expectedSha256: updated.sha256 });
    expect(fresh.action).toBe('UPDATED');
    expect(readFileSync(path.join(repo, 'a.txt'), 'utf8')).toBe('three\n');
  });
});
