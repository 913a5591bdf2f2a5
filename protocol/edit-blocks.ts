/**
 * The body of an `<edit PATH>` tag: one or more aider-style blocks
 * `<<<<<<< SEARCH` / lines / `=======` / lines / `>>>>>>> REPLACE`. Blank lines and code fences
 * between blocks are allowed; any other text there is an error (a half-written block must not be
 * half-applied). Pure; linear in the body.
 */
import type { EditBlock } from './tags.js';

const SEARCH = /^<{5,9} ?SEARCH\s*$/;
const DIVIDER = /^={5,9}\s*$/;
const REPLACE = /^>{5,9} ?REPLACE\s*$/;
const FENCE = /^\s*```/;

/** Blocks of an edit body, or a message saying what is wrong (and on which line of the body). */
export function parseEditBlocks(body: string): { blocks: EditBlock[] } | { error: string } {
  const lines = body.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '' && body.endsWith('\n')) lines.pop();
  const blocks: EditBlock[] = [];
  let state: 'out' | 'search' | 'replace' = 'out';
  let search: string[] = [];
  let replace: string[] = [];
  let opened = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (state === 'out') {
      if (SEARCH.test(line)) { state = 'search'; search = []; opened = i + 1; }
      else if (line.trim() !== '' && !FENCE.test(line)) return { error: `text outside a SEARCH/REPLACE block at line ${i + 1} of the edit: ${line.slice(0, 60)}` };
    } else if (state === 'search') {
      if (DIVIDER.test(line)) { state = 'replace'; replace = []; }
      else search.push(line);
    } else if (REPLACE.test(line)) {
      if (search.length === 0) return { error: `the SEARCH part of the block at line ${opened} of the edit is empty` };
      blocks.push({ search: `${search.join('\n')}\n`, replace: replace.length === 0 ? '' : `${replace.join('\n')}\n` });
      state = 'out';
    } else replace.push(line);
  }
  if (state !== 'out') return { error: `the block at line ${opened} of the edit has no ${state === 'search' ? '=======' : '>>>>>>> REPLACE'} line` };
  if (blocks.length === 0) return { error: 'the edit has no <<<<<<< SEARCH … ======= … >>>>>>> REPLACE block' };
  return { blocks };
}
