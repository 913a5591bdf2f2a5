import { describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { applyEdits, checkEdits, nearMatch } from './edit-apply.js';

function failure(run: () => unknown): LlmrError {
  try {
    run();
  } catch (err) {
    if (err instanceof LlmrError) return err;
    throw err;
  }
  throw new Error('expected an LlmrError');
}

const TEXT = 'def a():\n    return 1\n\ndef b():\n    return 1\n\ndef c():\n    return 2\n';

describe('daemon/io/edit-apply', () => {
  it('replaces a unique snippet', () => {
    expect(applyEdits(TEXT, [{ oldString: 'return 2', newString: 'return 3' }])).toEqual({ text: TEXT.replace('return 2', 'return 3'), replacements: 1 });
  });

  it('names the line numbers of every match when a snippet is ambiguous', () => {
    const e = failure(() => applyEdits(TEXT, [{ oldString: 'return 1', newString: 'return 0' }]));
    expect(e.code).toBe('EDIT_AMBIGUOUS');
    expect(e.message).toBe('edits[0].old_string matches 2 times, at lines 2, 5');
  });

  it('replaces every occurrence with replaceAll', () => {
    const r = applyEdits(TEXT, [{ oldString: 'return 1', newString: 'return 0', replaceAll: true }]);
    expect(r.replacements).toBe(2);
    expect(r.text).not.toContain('return 1');
  });

  it('points at the closest near-match when nothing matches', () => {
    const e = failure(() => applyEdits(TEXT, [{ oldString: 'def  c( ):\n  return 2', newString: 'x' }]));
    expect(e.code).toBe('EDIT_NO_MATCH');
    expect(e.details).toContain('line 7');
  });

  it('fails the whole call when one of several edits fails, naming it', () => {
    const e = failure(() => applyEdits(TEXT, [{ oldString: 'def a', newString: 'def A' }, { oldString: 'nope', newString: 'x' }]));
    expect(e.message).toMatch(/^edits\[1\]/);
  });

  it('refuses overlapping and identical edits', () => {
    expect(failure(() => applyEdits(TEXT, [{ oldString: 'def a():\n    return', newString: 'x' }, { oldString: 'return 1\n\ndef b', newString: 'y' }])).code).toBe('EDIT_OVERLAP');
    const same = failure(() => applyEdits(TEXT, [{ oldString: 'return 2', newString: 'x' }, { oldString: 'return 2', newString: 'x' }]));
    expect(same.code).toBe('EDIT_OVERLAP');
    expect(same.message).toContain('identical');
  });

  it('applies several edits against the original text, in any order', () => {
    const r = applyEdits(TEXT, [{ oldString: 'def c', newString: 'def C' }, { oldString: 'def a', newString: 'def A' }]);
    expect(r.text.startsWith('def A')).toBe(true);
    expect(r.text).toContain('def C');
  });

  it('treats overlapping occurrences as ambiguous', () => {
    expect(failure(() => applyEdits('aaa', [{ oldString: 'aa', newString: 'b' }])).code).toBe('EDIT_AMBIGUOUS');
  });

  it('matches LF edits in a CRLF file and keeps CRLF', () => {
    const r = applyEdits('a\r\nb\r\nc\r\n', [{ oldString: 'a\nb', newString: 'x\ny' }]);
    expect(r.text).toBe('x\r\ny\r\nc\r\n');
  });

  it('checks the request shape and names the field', () => {
    expect(failure(() => checkEdits([])).message).toBe('edits must be a non-empty array');
    expect(failure(() => checkEdits([{ oldString: '', newString: 'x' }])).message).toContain('edits[0].old_string is empty');
    expect(failure(() => checkEdits([{ oldString: 'a' }])).message).toBe('edits[0].new_string must be a string');
    expect(failure(() => checkEdits([{ oldString: 'a', newString: 'a' }])).code).toBe('INVALID_PARAMS');
  });

  it('finds no near-match for unrelated text', () => {
    expect(nearMatch(TEXT, 'zzzz qqqq')).toBeUndefined();
  });
});
