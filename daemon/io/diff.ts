/**
 * Unified diffs of two texts, line by line (Myers' O((N+M)D) algorithm on the part between the
 * common prefix and suffix). Past MAX_D differences the middle is shown as one replacement, so the
 * work stays bounded whatever the inputs.
 */
const MAX_D = 4000;
const NO_EOL = '\\ No newline at end of file';

type Op = { kind: ' ' | '-' | '+'; text: string };
/** Appended to a last line without a newline, so it never equals the same text with one. */
const NO_EOL_MARK = '\u0000\u0001';

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  else lines[lines.length - 1] += NO_EOL_MARK;
  return lines;
}

type Step = ['=' | '-' | '+', number];

/** Edit script of `a` → `b` as keep/delete/insert steps (indices into a and b); undefined past MAX_D. */
function myers(a: string[], b: string[]): Step[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_D);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v[off + k] = x;
      if (x >= n && y >= m) return backtrack(trace, off, n, m, d);
    }
  }
  return undefined;
}

function backtrack(trace: Int32Array[], off: number, n: number, m: number, dEnd: number): Step[] {
  const steps: Step[] = [];
  let x = n;
  let y = m;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? k + 1 : k - 1;
    const prevX = v[off + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) { steps.push(['=', --x]); y--; }
    if (x === prevX) steps.push(['+', --y]);
    else steps.push(['-', --x]);
  }
  while (x > 0 && y > 0) { steps.push(['=', --x]); y--; }
  return steps.reverse();
}

function script(a: string[], b: string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const ops: Op[] = a.slice(0, pre).map((text) => ({ kind: ' ', text }));
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const steps = myers(am, bm);
  if (steps === undefined) {
    for (const text of am) ops.push({ kind: '-', text });
    for (const text of bm) ops.push({ kind: '+', text });
  } else {
    for (const [s, i] of steps) ops.push(s === '+' ? { kind: '+', text: bm[i]! } : { kind: s === '=' ? ' ' : '-', text: am[i]! });
  }
  for (const text of a.slice(a.length - suf)) ops.push({ kind: ' ', text });
  return ops;
}

/** A unified diff of `before` → `after` for `path` (empty string when they are equal). */
export function unifiedDiff(path: string, before: string, after: string, context = 3): string {
  if (before === after) return '';
  const ops = script(splitLines(before), splitLines(after));
  const out = [`--- a/${path}`, `+++ b/${path}`];
  let i = 0;
  const lineA: number[] = [];
  const lineB: number[] = [];
  let la = 1;
  let lb = 1;
  for (const op of ops) { lineA.push(la); lineB.push(lb); if (op.kind !== '+') la++; if (op.kind !== '-') lb++; }
  while (i < ops.length) {
    while (i < ops.length && ops[i]!.kind === ' ') i++;
    if (i >= ops.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    for (let j = i; j < ops.length; j++) {
      if (ops[j]!.kind !== ' ') end = j;
      else if (j - end > 2 * context) break;
    }
    const stop = Math.min(ops.length, end + context + 1);
    const hunk = ops.slice(start, stop);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    const aStart = aCount === 0 ? lineA[start]! - 1 : lineA[start]!;
    const bStart = bCount === 0 ? lineB[start]! - 1 : lineB[start]!;
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const o of hunk) {
      if (o.text.endsWith(NO_EOL_MARK)) out.push(`${o.kind}${o.text.slice(0, -NO_EOL_MARK.length)}`, NO_EOL);
      else out.push(`${o.kind}${o.text}`);
    }
    i = stop;
  }
  return out.join('\n') + '\n';
}
