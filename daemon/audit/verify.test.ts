import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { openAuditLog } from './audit.js';
import { headFileOf, writeHead } from './head.js';
import { formatLine, GENESIS, parseLine } from './line.js';
import { verifyAuditLog } from './verify.js';

let tmp: string;
let file: string;
let head: string;
let clockMs: number;
beforeEach(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'llmr-verify-'));
  file = path.join(tmp, 'audit.log');
  clockMs = Date.UTC(2026, 0, 1);
  const log = await openAuditLog(file, { clock: () => new Date((clockMs += 1000)) });
  for (const target of ['a.go', 'b.go', 'c.go', 'd.go', 'e.go']) {
    await log.append({ session: '7', operation: 'open', target, status: 'success', metadata: '' });
  }
  head = log.head();
  await log.close();
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const lines = (): string[] => readFileSync(file, 'utf8').split('\n').slice(0, -1);
const rewrite = (ls: string[]): void => writeFileSync(file, ls.map((l) => `${l}\n`).join(''));
const headFile = (): string => headFileOf(file);
const chainOf = (line: string): string => {
  const p = parseLine(line);
  if ('error' in p) throw new Error(p.error);
  return p.chain;
};
const MISMATCH = 'chain mismatch: this line was edited, or a line before it was deleted, inserted or moved';

describe('audit/verify', () => {
  it('accepts an untouched log, and an empty one without a head file', async () => {
    expect(await verifyAuditLog(file)).toEqual({ ok: true, lines: 5, head });
    expect(await verifyAuditLog(file, { expectedHead: head })).toEqual({ ok: true, lines: 5, head });
    writeFileSync(file, '');
    rmSync(headFile());
    expect(await verifyAuditLog(file)).toEqual({ ok: true, lines: 0, head: GENESIS });
  });

  it('reports an emptied log as missing its first line when the head file records lines', async () => {
    writeFileSync(file, '');
    expect(await verifyAuditLog(file)).toEqual({
      ok: false, lines: 0, firstBadLine: 1, reason: 'the log ends before line 1: lines were removed from its end', head: GENESIS,
    });
  });

  it('detects an edited field', async () => {
    const ls = lines();
    ls[2] = ls[2].replace('|success|', '|failed|');
    rewrite(ls);
    expect(await verifyAuditLog(file)).toEqual({ ok: false, lines: 5, firstBadLine: 3, reason: MISMATCH, head: expect.any(String) });
  });

  it('detects a deleted line in the middle', async () => {
    rewrite(lines().filter((_, i) => i !== 2));
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, lines: 4, firstBadLine: 3, reason: MISMATCH });
  });

  it('detects a deleted first line by the genesis value', async () => {
    rewrite(lines().slice(1));
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, firstBadLine: 1, reason: MISMATCH });
  });

  it('reports lines removed from the end by the head file, and by the expected head', async () => {
    rewrite(lines().slice(0, -2));
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false, lines: 3, firstBadLine: 4, reason: 'the log ends before line 4: lines were removed from its end',
    });
    rmSync(headFile());
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, lines: 3 });
    expect(await verifyAuditLog(file, { expectedHead: head })).toMatchObject({
      ok: false, lines: 3, firstBadLine: 4, reason: 'the expected last chain value is not in the log: lines were deleted from the end',
    });
  });

  it('accepts a head file that is earlier in the chain than its end', async () => {
    await writeHead(file, { lines: 3, head: chainOf(lines()[2]) });
    expect(await verifyAuditLog(file)).toEqual({ ok: true, lines: 5, head });
    const log = await openAuditLog(file);
    await log.append({ session: '8', operation: 'exec', target: 'make', status: 'failed', metadata: 'exit_code:2,duration:0.1s,status:failed' });
    await log.close();
    await writeHead(file, { lines: 5, head });
    expect(await verifyAuditLog(file, { expectedHead: head })).toMatchObject({ ok: true, lines: 6 });
  });

  it('reports a log whose recorded line holds another chain value as rewritten', async () => {
    await writeHead(file, { lines: 4, head: 'a'.repeat(64) });
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false, lines: 5, firstBadLine: 4, reason: `line 4 is not the one recorded in ${headFile()}: the log was rewritten or replaced`,
    });
  });

  it('reports a head file that does not parse or cannot be read, without a line number', async () => {
    writeFileSync(headFile(), 'lines 5\n');
    expect(await verifyAuditLog(file)).toEqual({ ok: false, lines: 5, reason: `head file ${headFile()} is not valid: not JSON`, head });
    rmSync(headFile());
    mkdirSync(headFile());
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, reason: `head file ${headFile()} is not valid: not a regular file` });
  });

  it('reports a broken chain before a disagreeing head file', async () => {
    const ls = lines();
    rewrite([ls[0], ls[2]]);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, lines: 2, firstBadLine: 2, reason: MISMATCH });
  });

  it('detects a reordered pair', async () => {
    const ls = lines();
    [ls[1], ls[2]] = [ls[2], ls[1]];
    rewrite(ls);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, firstBadLine: 2, reason: MISMATCH });
  });

  it('detects an inserted copy of a line and an inserted line forged from the genesis value', async () => {
    const ls = lines();
    rewrite([...ls.slice(0, 3), ls[1], ...ls.slice(3)]);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, lines: 6, firstBadLine: 4, reason: MISMATCH });
    const forged = formatLine('2026-01-01T00:00:02.500Z', { session: '7', operation: 'open', target: 'x', status: 'success', metadata: '' }, GENESIS);
    rewrite([...ls.slice(0, 2), forged.line, ...ls.slice(2)]);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, firstBadLine: 3, reason: expect.stringMatching(/^the chain starts again here/) });
  });

  it('detects a torn last line, a malformed line and bytes that are not UTF-8', async () => {
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, -10));
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, lines: 5, firstBadLine: 5, reason: 'the last line has no newline (a torn write or an edit)' });
    const ls = lines();
    rewrite([ls[0], 'garbage', ...ls.slice(1)]);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, firstBadLine: 2, reason: 'malformed line: expected 7 fields, found 1' });
    writeFileSync(file, Buffer.concat([Buffer.from(`${ls[0]}\n`), Buffer.from([0xff, 0xfe, 0x0a])]));
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, firstBadLine: 2, reason: 'line is not UTF-8' });
  });

  it('reports a missing log as FILE_NOT_FOUND', async () => {
    const err = await verifyAuditLog(path.join(tmp, 'none.log')).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LlmrError);
    expect((err as LlmrError).code).toBe('FILE_NOT_FOUND');
  });
});
