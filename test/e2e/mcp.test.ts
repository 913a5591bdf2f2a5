/**
 * `llmr mcp` driven by the MCP TypeScript SDK's own Client over stdio (StdioClientTransport), on a
 * real temp copy of the demo repository, with a real daemon, Docker and the images.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo } from '../helpers/daemon.js';
import { CLI, cleanupHome, containersMounting, makeHome, runCli, type CliHome } from './helpers.js';

const FIXTURE = path.resolve('test/fixtures/demo-repo');

function fixtureFiles(dir = FIXTURE, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const abs = path.join(dir, name);
    if (statSync(abs).isDirectory()) Object.assign(out, fixtureFiles(abs, `${prefix}${name}/`));
    else out[`${prefix}${name}`] = readFileSync(abs, 'utf8');
  }
  return out;
}

interface Session { client: Client; transport: StdioClientTransport; errors: Error[]; stderr: () => string }

async function open(h: CliHome, root: string): Promise<Session> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--root', root], env: h.env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const errors: Error[] = [];
  const client = new Client({ name: 'llmr-e2e', version: '1.0.0' });
  client.onerror = (e) => void errors.push(e);
  await client.connect(transport);
  return { client, transport, errors, stderr: () => stderr };
}

type Text = { content: Array<{ type: string; text?: string }>; isError?: boolean; structuredContent?: Record<string, unknown> };
const textOf = (r: unknown): string => ((r as Text).content ?? []).map((c) => c.text ?? '').join('\n');

describe('e2e/mcp', () => {
  let h: CliHome;
  let repo: string;
  let s: Session;
  const call = async (name: string, args: Record<string, unknown>) => (await s.client.callTool({ name, arguments: args })) as Text;

  beforeAll(async () => {
    h = makeHome();
    repo = makeRepo({ ...fixtureFiles(), 'slow/test_mcp_cancel_marker.py': 'import time\n\ndef test_slow():\n    print("started", flush=True)\n    time.sleep(120)\n' });
    s = await open(h, repo);
  });

  afterAll(async () => {
    await s?.client.close();
    await cleanupHome(h);
    expect(containersMounting(repo)).toEqual([]);
  });

  it('lists the eight tools with schemas and annotations', async () => {
    const { tools } = await s.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['edit_file', 'grep', 'list_directory', 'read_file', 'run_command', 'search_code', 'undo_edit', 'write_file']);
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const n of ['read_file', 'list_directory', 'search_code', 'grep']) expect(byName.get(n)?.annotations?.readOnlyHint, n).toBe(true);
    for (const n of ['write_file', 'edit_file', 'undo_edit', 'run_command']) expect(byName.get(n)?.annotations?.destructiveHint, n).toBe(true);
    expect(byName.get('edit_file')?.inputSchema.required).toEqual(['path', 'edits']);
    // the SDK client validates every structuredContent below against these
    for (const n of ['read_file', 'write_file', 'edit_file', 'grep', 'undo_edit', 'run_command']) expect(byName.get(n)?.outputSchema, n).toBeDefined();
  });

  it('lists → reads → edits → runs the tests → greps → searches → undoes', async () => {
    const list = await call('list_directory', {});
    expect(list.isError, textOf(list)).toBeFalsy();
    expect(textOf(list)).toContain('greet.py');
    expect(textOf(list)).not.toContain('.env');

    const read = await call('read_file', { path: 'src/greet.py', start_line: 2, end_line: 3 });
    expect(textOf(read)).toMatch(/^lines 2–3 of 3 · sha256 [0-9a-f]{64}\n     2\t    """Return a friendly greeting for name."""\n     3\t    return f"Hello, \{name\}!"$/);
    const sha = read.structuredContent?.sha256 as string;

    const edit = await call('edit_file', { path: 'src/greet.py', expected_sha256: sha,
      edits: [{ old_string: 'a friendly greeting', new_string: 'a warm greeting' }] });
    expect(edit.isError, textOf(edit)).toBeFalsy();
    expect(textOf(edit)).toContain('-    """Return a friendly greeting for name."""\n+    """Return a warm greeting for name."""');
    expect(readFileSync(path.join(repo, 'src/greet.py'), 'utf8')).toContain('a warm greeting');

    const events: string[] = [];
    const run = s.client.callTool({ name: 'run_command', arguments: { command: 'python3 -m pytest -q -p no:cacheprovider tests' } }, undefined,
      { onprogress: (p) => void events.push(`progress:${p.message ?? ''}`), timeout: 120_000 });
    const ran = (await run) as Text;
    events.push('result');
    expect(ran.isError, textOf(ran)).toBeFalsy();
    expect(textOf(ran)).toMatch(/Exit code: 0[\s\S]*1 passed/);
    expect(events.length).toBeGreaterThan(1);
    expect(events.at(-1)).toBe('result');
    expect(events.slice(0, -1).join('')).toContain('1 passed');

    expect(textOf(await call('grep', { pattern: 'def \\w+\\(', context: 1 }))).toContain('src/greet.py:1:def greet(name: str) -> str:');
    const search = await call('search_code', { query: 'warm greeting' });
    expect(search.isError, textOf(search)).toBeFalsy();
    expect(textOf(search)).toContain('src/greet.py');

    const undo = await call('undo_edit', { path: 'src/greet.py' });
    expect(undo.isError, textOf(undo)).toBeFalsy();
    expect(textOf(undo)).toMatch(/^restored src\/greet\.py from backup backups\//);
    expect(readFileSync(path.join(repo, 'src/greet.py'), 'utf8')).toContain('a friendly greeting');
  });

  it('refuses an ambiguous edit naming the line numbers, and changes nothing', async () => {
    expect((await call('write_file', { path: 'dup.py', content: 'x = 1\ny = 2\nx = 1\n' })).isError).toBeFalsy();
    const r = await call('edit_file', { path: 'dup.py', edits: [{ old_string: 'x = 1', new_string: 'x = 3' }] });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^EDIT_AMBIGUOUS: edits\[0\]\.old_string matches 2 times, at lines 1, 3/);
    expect(readFileSync(path.join(repo, 'dup.py'), 'utf8')).toBe('x = 1\ny = 2\nx = 1\n');
  });

  it('refuses .env, bad arguments and unknown tools as tool errors starting with the code', async () => {
    const env = await call('read_file', { path: '.env' });
    expect(env.isError).toBe(true);
    expect(textOf(env)).toMatch(/^PATH_EXCLUDED: /);
    expect(textOf(env)).not.toContain('demo-secret');
    expect(textOf(await call('read_file', {}))).toBe('INVALID_PARAMS: path is required');
    expect(textOf(await call('edit_file', { path: 'x', edits: [{ old_string: 1, new_string: 'a' }] }))).toMatch(/^INVALID_PARAMS: edits\[0\]\.old_string must be a string/);
    expect(textOf(await call('grep', { pattern: '(a+)+$', context: 99 }))).toMatch(/^INVALID_PARAMS: context must be at most 20/);
    expect(textOf(await call('nope', {}))).toMatch(/^INVALID_PARAMS: unknown tool nope/);
    expect(s.errors).toEqual([]);
  });

  it('kills the command when the client cancels the call', async () => {
    const marker = 'test_mcp_cancel_marker';
    const running = (): boolean => spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout.includes(marker);
    const abort = new AbortController();
    const events: string[] = [];
    const call = s.client.callTool({ name: 'run_command', arguments: { command: `python3 -m pytest -q -s -p no:cacheprovider slow/${marker}.py` } }, undefined,
      { signal: abort.signal, onprogress: (p) => void events.push(p.message ?? '') });
    const deadline = Date.now() + 30_000;
    while (!running() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(running()).toBe(true);
    abort.abort();
    await expect(call).rejects.toThrow();
    const gone = Date.now() + 15_000;
    while (running() && Date.now() < gone) await new Promise((r) => setTimeout(r, 200));
    expect(running()).toBe(false);
  });

  it('kills the command when the client disconnects while it runs', async () => {
    const marker = 'test_mcp_cancel_marker';
    const running = (): boolean => spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout.includes(marker);
    const other = await open(h, repo);
    const call = other.client.callTool({ name: 'run_command', arguments: { command: `python3 -m pytest -q -s -p no:cacheprovider slow/${marker}.py` } }).catch(() => undefined);
    const deadline = Date.now() + 30_000;
    while (!running() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(running()).toBe(true);
    await other.transport.close();
    await call;
    const gone = Date.now() + 15_000;
    while (running() && Date.now() < gone) await new Promise((r) => setTimeout(r, 200));
    expect(running()).toBe(false);
  });

  it('refuses a 50 MB write_file content without changing anything', async () => {
    const r = await call('write_file', { path: 'huge.txt', content: 'x'.repeat(50 * 1024 * 1024) });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^FILE_TOO_LARGE: /);
    expect(readdirSync(repo)).not.toContain('huge.txt');
  });

  it('takes the root from the client\'s MCP roots when --root is not given', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], env: h.env, cwd: h.home, stderr: 'pipe' });
    const client = new Client({ name: 'llmr-e2e-roots', version: '1.0.0' }, { capabilities: { roots: { listChanged: true } } });
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: pathToFileURL(repo).href, name: 'demo' }] }));
    await client.connect(transport);
    try {
      const r = (await client.callTool({ name: 'list_directory', arguments: { path: 'tests' } })) as Text;
      expect(r.isError, textOf(r)).toBeFalsy();
      expect(textOf(r)).toContain('test_greet.py');
    } finally {
      await client.close();
    }
  });

  it('refuses a client root that is the home directory, saying what to do, and reads nothing', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], env: h.env, cwd: h.home, stderr: 'pipe' });
    const client = new Client({ name: 'llmr-e2e-home', version: '1.0.0' }, { capabilities: { roots: { listChanged: true } } });
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: pathToFileURL(h.home).href, name: 'home' }] }));
    await client.connect(transport);
    try {
      const r = (await client.callTool({ name: 'list_directory', arguments: { path: '.' } })) as Text;
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/^ROOT_TOO_BROAD: repository root .* is your home directory/);
      expect(textOf(r)).toContain('project folder');
    } finally {
      await client.close();
    }
  });

  it('reconnects after the daemon restarts', async () => {
    expect((await runCli(h, ['daemon', 'stop'], '', { timeoutMs: 30_000 })).status).toBe(0);
    const r = await call('list_directory', { path: 'src' });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(textOf(r)).toContain('greet.py');
  });

  it('tolerates two servers spawned at once, both starting the daemon', async () => {
    expect((await runCli(h, ['daemon', 'stop'], '', { timeoutMs: 30_000 })).status).toBe(0);
    const [a, b] = await Promise.all([open(h, repo), open(h, repo)]);
    try {
      const [ra, rb] = await Promise.all([a.client.callTool({ name: 'grep', arguments: { pattern: 'greet', files_only: true } }), b.client.callTool({ name: 'grep', arguments: { pattern: 'greet', files_only: true } })]);
      expect(textOf(ra), a.stderr()).toContain('src/greet.py');
      expect(textOf(rb), b.stderr()).toContain('src/greet.py');
    } finally {
      await a.client.close();
      await b.client.close();
    }
  });
});
