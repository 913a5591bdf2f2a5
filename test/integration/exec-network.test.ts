/**
 * Networked commands through the real daemon: a prefix of commands.exec.network_commands (user
 * config: the daemon's environment) runs in a container on Docker's default bridge network and is
 * audited as networked; every other command keeps --network none, and a networked command the list
 * does not name is refused in one line saying how to allow it. A repository config cannot add one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ExecRequest, type ExecResult } from '../../protocol/exec.js';
import { containersOf, makeRepo, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rpcFailure } from '../support/rpc-failure.js';

let d: TestDaemon;
let conn: MessageConnection;
let repo: string;

const run = (root: string, command: string): Promise<ExecResult> => conn.sendRequest(ExecRequest, { root, command });

beforeAll(async () => {
  repo = makeRepo({ 'a.txt': 'a\n' });
  d = await startDaemon({
    LLMR_COMMANDS__EXEC__PROFILE: 'original', LLMR_COMMANDS__EXEC__WHITELIST: 'ls',
    // a stand-in prefix that shows the container's network interfaces (no registry is reachable here)
    LLMR_COMMANDS__EXEC__NETWORK_COMMANDS: 'ls /sys/class/net',
  });
  conn = await d.connect();
});

afterAll(async () => {
  await d?.stop();
  expect(containersOf(d.instance)).toEqual([]);
});

describe('integration/exec-network', () => {
  it('runs a network_commands prefix on the bridge network, audited as networked', async () => {
    const net = await run(repo, 'ls /sys/class/net');
    expect(net.exitCode, net.stderr).toBe(0);
    expect(net.networked).toBe(true);
    expect(net.stdout.split('\n')).toContain('eth0');
    const file = path.join(d.home, 'state', 'llmr', 'audit.log');
    let audit = '';
    for (let i = 0; i < 50 && !audit.includes('network:bridge'); i += 1) {
      await new Promise((r) => setTimeout(r, 100)); // the audit writer appends asynchronously
      audit = readFileSync(file, 'utf8');
    }
    expect(audit).toMatch(/\|exec\|ls \/sys\/class\/net\|success\|[^\n]*network:bridge/);
  });

  it('keeps every other command off the network', async () => {
    const off = await run(repo, 'ls /sys/class/net/');
    expect(off.networked).toBeUndefined();
    expect(off.stdout).toBe('lo\n');
    const f = await rpcFailure(run(repo, 'npm ci'));
    expect(f.code).toBe('NETWORK_DISABLED');
    expect(f.details).toMatch(/commands\.exec\.network_commands in your user config/);
  });

  it('refuses network_commands in a repository config', async () => {
    const other = makeRepo({ 'llm-runtime.config.yaml': 'commands:\n  exec:\n    network_commands: ["curl"]\n' });
    const f = await rpcFailure(run(other, 'ls'));
    expect(f.code).toBe('CONFIG_INVALID');
    expect(f.message).toMatch(/commands\.exec\.network_commands in .* may not be set by a repository config/);
    writeFileSync(path.join(other, 'llm-runtime.config.yaml'), '');
  });
});
