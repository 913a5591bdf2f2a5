import {
  appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { GENESIS, openAuditLog, parseLine, verifyAuditLog, type AuditEntry, type AuditLine, type AuditLog } from './audit.js';
import { headFileOf, readHead, writeHead } from './head.js';

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
const fileLines = (f = file): string[] => readFileSync(f, 'utf8').split('\n').slice(0, -1);
/** A log with lines a…e, closed. */
const fiveLines = async (): Promise<string> => {
  const log = await openAuditLog(file, { clock: fixedClock });
  for (const t of ['a', 'b', 'c', 'd', 'e']) await log.append(entry(t));
  await log.close();
  return log.head();
};
/** The same lines in a new file renamed over the log (what `sed -i` does). */
const replaceFile = (ls: string[]): void => {
  writeFileSync(`${file}.new`, ls.map((l) => `${l}\n`).join(''));
  renameSync(`${file}.new`, file);
};
const RESTART = 'the chain starts again here: the lines before it were deleted, or the writer found the log broken';
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

describe('audit/audit head file', () => {
  it('saves the line count and head in <log>.head 0600 on close, and soon after an append', async () => {
    const log = await openAuditLog(file);
    await log.append(entry('a'));
    const deadline = Date.now() + 2000;
    while ((await readHead(file)) === undefined || (await readHead(file) as { lines: number }).lines !== 1) {
      if (Date.now() > deadline) throw new Error('head file not saved within 2s');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await readHead(file)).toEqual({ lines: 1, head: log.head() });
    await log.append(entry('b'));
    await log.close();
    expect(await readHead(file)).toEqual({ lines: 2, head: log.head() });
    expect(statSync(headFileOf(file)).mode & 0o777).toBe(0o600);
  });

  it('reports lines removed from the end while the writer was closed, at the first missing line', async () => {
    await fiveLines();
    writeFileSync(file, fileLines().slice(0, 3).map((l) => `${l}\n`).join(''));
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, lines: 3, firstBadLine: 4, reason: 'the log ends before line 4: lines were removed from its end' });
    const log = await openAuditLog(file, { clock: fixedClock });
    await log.append(entry('f'));
    await log.close();
    const lines = fileLines();
    expect(lines).toHaveLength(5);
    expect(parsed(lines[3]).metadata).toBe('the log has no line 5 with the chain value written last: lines were removed from its end, or the log was replaced; a new chain starts here');
    expect(await readHead(file)).toEqual({ lines: 5, head: log.head() });
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, lines: 5, firstBadLine: 4, reason: RESTART });
  });

  it('starts an emptied log with a marker naming the lines it had', async () => {
    await fiveLines();
    writeFileSync(file, '');
    const log = await openAuditLog(file, { clock: fixedClock });
    await log.close();
    expect(parsed(fileLines()[0]).metadata).toBe('the previous log (5 lines) was replaced, moved or emptied; a new chain starts here');
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, lines: 1 });
  });

  it('continues from a head file saved before the last lines (a crash before the save)', async () => {
    await fiveLines();
    await writeHead(file, { lines: 3, head: parsed(fileLines()[2]).chain });
    const log = await openAuditLog(file);
    await log.append(entry('f'));
    await log.close();
    expect(fileLines().map((l) => parsed(l).target)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(await readHead(file)).toEqual({ lines: 6, head: log.head() });
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, lines: 6 });
  });

  it('notes a head file that does not parse in the log and rewrites it', async () => {
    await fiveLines();
    writeFileSync(headFileOf(file), 'garbage');
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, reason: `head file ${headFileOf(file)} is not valid: not JSON` });
    const log = await openAuditLog(file);
    await log.close();
    expect(parsed(fileLines()[5]).metadata).toBe(`audit head file ${headFileOf(file)} is not valid (not JSON); it is rewritten`);
    expect(await verifyAuditLog(file)).toEqual({ ok: true, lines: 6, head: log.head() });
  });
});

describe('audit/audit replaced files', () => {
  let log: AuditLog;
  beforeEach(async () => {
    await fiveLines();
    log = await openAuditLog(file, { clock: fixedClock });
  });
  afterEach(async () => log.close());

  it('follows a rotated log into the new empty file with a marker, leaving the old one whole', async () => {
    renameSync(file, `${file}.1`);
    writeFileSync(file, '');
    await log.append(entry('f'));
    await log.close();
    expect(fileLines(`${file}.1`).map((l) => parsed(l).target)).toEqual(['a', 'b', 'c', 'd', 'e']);
    const lines = fileLines();
    expect(lines).toHaveLength(2);
    expect(parsed(lines[0])).toMatchObject({ operation: 'audit', status: 'failed', metadata: 'the previous log (5 lines) was replaced, moved or emptied; a new chain starts here' });
    expect(parsed(lines[1]).target).toBe('f');
    expect(await verifyAuditLog(file)).toEqual({ ok: true, lines: 2, head: log.head() });
    expect(await verifyAuditLog(`${file}.1`)).toMatchObject({ ok: true, lines: 5 });
  });

  it('creates the log again when it was deleted', async () => {
    rmSync(file);
    await log.append(entry('f'));
    await log.close();
    expect(fileLines().map((l) => parsed(l).operation)).toEqual(['audit', 'open']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, lines: 2 });
  });

  it('continues the chain in a rewritten file (another inode) that still holds every line', async () => {
    const before = statSync(file).ino;
    replaceFile(fileLines());
    expect(statSync(file).ino).not.toBe(before);
    await log.append(entry('f'));
    await log.close();
    expect(fileLines().map((l) => parsed(l).target)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(await verifyAuditLog(file)).toEqual({ ok: true, lines: 6, head: log.head() });
  });

  it('starts a new chain, which verify reports, in a rewritten file that lost its last lines', async () => {
    replaceFile(fileLines().slice(0, 3));
    await log.append(entry('f'));
    await log.close();
    expect(fileLines().map((l) => parsed(l).target)).toEqual(['a', 'b', 'c', file, 'f']);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, lines: 5, firstBadLine: 4, reason: RESTART });
  });

  it('writes the chain-broken marker when the new file ends in a line that is not an entry', async () => {
    replaceFile([...fileLines(), 'not an entry']);
    await log.append(entry('f'));
    await log.close();
    expect(parsed(fileLines()[6]).metadata).toBe('chain broken at line 6: expected 7 fields, found 1; a new chain starts here');
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, firstBadLine: 6, reason: 'malformed line: expected 7 fields, found 1' });
  });

  it('notices a log truncated in place (copytruncate) and starts it with a marker', async () => {
    writeFileSync(file, '');
    await log.append(entry('f'));
    await log.close();
    expect(fileLines().map((l) => parsed(l).operation)).toEqual(['audit', 'open']);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, lines: 2 });
  });

  it('fails the append, and recovers, when the path becomes something it must not write to', async () => {
    rmSync(file);
    mkdirSync(file);
    await expect(log.append(entry('f'))).rejects.toThrow(`cannot append audit log ${file}: EISDIR`);
    rmSync(file, { recursive: true });
    await log.append(entry('g'));
    await log.close();
    expect(existsSync(file)).toBe(true);
    expect(fileLines().map((l) => parsed(l).target)).toEqual([file, 'g']);
  });
});

