import { linkSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { walkTree, type WalkState } from './walk.js';
import { safeReadText } from './safe-read.js';

const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'llmr-walk-')));
const put = (rel: string, text = 'x\n'): void => { mkdirSync(path.dirname(path.join(root, rel)), { recursive: true }); writeFileSync(path.join(root, rel), text); };
put('.gitignore', 'build/\n*.log\n');
put('src/a.py');
put('src/sub/.gitignore', 'gen.py\n');
put('src/sub/gen.py');
put('src/sub/keep.py');
put('build/out.txt');
put('x.log');
put('.env', 'SECRET=1\n');
put('.git/config');
put('node_modules/dep/index.js');
symlinkSync('.', path.join(root, 'src/loop'));
symlinkSync('/etc/passwd', path.join(root, 'passwd'));
symlinkSync('/etc', path.join(root, 'etc'));
execFileSync('mkfifo', [path.join(root, 'fifo')]);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const hidden = (rel: string): boolean => rel === '.env' || rel.startsWith('.git/') || rel === '.git';
const walk = (start = '', maxDepth = 10, budget = 1000) => {
  const state: WalkState = { examined: 0, exhausted: false };
  return { entries: [...walkTree({ root, start, isHidden: hidden, maxDepth, budget }, state)], state };
};

describe('daemon/tree/walk', () => {
  it('honours nested .gitignore files, hides excluded paths and never follows symlinks', () => {
    const rels = walk().entries.map((e) => `${e.rel}:${e.kind}${e.unexpanded ? ':unexpanded' : ''}`);
    expect(rels).toEqual([
      '.gitignore:file', 'etc:symlink', 'node_modules:directory:unexpanded', 'passwd:symlink',
      'src:directory', 'src/a.py:file', 'src/loop:symlink', 'src/sub:directory', 'src/sub/.gitignore:file', 'src/sub/keep.py:file',
    ]);
  });

  it('stops at the depth limit and at the entry budget', () => {
    expect(walk('', 1).entries.find((e) => e.rel === 'src')?.unexpanded).toBe(true);
    const small = walk('', 10, 3);
    expect(small.state.exhausted).toBe(true);
    expect(small.entries.length).toBeLessThanOrEqual(3);
  });

  it('applies the ignore files above a start folder', () => {
    expect(walk('src/sub').entries.map((e) => e.rel)).toEqual(['src/sub/.gitignore', 'src/sub/keep.py']);
  });

  it('refuses symlinks and FIFOs when reading', () => {
    expect(safeReadText(root, 'passwd', 1e6)).toEqual({ kind: 'skip', reason: 'not-regular' });
    expect(safeReadText(root, 'etc/passwd', 1e6)).toEqual({ kind: 'skip', reason: 'outside-root' });
    expect(safeReadText(root, 'fifo', 1e6)).toMatchObject({ kind: 'skip', reason: 'not-regular' });
    expect(safeReadText(root, 'src/a.py', 1e6)).toEqual({ kind: 'text', text: 'x\n', size: 2 });
    expect(safeReadText(root, 'src/a.py', 1)).toMatchObject({ kind: 'skip', reason: 'too-large' });
  });

  it('never reads a file with several hard links (another name may be an excluded file)', () => {
    put('.env', 'SECRET=1\n');
    linkSync(path.join(root, '.env'), path.join(root, 'notes.txt'));
    expect(safeReadText(root, 'notes.txt', 1e6)).toMatchObject({ kind: 'skip', reason: 'hard-link' });
  });
});
