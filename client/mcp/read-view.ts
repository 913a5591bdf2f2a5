/** The numbered view of read_file: `     7\tline`, with negative start lines counting from the end. */
import { LlmrError } from '../../protocol/errors.js';

export interface NumberedView { text: string; from: number; to: number; partial: boolean }

/** Lines `start`…`end` (1-based, inclusive; negative `start` counts from the end) of a file of `count` lines. */
export function numberedSlice(content: string, count: number, start?: number, end?: number): NumberedView {
  if (start === 0) throw new LlmrError('INVALID_PARAMS', 'start_line must be 1 or more, or negative to count from the end');
  const from = start === undefined ? 1 : start < 0 ? Math.max(1, count + start + 1) : start;
  const to = Math.min(end ?? count, count);
  if (count === 0) return { text: '(empty file)', from: 0, to: 0, partial: false };
  if (from > count) throw new LlmrError('INVALID_PARAMS', `start_line ${start} is past the end of the file (${count} lines)`);
  if (end !== undefined && end < from) throw new LlmrError('INVALID_PARAMS', `end_line ${end} is before start_line ${from}`);
  const lines = content.split('\n');
  const width = Math.max(6, String(to).length);
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(`${String(i).padStart(width)}\t${lines[i - 1] ?? ''}`);
  return { text: out.join('\n'), from, to, partial: from > 1 || to < count };
}
