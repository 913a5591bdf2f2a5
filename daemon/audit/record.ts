/** What operations report to the audit log; appends never block or fail an operation. */
export interface AuditRecord {
  session: string;
  operation: string;
  target: string;
  status: 'success' | 'failed';
  metadata: string;
}

export interface AuditSink {
  record(entry: AuditRecord): void;
  /** Resolves when every record so far is on disk. */
  flush(): Promise<void>;
  path: string;
}
