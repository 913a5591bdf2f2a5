/** The daemon's pino logger: JSON lines to a file (and to stderr when run in the foreground). */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

export function createLogger(opts: { file: string; level: string; foreground: boolean }): Logger {
  mkdirSync(path.dirname(opts.file), { recursive: true, mode: 0o700 });
  const file = pino.destination({ dest: opts.file, mkdir: true, sync: false });
  const streams: pino.StreamEntry[] = [{ stream: file, level: opts.level as pino.Level }];
  if (opts.foreground) streams.push({ stream: process.stderr, level: opts.level as pino.Level });
  return pino({ level: opts.level, base: { pid: process.pid }, redact: ['content', '*.content'] }, pino.multistream(streams));
}

/** A logger that drops everything (for short probes whose diagnostics the caller reports itself). */
export function silentLogger(): Logger {
  return pino({ enabled: false });
}
