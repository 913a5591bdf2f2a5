import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extensionSet, hasIndexedExtension, listFiles } from './files.js';

const isExcluded = (rel: string): boolean => /(^|\/)\.env/.test(rel) || rel.endsWith('.pem') || rel.startsWith('.git/');

describe('search/files', () => {
  let root: string;
  const put = (rel: string, text = 'x\n'): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'llmr-files-')));
    put('src/a.ts'); put('src/b.py'); put('.env'); put('keys/server.pem'); put('notes.bin');
    put('build/out.js'); put('node_modules/dep/index.js'); put('src/gen/skip.ts'); put('src/deep/.gitignore', 'local.ts\n');
    put('src/deep/local.ts'); put('src/deep/kept.ts'); put('private/x.ts');
    put('.gitignore', 'build/\n*.bin\n'); put('.llmrignore', 'private/\nsrc/gen/\n');
    symlinkSync('src', join(root, 'link-to-src'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const filter = { isExcluded, extensions: extensionSet(['.ts', 'PY', '.js']) };

  it('normalises extensions and matches bare names', () => {
    expect([...extensionSet(['.ts', 'TS', 'py', ''])]).toEqual(['ts', 'py']);
    expect(hasIndexedExtension('a/Makefile', new Set(['makefile']))).toBe(true);
    expect(hasIndexedExtension('a/b.TS', new Set(['ts']))).toBe(true);
    expect(hasIndexedExtension('a/.env', new Set(['ts']))).toBe(false);
  });

  it('walks honouring nested .gitignore, .llmrignore and exclusions when the root is not a git work tree', async () => {
    const listing = await listFiles(root, filter);
    expect(listing.source).toBe('walk');
    expect(listing.files).toEqual(['src/a.ts', 'src/b.py', 'src/deep/kept.ts']);
    expect([...listing.ignoredDirs].sort()).toEqual(['build', 'node_modules', 'private', 'src/gen']);
  });

  it('asks git and still applies .llmrignore and exclusions when the root is a git work tree', async () => {
    execFileSync('git', ['init', '-q'], { cwd: root });
    put('untracked.ts');
    const listing = await listFiles(root, filter);
    expect(listing.source).toBe('git');
    expect(listing.files).toEqual(['src/a.ts', 'src/b.py', 'src/deep/kept.ts', 'untracked.ts']);
    expect(listing.ignoredDirs.has('build')).toBe(true);
  });
});
