/**
 * The tree capability of one workspace: `list` (io/list) and `grep` (search/grep), host-side walks
 * of the repository that never follow symlinks and never show or read a hidden (excluded or
 * protected) path.
 */
import type { GrepParams, GrepResult } from '../../protocol/grep.js';
import type { ListParams, ListResult } from '../../protocol/list.js';
import type { AuditSink } from '../audit/record.js';
import type { RequestContext } from '../context.js';
import { grepRepository } from '../grep/grep.js';
import { listDirectory } from './list.js';

export interface TreeDeps {
  root: string;
  /** Excluded or protected per the path guard (pure, no filesystem access). */
  isHidden: (rel: string) => boolean;
  /** Largest file grep reads (commands.open.max_file_size). */
  maxFileSize: number;
  audit: AuditSink;
}

export interface Tree {
  list(params: ListParams, ctx: RequestContext): Promise<ListResult>;
  grep(params: GrepParams, ctx: RequestContext): Promise<GrepResult>;
}

/** Build the tree capability. */
export function createTree(deps: TreeDeps): Tree {
  return {
    list: (params, ctx) => listDirectory(deps, params, ctx),
    grep: (params, ctx) => grepRepository(deps, params, ctx),
  };
}
