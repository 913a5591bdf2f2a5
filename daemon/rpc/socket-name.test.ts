import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inheritedSocketPath, pathForInode } from './socket-name.js';

const TABLE = [
  'Num       RefCount Protocol Flags    Type St Inode Path',
  '0000000000000000: 00000002 00000000 00010000 0001 01 4242 /run/user/1000/llmr/daemon.sock',
  '0000000000000000: 00000002 00000000 00010000 0001 01 4243 @abstract',
  '0000000000000000: 00000003 00000000 00000000 0001 03 4244',
].join('\n');

describe('daemon/rpc/socket-name', () => {
  it('finds the path bound to an inode and ignores abstract and unnamed sockets', () => {
    expect(pathForInode(TABLE, '4242')).toBe('/run/user/1000/llmr/daemon.sock');
    expect(pathForInode(TABLE, '4243')).toBeUndefined();
    expect(pathForInode(TABLE, '4244')).toBeUndefined();
    expect(pathForInode(TABLE, '1')).toBeUndefined();
  });

  it('names the path of a real listening socket from its file descriptor', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'llmr-sn-'));
    const file = path.join(dir, 'x.sock');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(file, resolve));
    try {
      const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
      expect(await inheritedSocketPath(fd)).toBe(file);
      expect(await inheritedSocketPath(0)).toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
