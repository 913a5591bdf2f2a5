/** The table of contents: one line per method. */
import { AuditVerifyRequest } from '../../protocol/audit.js';
import { ConfigExplainRequest } from '../../protocol/config.js';
import { DaemonStatusRequest, DoctorRequest, HelloRequest, ShutdownRequest } from '../../protocol/daemon.js';
import { CacheClearRequest, ExecRequest, ExecUndoRequest } from '../../protocol/exec.js';
import { ReadRequest, WriteRequest } from '../../protocol/io.js';
import { ReindexRequest, SearchRequest } from '../../protocol/search.js';
import { WorkspaceStatusRequest } from '../../protocol/workspace.js';
import { EditRequest, UndoRequest } from '../../protocol/edit.js';
import { ListRequest } from '../../protocol/list.js';
import { GrepRequest } from '../../protocol/grep.js';
import type { Services } from '../services.js';
import { handle, type ConnectionScope } from './handle.js';

export function registerRoutes(scope: ConnectionScope, s: Services): void {
  handle(scope, HelloRequest, s.daemon.hello);
  handle(scope, DaemonStatusRequest, s.daemon.status);
  handle(scope, ShutdownRequest, s.daemon.shutdown);
  handle(scope, DoctorRequest, s.daemon.doctor);
  handle(scope, AuditVerifyRequest, s.audit.verify);
  handle(scope, ConfigExplainRequest, s.config.explain);
  handle(scope, ReadRequest, s.io.read);
  handle(scope, WriteRequest, s.io.write);
  handle(scope, ExecRequest, s.exec.run);
  handle(scope, SearchRequest, s.search.query);
  handle(scope, ReindexRequest, s.search.reindex);
  handle(scope, WorkspaceStatusRequest, s.workspace.status);
  handle(scope, EditRequest, s.io.edit);
  handle(scope, UndoRequest, s.io.undo);
  handle(scope, ListRequest, s.io.list);
  handle(scope, GrepRequest, s.grep);
  handle(scope, ExecUndoRequest, s.exec.undo);
  handle(scope, CacheClearRequest, s.cache.clear);
}
