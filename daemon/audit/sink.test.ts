import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readHead } from './head.js';
import { parseLine } from './line.js';
import { createAuditSinks } from './sink.js';
import { verifyAuditLog } from './verify.js';

let tmp: string;
let file: string;
let logged: Array<{ msg: string; file?: string }>;
const log = () => pino({ level: 'error' }, new Writable({
  write(chunk: Buffer, _enc, done) {
    logged.push(JSON.parse(chunk.toString('utf8')) as { msg: string; file?: string });
    done();
  },
}));
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmr-sink-'));
  file = path.join(tmp, 'state', 'audit.log');
  logged = [];
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const record = (target: string) => ({ session: 's', operation: 'open', target, status: 'success' as const, metadata: '' });
const targets = (): string[] => readFileSync(file, 'utf8').split('\n').slice(0, -1).map((l) => {
  const p = parseLine(l);
  return 'error' in p ? p.error : p.target;
});

describe('audit/sink', () => {
  it('shares one log per file between sinks and keeps record order', async () => {
    const sinks = createAuditSinks(log());
    const [one, two] = await Promise.all([sinks.get(file, true), sinks.get(file, true)]);
    one.record(record('a'));
    two.record(record('b'));
    one.record(record('c'));
    await two.flush();
    expect(targets()).toEqual(['a', 'b', 'c']);
    await sinks.closeAll();
  });

  it('writes every record and the head file on closeAll', async () => {
    const sinks = createAuditSinks(log());
    const sink = await sinks.get(file, true);
    for (let i = 0; i < 50; i++) sink.record(record(`t${i}`));
    await sinks.closeAll();
    expect(targets()).toHaveLength(50);
    const verified = await verifyAuditLog(file);
    expect(verified).toMatchObject({ ok: true, lines: 50 });
    expect(await readHead(file)).toEqual({ lines: 50, head: verified.head });
  });

  it('records nothing for a disabled audit log', async () => {
    const sinks = createAuditSinks(log());
    const sink = await sinks.get(file, false);
    sink.record(record('a'));
    await sink.flush();
    await sinks.closeAll();
    expect(sink.path).toBe('');
    await expect(verifyAuditLog(file)).rejects.toThrow(`audit log ${file} does not exist`);
  });

  it('logs a failed append instead of failing the operation, and goes on after it', async () => {
    const sinks = createAuditSinks(log());
    const sink = await sinks.get(file, true);
    rmSync(file);
    mkdirSync(file);
    sink.record(record('lost'));
    await sink.flush();
    expect(logged).toMatchObject([{ msg: 'audit append failed', file }]);
    rmSync(file, { recursive: true });
    sink.record(record('kept'));
    await sinks.closeAll();
    expect(targets()).toEqual(['kept']);
  });
});
