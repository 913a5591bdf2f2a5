/**
 * The io capability of one workspace: `read` (io/read), `write` (io/write), and the two built on
 * them, `edit` (io/edit: unique replacements, all or none) and `undo` (io/undo: restore the last
 * backup), from what the workspace owns — path guard, the two io pools, limits, audit and the
 * backup directory.
 */
import type { EditParams, EditResult, UndoParams, UndoResult } from '../../protocol/edit.js';
import type { ReadParams, ReadResult, WriteParams, WriteResult } from '../../protocol/io.js';
import type { RequestContext } from '../context.js';
import type { IoDeps } from './common.js';
import { editFile } from './edit.js';
import { readFile, type ReadAnswer } from './read.js';
import { undoEdit } from './undo.js';
import { writeFile } from './write.js';

export type { IoDeps, IoLimits } from './common.js';

export interface Io {
  /** A whole file's content may still be its bytes (`Utf8Text`); the connection decides how it travels. */
  read(params: ReadParams, ctx: RequestContext): Promise<ReadAnswer>;
  write(params: WriteParams, ctx: RequestContext): Promise<WriteResult>;
  edit(params: EditParams, ctx: RequestContext): Promise<EditResult>;
  undo(params: UndoParams, ctx: RequestContext): Promise<UndoResult>;
}

/** Build the io capability: path guard first, then the bytes through a pooled io container. */
export function createIo(deps: IoDeps & { root: string }): Io {
  const read = (params: ReadParams, ctx: RequestContext): Promise<ReadAnswer> => readFile(deps, params, ctx);
  // edit and undo work on the text
  const readText = async (params: ReadParams, ctx: RequestContext): Promise<ReadResult> => {
    const r = await read(params, ctx);
    return { ...r, content: String(r.content) };
  };
  const write = (params: WriteParams, ctx: RequestContext): Promise<WriteResult> => writeFile(deps, params, ctx);
  const own = { root: deps.root, read: readText, write, audit: deps.audit };
  const undoDeps = {
    ...own, workspaceId: deps.backups.workspaceId, stateDir: deps.backups.stateDir, guard: deps.guard,
    backups: deps.limits.write.backupBeforeWrite,
  };
  return {
    read,
    write,
    edit: (params, ctx) => editFile(own, params, ctx),
    undo: (params, ctx) => undoEdit(undoDeps, params, ctx),
  };
}
