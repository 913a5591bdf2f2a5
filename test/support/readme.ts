/** Reading the README's fenced examples, for the tests that run them. */

export interface Fence { lang: string; body: string; line: number; before: string }

/** Fenced blocks with their language, first line number and the line that introduces them (the last non-empty one before the fence). */
export function fences(text: string): Fence[] {
  const lines = text.split('\n');
  const out: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (open === null) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    out.push({ lang: open[1], body: lines.slice(i + 1, end).join('\n'), line: i + 1, before: lines.slice(0, i).reverse().find((l) => l.trim() !== '') ?? '' });
    i = end;
  }
  return out;
}

/** Shell words of one command line (quotes, no expansion); stops at `#`, `|`, `&&`, `;`, `<`, `>`. */
function words(segment: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s"'#|;&<>]+)|(\s+)|([#|;&<>])/g;
  let cur: string | undefined;
  for (const m of segment.matchAll(re)) {
    if (m[5] !== undefined) break;
    if (m[4] !== undefined) { if (cur !== undefined) out.push(cur); cur = undefined; continue; }
    cur = (cur ?? '') + (m[1] ?? m[2] ?? m[3]);
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

/** Every `llmr …` invocation in a shell line (after `|`, `&&`, `;` too), as argv after `llmr`. */
export function llmrCalls(line: string): string[][] {
  return line.split(/\|\||&&|\||;/).map((seg) => words(seg.trim())).filter((w) => w[0] === 'llmr').map((w) => w.slice(1));
}
