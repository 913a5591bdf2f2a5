import { lstatSync, mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { again, fileIdentity, writeAnchor } from './identity.js';

const idOf = (abs: string): string => { const st = lstatSync(abs, { bigint: true }); return `${st.dev}:${st.ino}`; };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof LlmrError ? err.code : String(err);
  }
  return 'OK';
}

describe('paths/identity', () => {
  let root: string;
  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'llmr-id-')));
    mkdirSync(join(root, 'sub/deep'), { recursive: true });
    writeFileSync(join(root, 'a.txt'), 'a');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('names the checked file by DEV:INO, and refuses one replaced since the check', () => {
    const checked = lstatSync(join(root, 'a.txt'));
    expect(fileIdentity(join(root, 'a.txt'), checked, 'a.txt')).toBe(idOf(join(root, 'a.txt')));
    writeFileSync(join(root, 'b.txt'), 'b');
    renameSync(join(root, 'b.txt'), join(root, 'a.txt'));
    expect(codeOf(() => fileIdentity(join(root, 'a.txt'), checked, 'a.txt'))).toBe('PATH_CHANGED');
    rmSync(join(root, 'a.txt'));
    symlinkSync('sub', join(root, 'a.txt'));
    expect(codeOf(() => fileIdentity(join(root, 'a.txt'), lstatSync(join(root, 'a.txt')), 'a.txt'))).toBe('PATH_CHANGED');
  });

  it('anchors a write at the deepest existing directory above it', () => {
    expect(writeAnchor(root, 'a.txt', 'a.txt')).toEqual({ depth: 0, id: idOf(root) });
    expect(writeAnchor(root, 'sub/deep/f', 'f')).toEqual({ depth: 2, id: idOf(join(root, 'sub/deep')) });
    expect(writeAnchor(root, 'sub/new/er/f', 'f')).toEqual({ depth: 1, id: idOf(join(root, 'sub')) });
    symlinkSync('.', join(root, 'lnk'));
    expect(codeOf(() => writeAnchor(root, 'lnk/f', 'lnk/f'))).toBe('PATH_CHANGED'); // the guard resolved it to a folder
  });

  it('runs a check again when the file changed during it, a few times, and no other error', async () => {
    let calls = 0;
    const flaky = async (fails: number, code = 'PATH_CHANGED'): Promise<string> => {
      calls += 1;
      if (calls <= fails) throw new LlmrError(code as 'PATH_CHANGED', 'changed');
      return 'ok';
    };
    expect(await again(() => flaky(2))).toBe('ok');
    expect(calls).toBe(3);
    calls = 0;
    await expect(again(() => flaky(3))).rejects.toMatchObject({ code: 'PATH_CHANGED' });
    expect(calls).toBe(3);
    calls = 0;
    await expect(again(() => flaky(1, 'PATH_EXCLUDED'))).rejects.toMatchObject({ code: 'PATH_EXCLUDED' });
    expect(calls).toBe(1);
  });
});
