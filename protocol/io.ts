import { RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from './errors.js';

/** A 1-based inclusive line range. */
export interface LineRange {
  from: number;
  to: number;
}

export interface ReadParams {
  /** Absolute repository root; the daemon realpaths it. */
  root: string;
  /** Repository-relative POSIX path (or an absolute path inside the root). */
  path: string;
  /** Optional 1-based inclusive line range. */
  lines?: LineRange;
  /**
   * The tag's whole argument when it carried a `#L…` suffix: when a file of exactly this name
   * exists it is read whole instead of `path` with `lines`.
   */
  literalPath?: string;
}

export interface ReadResult {
  /** Repository-relative path that was read (after resolving symlinks inside the root). */
  path: string;
  content: string;
  /** Size of the whole file in bytes. */
  size: number;
  /** Number of lines in the whole file. */
  lineCount: number;
  /** sha256 (hex) of the whole file; pass it as `expectedSha256` to detect a concurrent change. */
  sha256: string;
  /** The range actually returned, when one was asked for. */
  lines?: LineRange;
}

export interface WriteParams {
  root: string;
  path: string;
  /** The exact content; written byte for byte as UTF-8. */
  content: string;
  /** When set, the write fails with WRITE_CONFLICT unless the current file has this sha256. */
  expectedSha256?: string;
}

export interface WriteResult {
  path: string;
  action: 'CREATED' | 'UPDATED';
  bytesWritten: number;
  sha256: string;
  /** Identifier of the backup of the previous content (under the state directory), when one was kept. */
  backup?: string;
  /** Absolute path of that backup file on the host, for people (the text output shows it). */
  backupPath?: string;
}

/** Read one file through the workspace's read-only I/O container. */
export const ReadRequest = new RequestType<ReadParams, ReadResult, ErrorData>('io/read');
/** Write one file atomically through the workspace's I/O write container. */
export const WriteRequest = new RequestType<WriteParams, WriteResult, ErrorData>('io/write');
