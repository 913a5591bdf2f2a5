import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { GENESIS, openAuditLog, parseLine, verifyAuditLog, type AuditEntry, type AuditLine } from './audit.js';

let tmp: string;
let file: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmr-audit-'));
  file = path.join(tmp, 'state', 'llmr', 'audit.log');
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const entry = (target: string, over: Partial<AuditEntry> = {}): AuditEntry => ({
  session: 's1', operation: 'open', target, status: 'success', metadata: '', ...over,
});
const fixedClock = () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
const fileLines = (): string[] => readFileSync(file, 'utf8').split('\n').slice(0, -1);
const parsed = (line: string): AuditLine => {
  const p = parseLine(line);
  if ('error' in p) throw new Error(p.error);
  return p;
};

describe('audit/audit', () => {
  it('creates the directory 0700 and the file 0600 and writes the original fields plus the chain', async () => {
    const log = await openAuditLog(file, { clock: fixedClock });
    expect(log.head()).toBe(GENESIS);
    await log.append(entry('src/main.go'));
    await log.append(entry('go test ./...', { operation: 'exec', metadata: 'exit_code:0,duration:0.412s,status:completed' }));
    await log.close();
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = fileLines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^2026-01-02T03:04:05\.678Z\|session:s1\|open\|src\/main\.go\|success\|\|chain:[0-9a-f]{64}$/);
    expect(lines[1]).toMatch(/\|exec\|go test \.\/\.\.\.\|success\|exit_code:0,duration:0\.412s,status:completed\|chain:/);
    expect(log.head()).toBe(parsed(lines[1]).chain);
    expect(await verifyAuditLog(file)).toEqual({ ok: true, lines: 2, head: log.head() });
  });

  it('tightens an existing file that others can read to 0600', async () => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    await (await openAuditLog(file)).close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('writes 200 concurrent appends as 200 whole lines in call order with a valid chain', async () => {
    const log = await openAuditLog(file);
    const targets = Array.from({ length: 200 }, (_, i) => `file-${i}|${'x'.repeat(i * 37)}\n`);
    await Promise.all(targets.map((t) => log.append(entry(t))));
    await log.close();
    const lines = fileLines();
    expect(lines).toHaveLength(200);
    expect(lines.map((l) => parsed(l).target)).toEqual(targets);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, lines: 200 });
  });

  it('continues the chain when the log is reopened', async () => {
    const first = await openAuditLog(file);
    await first.append(entry('a'));
    await first.append(entry('b'));
    await first.close();
    const second = await openAuditLog(file);
    expect(second.head()).toBe(first.head());
    await second.append(entry('c'));
    await second.close();
    expect(fileLines().map((l) => parsed(l).target)).toEqual(['a', 'b', 'c']);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, lines: 3 });
  });

  it('adds the missing newline and continues when the last line is whole but unterminated', async () => {
    const log = await openAuditLog(file);
    await log.append(entry('a'));
    await log.close();
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, -1));
    const again = await openAuditLog(file);
    await again.append(entry('b'));
    await again.close();
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, lines: 2 });
  });

  it('starts a new chain after a marker line when the last line is torn, and verify keeps reporting it', async () => {
    const log = await openAuditLog(file, { clock: fixedClock });
    await log.append(entry('a'));
    await log.close();
    appendFileSync(file, '2026-01-02T03:04:05.678Z|session:s1|wri');
    const again = await openAuditLog(file, { clock: fixedClock });
    await again.append(entry('b'));
    await again.close();
    const lines = fileLines();
    expect(lines).toHaveLength(4);
    const marker = parsed(lines[2]);
    expect(marker).toMatchObject({ session: 'llmr', operation: 'audit', target: file, status: 'failed' });
    expect(marker.metadata).toBe('chain broken at line 2: expected 7 fields, found 3, no final newline; a new chain starts here');
    expect(parsed(lines[3]).target).toBe('b');
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, lines: 4, firstBadLine: 2, reason: 'malformed line: expected 7 fields, found 3' });
  });

  it('refuses appends after close and a bad status, and closes twice safely', async () => {
    const log = await openAuditLog(file);
    await expect(log.append({ ...entry('a'), status: 'ok' as 'success' })).rejects.toThrow('audit status ok is neither success nor failed');
    await log.close();
    await log.close();
    await expect(log.append(entry('a'))).rejects.toThrow(`audit log ${file} is closed`);
  });

  it('syncs each line when asked to', async () => {
    const log = await openAuditLog(file, { fsync: true });
    await log.append(entry('a'));
    await log.close();
    expect(fileLines()).toHaveLength(1);
  });

  it('refuses a symlink or a directory at the log path', async () => {
    mkdirSync(path.dirname(file), { recursive: true });
    const target = path.join(tmp, 'elsewhere.log');
    writeFileSync(target, '');
    symlinkSync(target, file);
    const err = await openAuditLog(file).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LlmrError);
    expect((err as LlmrError).code).toBe('PERMISSION_DENIED');
    expect((err as LlmrError).message).toBe(`cannot open audit log ${file}: ELOOP`);
    const dir = path.join(tmp, 'dir.log');
    mkdirSync(dir);
    await expect(openAuditLog(dir)).rejects.toThrow(`cannot open audit log ${dir}: EISDIR`);
  });
});
