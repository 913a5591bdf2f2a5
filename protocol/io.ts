import { RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from './errors.js';
import type { z } from 'zod';
import type { LineRangeSchema, ReadParamsSchema, WriteParamsSchema } from './params.js';

/** A 1-based inclusive line range. */
export type LineRange = z.infer<typeof LineRangeSchema>;

/** Params of the method, inferred from `ReadParamsSchema` (protocol/params.ts), their one definition. */
export type ReadParams = z.infer<typeof ReadParamsSchema>;

export interface ReadResult {
  /** Repository-relative path that was read (after resolving symlinks inside the root). */
  path: string;
  /**
   * The text (a whole file, or the lines asked for). To llmr's own clients a whole file travels as
   * its raw bytes after the JSON (a tail frame, protocol/wire.ts); a plain JSON-RPC client gets a
   * JSON string. Either way the client sees a string.
   */
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

/** Params of the method, inferred from `WriteParamsSchema` (protocol/params.ts), their one definition. */
export type WriteParams = z.infer<typeof WriteParamsSchema>;

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
