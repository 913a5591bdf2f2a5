/**
 * The io capability of one workspace: `read` (io/read) and `write` (io/write), built from what
 * the workspace owns — path guard, the two io pools, limits, audit and the backup directory.
 */
import type { ReadParams, ReadResult, WriteParams, WriteResult } from '../../protocol/io.js';
import type { RequestContext } from '../context.js';
import type { IoDeps } from './common.js';
import { readFile } from './read.js';
import { writeFile } from './write.js';

export type { IoDeps, IoLimits } from './common.js';

export interface Io {
  read(params: ReadParams, ctx: RequestContext): Promise<ReadResult>;
  write(params: WriteParams, ctx: RequestContext): Promise<WriteResult>;
}

/** Build the io capability: path guard first, then the bytes through a pooled io container. */
export function createIo(deps: IoDeps): Io {
  return {
    read: (params, ctx) => readFile(deps, params, ctx),
    write: (params, ctx) => writeFile(deps, params, ctx),
  };
}
