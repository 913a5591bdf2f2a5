/**
 * Audit sinks shared by workspaces that log to the same file: records are appended in order and
 * a failing append is logged, never turned into a failed operation.
 */
import type { Logger } from 'pino';
import type { AuditSink } from './record.js';
import { openAuditLog, type AuditLog } from './audit.js';

export interface AuditSinks {
  get(file: string, enabled: boolean): Promise<AuditSink>;
  closeAll(): Promise<void>;
}

/** One audit log per file, shared by the workspaces that use it; failures go to `log`. */
export function createAuditSinks(log: Logger): AuditSinks {
  const logs = new Map<string, Promise<AuditLog>>();
  const tails = new Map<string, Promise<void>>();

  function sinkFor(file: string, opened: Promise<AuditLog>): AuditSink {
    return {
      path: file,
      record(entry) {
        const previous = tails.get(file) ?? Promise.resolve();
        const next = previous.then(async () => (await opened).append(entry))
          .catch((err: unknown) => log.error({ err, file }, 'audit append failed'));
        tails.set(file, next);
      },
      flush: async () => { await tails.get(file); },
    };
  }

  return {
    async get(file, enabled) {
      if (!enabled) return { path: '', record: () => undefined, flush: async () => undefined };
      const opened = logs.get(file) ?? openAuditLog(file, { log });
      if (!logs.has(file)) {
        logs.set(file, opened);
        opened.catch(() => logs.delete(file));
      }
      await opened;
      return sinkFor(file, opened);
    },
    /** Write every record so far, save the head files and close the logs. */
    async closeAll() {
      await Promise.allSettled([...tails.values()]);
      await Promise.allSettled([...logs.values()].map(async (l) => (await l).close()));
      logs.clear();
      tails.clear();
    },
  };
}
