/**
 * Text frames of `<edit>`, `<list>` and `<grep>` (and of `llmr edit|ls|grep`), framed like the other
 * results: `=== EDIT SUCCESSFUL: PATH ===` … `=== END EDIT ===`. Pure.
 */
import type { EditResult, UndoResult } from '../protocol/edit.js';
import { formatGrepLines, type GrepResult } from '../protocol/grep.js';
import { formatListText, type ListResult } from '../protocol/list.js';

function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** The edit frame: replacements, backup, then the unified diff. */
export function renderEditFrame(arg: string, r: EditResult): string {
  const lines = [`=== EDIT ${r.dryRun ? 'DRY RUN' : 'SUCCESSFUL'}: ${arg} ===`, `Replacements: ${r.replacements}`];
  if (r.backup !== undefined) lines.push(`Backup: ${r.backup}`);
  lines.push('Diff:');
  return `${lines.join('\n')}\n${withNewline(r.diff)}=== END EDIT ===\n`;
}

/** The list frame: an indented tree, then the note of what was left out. */
export function renderListFrame(arg: string, r: ListResult): string {
  return `=== LIST: ${arg} ===\n${formatListText(r)}=== END LIST ===\n`;
}

/** The grep frame: `path:line:text` lines (context as `path-line-text`), then totals. */
export function renderGrepFrame(arg: string, r: GrepResult): string {
  const lines = formatGrepLines(r);
  if (r.note !== undefined) lines.push(`[${r.note}]`);
  const files = r.files.length;
  lines.push(r.mode === 'lines' ? `Matches: ${r.matches} in ${files} file${files === 1 ? '' : 's'} (${r.filesSearched} searched)` : `Files: ${files} (${r.filesSearched} searched)`);
  return `=== GREP: ${arg} ===\n${lines.join('\n')}\n=== END GREP ===\n`;
}

/** The undo frame: what was restored, then the diff from the replaced content. */
export function renderUndoFrame(arg: string, r: UndoResult): string {
  return `=== UNDO SUCCESSFUL: ${arg} ===\nRestored: ${r.restored} (taken ${r.takenAt})\nBytes written: ${r.bytesWritten}\nDiff:\n${withNewline(r.diff)}=== END UNDO ===\n`;
}
