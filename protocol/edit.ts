import { RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from './errors.js';
import type { z } from 'zod';
import type { EditOperationSchema, EditParamsSchema, UndoParamsSchema } from './params.js';

/** One search/replace of an `io/edit` request. */
export type EditOperation = z.infer<typeof EditOperationSchema>;

export type EditParams = z.infer<typeof EditParamsSchema>;

export interface EditResult {
  path: string;
  /** Unified diff (`--- a/PATH` / `+++ b/PATH`, 3 lines of context). */
  diff: string;
  /** Replacements made (a `replaceAll` edit counts each occurrence). */
  replacements: number;
  dryRun: boolean;
  /** sha256 of the file before and after (after = what was or would be written). */
  sha256Before: string;
  sha256After: string;
  /** Backup id of the previous content, when one was kept. */
  backup?: string;
}

export type UndoParams = z.infer<typeof UndoParamsSchema>;

export interface UndoResult {
  path: string;
  /** The backup that was restored (id under the state directory) and when it was taken (ISO 8601). */
  restored: string;
  takenAt: string;
  bytesWritten: number;
  sha256: string;
  /** Unified diff from the content that was replaced to the restored content. */
  diff: string;
}

/** Replace unique snippets of one file atomically; the result is a unified diff. */
export const EditRequest = new RequestType<EditParams, EditResult, ErrorData>('io/edit');
/** Restore a file from llmr's backup of its last write or edit. */
export const UndoRequest = new RequestType<UndoParams, UndoResult, ErrorData>('io/undo');
