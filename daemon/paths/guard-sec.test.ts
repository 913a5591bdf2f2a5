/**
 * Path guard defences of issue 10: hard-link aliases, names that lie, trailing slashes, the write
 * extension list on the resolved target, backup copies of excluded names.
 */
import { linkSync, lstatSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { createPathGuard, DEFAULT_EXCLUDED, type PathGuard, type ResolvedPath } from './guard.js';
import { createAliasCheck } from './hardlinks.js';

let base: string;
let root: string;
let guard: PathGuard;

function put(rel: string, content = 'x\n'): string {
  const abs = join(root, rel);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, content);
  return abs;
}

async function failure(p: Promise<ResolvedPath>): Promise<LlmrError> {
  const outcome = await p.then((ok) => ok, (err: unknown) => err);
  if (outcome instanceof LlmrError) return outcome;
  throw new Error(`expected a refusal, got ${JSON.stringify(outcome)}`);
}

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'llmr-guard-sec-')));
  root = join(base, 'repo');
  for (const rel of ['src/main.go', 'notes.md', 'run.sh', '.env', '.aws/credentials', 'llm-runtime.config.yaml']) put(rel);
  guard = createPathGuard({ root, excluded: [...DEFAULT_EXCLUDED], protectedPaths: ['.git/**', 'llm-runtime.config.yaml'] });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('paths/guard: hard links (issue 10 item 2)', () => {
  it('refuses reading a hard link to an excluded file, naming it', async () => {
    linkSync(join(root, '.env'), join(root, 'notes.txt'));
    const err = await failure(guard.forRead('notes.txt'));
    expect(err.code).toBe('PATH_EXCLUDED');
    expect(err.message).toBe('path notes.txt is a hard link to the excluded file .env');
    expect((await failure(guard.forWrite('notes.txt'))).code).toBe('PATH_INVALID'); // several links: never written
  });

  it('refuses a hard link to a file inside an excluded directory', async () => {
    linkSync(join(root, '.aws/credentials'), join(root, 'src/creds.txt'));
    expect((await failure(guard.forRead('src/creds.txt'))).message).toBe('path src/creds.txt is a hard link to the excluded file .aws/credentials');
  });

  it('reads hard links among ordinary files and to files outside the repository', async () => {
    put('a.txt');
    linkSync(join(root, 'a.txt'), join(root, 'b.txt'));
    expect(await guard.forRead('b.txt')).toMatchObject({ rel: 'b.txt', kind: 'file' });
    writeFileSync(join(base, 'outside.txt'), 'o\n');
    linkSync(join(base, 'outside.txt'), join(root, 'outside-link.txt'));
    expect(await guard.forRead('outside-link.txt')).toMatchObject({ rel: 'outside-link.txt', kind: 'file' });
  });

  it('sees an excluded name added to a file after an earlier check', async () => {
    put('c.txt');
    linkSync(join(root, 'c.txt'), join(root, 'd.txt'));
    expect(await guard.forRead('d.txt')).toMatchObject({ rel: 'd.txt' });
    linkSync(join(root, 'c.txt'), join(root, '.env.production'));
    expect((await failure(guard.forRead('d.txt'))).message).toBe('path d.txt is a hard link to the excluded file .env.production');
  });

  it('tells search and exec which files are hard links of excluded files', async () => {
    expect(await guard.excludedLinkOf(join(root, 'notes.txt'))).toBe('.env');
    expect(await guard.excludedLinkOf(join(root, 'src/main.go'))).toBeUndefined();
    expect(await guard.excludedLinkOf(join(root, 'missing'))).toBeUndefined();
  });

  it('refuses a multi-link file when the repository is too large to walk, rather than guess', async () => {
    const check = createAliasCheck(root, () => false, 3);
    const err = await check.excludedLink(join(root, 'b.txt'), lstatSync(join(root, 'b.txt')), 'b.txt').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmrError);
    expect((err as LlmrError).message).toMatch(/^path b.txt has several hard links and llmr cannot tell .*more than 3 files/);
    expect(await check.excludedLink(join(root, 'src/main.go'), lstatSync(join(root, 'src/main.go')), 'src/main.go')).toBeUndefined();
  });

  it('costs one walk for many reads of old hard-linked files (pnpm-style node_modules)', async () => {
    const store = join(base, 'store');
    mkdirSync(store);
    for (let i = 0; i < 300; i++) {
      writeFileSync(join(store, `f${i}.js`), `${i}\n`);
      mkdirSync(join(root, 'node_modules', `p${i}`), { recursive: true });
      linkSync(join(store, `f${i}.js`), join(root, 'node_modules', `p${i}`, 'index.js'));
    }
    // an aliasing check can trust an earlier walk only for files whose links are older than it
    const g = createPathGuard({ root, excluded: [...DEFAULT_EXCLUDED], protectedPaths: [] });
    await new Promise((r) => setTimeout(r, 2100));
    await g.forRead('node_modules/p0/index.js');
    const started = performance.now();
    for (let i = 1; i < 300; i++) await g.forRead(`node_modules/p${i}/index.js`);
    const perRead = (performance.now() - started) / 299;
    expect(perRead).toBeLessThan(5);
  }, 20_000);
});

describe('paths/guard: names that lie (issue 10 item 11)', () => {
  it.each([
    ['U+202E', 'evil\u202Etxt.sh'], ['U+202A', 'a\u202Ab.md'], ['U+202D', 'a\u202Db.md'], ['U+2066', 'a\u2066b.md'], ['U+2069', 'a\u2069b.md'],
    ['U+200B', 'src/ma\u200Bin.go'], ['U+200F', 'a\u200F.md'], ['U+200D', 'a\u200D.md'], ['U+FEFF', '\uFEFFa.md'], ['U+0001', 'a\u0001.md'],
    ['U+000A', 'a\nb.md'], ['U+001F', 'a\u001F.md'], ['U+007F', 'a\u007F.md'], ['U+0085', 'a\u0085.md'], ['U+009B', 'dir\u009B/x.md'],
    ['U+2028', 'a\u2028b.md'], ['U+DC00', 'a\uDC00.md'],
  ])('refuses writing a path with %s', async (cp, input) => {
    const err = await failure(guard.forWrite(input));
    expect(err.code).toBe('PATH_UNSAFE_NAME');
    expect(err.message).toContain(`invisible or control character ${cp}`);
    expect(err.message).toContain(`<${cp}>`);
  });

  it('accepts visible non-ASCII names and reports unsafe names of reads by the usual codes', async () => {
    expect(await guard.forWrite('docs/日本語 файл 🌍.md')).toMatchObject({ exists: false });
    const missing = await failure(guard.forRead('a\u202Eb.md'));
    expect(missing.code).toBe('FILE_NOT_FOUND');
    expect(missing.message).toBe('file a<U+202E>b.md does not exist'); // messages never carry the character itself
  });
});

describe('paths/guard: trailing slash (issue 10 item 11)', () => {
  it('fails a trailing / on a regular file as not-a-directory, for reads and writes', async () => {
    for (const input of ['src/main.go/', 'src/main.go/.', 'src/main.go//']) {
      for (const check of [guard.forRead, guard.forWrite]) {
        const err = await failure(check(input));
        expect(err.code, input).toBe('NOT_A_DIRECTORY');
        expect(err.message).toBe(`path ${input} ends with / but src/main.go is a file, not a directory`);
      }
    }
    expect((await failure(guard.forRead('src/'))).code).toBe('IS_DIRECTORY');
    expect((await failure(guard.forWrite('newdir/'))).code).toBe('PATH_INVALID');
    expect(await guard.forRead('src/main.go')).toMatchObject({ rel: 'src/main.go' });
  });
});

describe('paths/guard: write extensions and protection on the resolved target (items 6, 9)', () => {
  it('checks allowed extensions on the target of a symlink, not only the requested name', async () => {
    symlinkSync('run.sh', join(root, 'readme.md'));
    const g = createPathGuard({ root, excluded: [], protectedPaths: [], allowedExtensions: ['.MD'] });
    const err = await failure(g.forWrite('readme.md'));
    expect(err.code).toBe('EXTENSION_DENIED');
    expect(err.message).toBe('path readme.md resolves to run.sh, which has extension .sh, which is not allowed');
    expect((await failure(g.forWrite('x.sh'))).code).toBe('EXTENSION_DENIED');
    expect((await failure(g.forWrite('Makefile'))).message).toBe('path Makefile has no extension');
    expect(await g.forWrite('notes.md')).toMatchObject({ rel: 'notes.md' });
    expect(await g.forRead('readme.md')).toMatchObject({ rel: 'run.sh' }); // reads are not filtered by extension
  });

  it('refuses a write through a symlink whose target is protected', async () => {
    symlinkSync('llm-runtime.config.yaml', join(root, 'cfg.yaml'));
    const err = await failure(guard.forWrite('cfg.yaml'));
    expect(err.code).toBe('PATH_PROTECTED');
    expect(err.message).toBe('path cfg.yaml resolves to llm-runtime.config.yaml, which is protected by pattern llm-runtime.config.yaml and cannot be written');
  });

  it('excludes editor and backup copies of excluded names', async () => {
    for (const rel of ['server.key~', '.server.key.swp', 'cert.pem.bak', '.env.save', '#.env#']) {
      put(rel);
      expect((await failure(guard.forRead(rel))).code, rel).toBe('PATH_EXCLUDED');
    }
  });
});
