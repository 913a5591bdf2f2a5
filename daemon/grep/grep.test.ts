import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { formatGrepLines, type GrepParams } from '../../protocol/grep.js';
import type { RequestContext } from '../context.js';
import type { AuditRecord } from '../audit/record.js';
import { grepRepository } from './grep.js';

const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'llmr-grep-')));
const put = (rel: string, text: string | Buffer): void => { mkdirSync(path.dirname(path.join(root, rel)), { recursive: true }); writeFileSync(path.join(root, rel), text); };
put('.gitignore', 'dist/\n');
put('src/app.py', 'import os\n\ndef main():\n    token = os.environ["TOKEN"]\n    return token\n');
put('src/util.py', 'def helper():\n    return "TOKEN"\n');
put('dist/bundle.js', 'TOKEN\n');
put('.env', 'TOKEN=secret\n');
put('img.bin', Buffer.from([0, 84, 79, 75, 69, 78]));
put('long.txt', `${'a'.repeat(30_000)}!\n`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const records: AuditRecord[] = [];
const audit = { record: (r: AuditRecord) => void records.push(r), flush: async () => undefined, path: '/dev/null' };
const ctx: RequestContext = { signal: new AbortController().signal, log: pino({ level: 'silent' }), session: 't', notify: () => undefined };
const grep = (p: Omit<GrepParams, 'root'>) => grepRepository({ root, isHidden: (rel) => rel === '.env', maxFileSize: 1 << 20, audit }, { root, ...p }, ctx);
async function codeOf(p: Promise<unknown>): Promise<string> {
  try { await p; return 'OK'; } catch (err) { return err instanceof LlmrError ? err.code : String(err); }
}

describe('daemon/grep/grep', () => {
  it('prints path:line:text, honours .gitignore and never shows excluded or binary files', async () => {
    const r = await grep({ pattern: 'TOKEN' });
    expect(formatGrepLines(r)).toEqual(['src/app.py:4:    token = os.environ["TOKEN"]', 'src/util.py:2:    return "TOKEN"']);
    expect(r.note).toContain('skipped 1 binary');
    expect(records.at(-1)).toMatchObject({ operation: 'grep', target: 'TOKEN', status: 'success' });
  });

  it('shows context lines, ignore_case, include/exclude, files_only and count', async () => {
    const ctxLines = formatGrepLines(await grep({ pattern: 'environ', context: 1 }));
    expect(ctxLines).toEqual(['src/app.py-3-def main():', 'src/app.py:4:    token = os.environ["TOKEN"]', 'src/app.py-5-    return token']);
    expect((await grep({ pattern: 'token', ignoreCase: true, filesOnly: true })).files.map((f) => f.path)).toEqual(['src/app.py', 'src/util.py']);
    expect(formatGrepLines(await grep({ pattern: 'token', ignoreCase: true, count: true, include: ['app.*'] }))).toEqual(['src/app.py:2']);
    expect((await grep({ pattern: 'TOKEN', exclude: ['src/util.py'] })).files.map((f) => f.path)).toEqual(['src/app.py']);
    expect((await grep({ pattern: '^def', path: 'src/util.py' })).matches).toBe(1);
  });

  it('caps results with a note', async () => {
    const r = await grep({ pattern: '.', maxResults: 2 });
    expect(r.matches).toBe(2);
    expect(r.truncated).toBe(true);
    expect(r.note).toContain('max_results');
  });

  it('bounds the output of many long matching lines with context', async () => {
    for (const n of [1, 2, 3, 4]) put(`wide/w${n}.txt`, `${'z'.repeat(300)}\n`.repeat(1500));
    const r = await grep({ pattern: 'z', path: 'wide', context: 20, maxResults: 5000 });
    expect(r.truncated).toBe(true);
    expect(r.note).toContain('output limit');
    expect(r.files.length).toBeLessThan(4);
    expect(JSON.stringify(r).length).toBeLessThan(4 * 1024 * 1024);
  });

  it('runs a catastrophic-backtracking pattern in linear time', async () => {
    const started = performance.now();
    const r = await grep({ pattern: '(a+)+$', path: 'long.txt' });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(r.matches).toBe(0);
    expect(await codeOf(grep({ pattern: '(a)\\1' }))).toBe('PATTERN_INVALID');
    expect(await codeOf(grep({ pattern: '(?=a)' }))).toBe('PATTERN_INVALID');
  });

  it('refuses bad arguments naming the field, and excluded or escaping paths', async () => {
    expect(await codeOf(grep({ pattern: '' }))).toBe('INVALID_PARAMS');
    expect(await codeOf(grep({ pattern: 'a', context: 99 }))).toBe('INVALID_PARAMS');
    expect(await codeOf(grep({ pattern: 'a', path: '.env' }))).toBe('PATH_EXCLUDED');
    expect(await codeOf(grep({ pattern: 'a', path: '../' }))).toBe('PATH_OUTSIDE_REPO');
    expect(records.at(-1)).toMatchObject({ status: 'failed', metadata: expect.stringMatching(/^PATH_OUTSIDE_REPO/) });
  });
});
