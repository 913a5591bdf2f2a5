import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createPathGuard } from './guard.js';

let root: string | undefined;
afterEach(() => { if (root) rmSync(root, { recursive: true, force: true }); });

describe('paths/guard remembered verdicts', () => {
  it('gives the same verdicts before, while and after its memo of pattern verdicts fills and empties', () => {
    const guard = createPathGuard({ root: '/repo', excluded: ['.env', 'secret/**'], protectedPaths: ['.git/**'] });
    const verdicts = (): boolean[] => ['.env', 'a/.env', 'secret/x', 'src/a.ts', '.git/config', 'notes.md~'].flatMap((p) => [guard.isExcluded(p), guard.isProtected(p)]);
    const first = verdicts();
    expect(first).toEqual([true, false, true, false, true, false, false, false, false, true, false, false]);
    for (let i = 0; i < 5000; i += 1) expect(guard.isExcluded(`dir${i}/f${i}.txt`)).toBe(false);
    expect(verdicts()).toEqual(first);
  });

  it('refuses an excluded path on every request, between reads of an allowed one', async () => {
    root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'llmr-guard-memo-')));
    writeFileSync(path.join(root, 'ok.txt'), 'x');
    writeFileSync(path.join(root, '.env'), 'SECRET');
    const guard = createPathGuard({ root, excluded: ['.env'], protectedPaths: [] });
    for (let i = 0; i < 3; i += 1) {
      expect((await guard.forRead('ok.txt')).rel).toBe('ok.txt');
      await expect(guard.forRead('.env')).rejects.toMatchObject({ code: 'PATH_EXCLUDED' });
    }
  });
});
