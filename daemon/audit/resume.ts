/**
 * Where an audit log's chain continues: when the writer opens the log, and when it finds the file
 * changed under it (replaced, rotated, truncated or written by someone else).
 *
 * `known` is what was written last (the writer's own state, or the head file at open). The chain
 * continues from the file's last line only when the file still holds that line; otherwise a marker
 * line (`operation audit`, status `failed`) starts a new chain from the genesis value, which
 * `verifyAuditLog` keeps reporting, except in an empty file (a rotated log), where the marker is
 * simply the first line.
 */
import { writeSync, type promises as fs } from 'node:fs';
import type { ChainState } from './head.js';
import { formatLine, GENESIS, parseLine, type AuditEntry } from './line.js';
import { readTail, scanLines } from './tail.js';

/** A chain state plus the bytes in the file, to notice writes by others. */
export interface Position extends ChainState {
  size: number;
}

/**
 * Append all of `text` (the file is opened O_APPEND: one `write` is never interleaved with another
 * writer's line); the number of bytes written. Synchronous: a line of a few hundred bytes into the
 * page cache; only the `fdatasync` (option `fsync`) waits on the disk, and it runs off the main thread.
 */
export function writeAll(fh: fs.FileHandle, text: string): number {
  const all = Buffer.from(text, 'utf8');
  let done = 0;
  while (done < all.length) done += writeSync(fh.fd, all, done, all.length - done);
  return all.length;
}

/**
 * Append a marker line about the log itself, chained from `prev` (GENESIS starts a new chain),
 * after `lead` (a newline that ends an unterminated line, or nothing).
 */
export async function appendMarker(
  fh: fs.FileHandle, file: string, now: Date, at: { lines: number; size: number }, prev: string, metadata: string, lead = '',
): Promise<Position> {
  const marker: AuditEntry = { session: 'llmr', operation: 'audit', target: file, status: 'failed', metadata };
  const { line, chain } = formatLine(now.toISOString(), marker, prev);
  const bytes = writeAll(fh, `${lead}${line}\n`);
  return { lines: at.lines + 1, head: chain, size: at.size + bytes };
}

/** The file's line count, and whether it still holds line `known.lines` with chain value `known.head`. */
async function holds(file: string, last: string, known: ChainState | undefined): Promise<{ lines: number; holds: boolean }> {
  if (known !== undefined && known.lines > 0 && known.head === last) return { lines: known.lines, holds: true };
  const scan = await scanLines(file, known?.lines ?? 0);
  const ok = known === undefined || known.lines === 0 || scan.endOfLine === `|chain:${known.head}`;
  return { lines: scan.lines, holds: ok };
}

/** Where the chain of the log open as `fh` continues, writing the newline or marker line it needs. */
export async function resume(file: string, fh: fs.FileHandle, known: ChainState | undefined, now: Date): Promise<Position> {
  const tail = await readTail(file);
  if (tail.size === 0) {
    if (known === undefined || known.lines === 0) return { lines: 0, head: GENESIS, size: 0 };
    const why = `the previous log (${known.lines} lines) was replaced, moved or emptied; a new chain starts here`;
    return appendMarker(fh, file, now, { lines: 0, size: 0 }, GENESIS, why);
  }
  const lead = tail.endsWithNewline ? '' : '\n';
  const parsed = tail.lastLine === undefined ? { error: tail.problem ?? 'unreadable' } : parseLine(tail.lastLine);
  if ('error' in parsed) {
    const { lines } = await scanLines(file);
    const reason = tail.endsWithNewline ? parsed.error : `${parsed.error}, no final newline`;
    const why = `chain broken at line ${lines}: ${reason}; a new chain starts here`;
    return appendMarker(fh, file, now, { lines, size: tail.size }, GENESIS, why, lead);
  }
  const found = await holds(file, parsed.chain, known);
  if (!found.holds && known !== undefined) {
    const why = `the log has no line ${known.lines} with the chain value written last: lines were removed from its end, or the log was replaced; a new chain starts here`;
    return appendMarker(fh, file, now, { lines: found.lines, size: tail.size }, GENESIS, why, lead);
  }
  const bytes = lead === '' ? 0 : writeAll(fh, lead);
  return { lines: found.lines, head: parsed.chain, size: tail.size + bytes };
}
