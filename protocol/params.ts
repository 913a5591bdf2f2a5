/**
 * One params schema per JSON-RPC method: the single source of truth for what a request may carry.
 * The Params types of `daemon.ts`, `io.ts`, `exec.ts`, … are inferred from these schemas, and the
 * daemon checks every request against its method's schema before the handler runs
 * (`daemon/rpc/handle.ts`): a missing, mistyped or unknown field is `INVALID_PARAMS` (-32602)
 * naming the field.
 *
 * Unknown fields are refused, not ignored (`z.strictObject`): a misspelt optional field such as
 * `expectedSha256` would otherwise silently turn a safety check off, and a client of another
 * protocol version is refused at `daemon/hello` anyway. This also refuses `__proto__` and
 * `constructor` keys. Only the daemon imports this module at run time (clients import the types),
 * so a client does not load zod.
 */
import { z } from 'zod';

/** Absolute repository root; the daemon realpaths it. */
const root = z.string().min(1);
const count = z.number().int().nonnegative();

/** A 1-based inclusive line range. */
export const LineRangeSchema = z.strictObject({
  from: z.number().int().positive(),
  to: z.number().int().positive(),
});

export const HelloParamsSchema = z.strictObject({
  /** The client's PROTOCOL_VERSION. */
  protocolVersion: z.number().int(),
  /** The client's package version, for logs. */
  clientVersion: z.string(),
  /** The client's `LLMR_*` environment variables, so the daemon can say which config ones it does not share. */
  env: z.record(z.string(), z.string()).optional(),
});

/** Methods that take nothing accept an absent params member or `{}` (as many clients send). */
export const NoParamsSchema = z.strictObject({});

export const DoctorParamsSchema = z.strictObject({
  /** Repository whose owner uid mapping and config are checked; optional. */
  root: root.optional(),
});

export const AuditVerifyParamsSchema = z.strictObject({
  /** Verify this file instead of the daemon's configured audit log. */
  file: z.string().optional(),
});

export const ReadParamsSchema = z.strictObject({
  root,
  /** Repository-relative POSIX path (or an absolute path inside the root). */
  path: z.string(),
  /** Optional 1-based inclusive line range. */
  lines: LineRangeSchema.optional(),
  /**
   * The tag's whole argument when it carried a `#L…` suffix: when a file of exactly this name
   * exists it is read whole instead of `path` with `lines`.
   */
  literalPath: z.string().optional(),
});

export const WriteParamsSchema = z.strictObject({
  root,
  path: z.string(),
  /** The exact content; written byte for byte as UTF-8. llmr's own clients send it (when 1,024 characters or more) as raw bytes after the JSON (protocol/wire.ts). */
  content: z.string(),
  /** When set, the write fails with WRITE_CONFLICT unless the current file has this sha256. */
  expectedSha256: z.string().optional(),
});

export const ExecUndoParamsSchema = z.strictObject({ root });
export const CacheClearParamsSchema = z.strictObject({ root });

export const ExecParamsSchema = z.strictObject({
  root,
  /** The command as the model wrote it; split with shell-word rules and run without a shell. */
  command: z.string(),
  /** Body of the `<exec CMD>STDIN</exec>` form, fed to the command's standard input. */
  stdin: z.string().optional(),
  /** Per-command timeout, capped by the configured maximum. */
  timeoutMs: z.number().int().positive().optional(),
  /** When set, output chunks are sent as `exec/output` notifications carrying this token. */
  streamToken: z.string().optional(),
});

export const SearchParamsSchema = z.strictObject({
  root,
  query: z.string(),
  limit: count.optional(),
});

export const ReindexParamsSchema = z.strictObject({
  root,
  /** Token for `search/progress` notifications. */
  progressToken: z.string().optional(),
});

export const WorkspaceParamsSchema = z.strictObject({ root });

export const ConfigExplainParamsSchema = z.strictObject({
  /** Repository whose `llm-runtime.config.yaml` is the repository layer; omit for the daemon-wide config. */
  root: root.optional(),
});

export const EditOperationSchema = z.strictObject({
  /** Exact text to find; must occur exactly once unless `replaceAll`. Never empty. */
  oldString: z.string(),
  newString: z.string(),
  /** Replace every occurrence (at least one must exist). */
  replaceAll: z.boolean().optional(),
});

export const EditParamsSchema = z.strictObject({
  root,
  path: z.string(),
  /** Applied together against the file as read: all or none. */
  edits: z.array(EditOperationSchema),
  /** Compute and return the diff without writing. */
  dryRun: z.boolean().optional(),
  /** When set, the edit fails with WRITE_CONFLICT unless the file read has this sha256. */
  expectedSha256: z.string().optional(),
});

export const UndoParamsSchema = z.strictObject({ root, path: z.string() });

export const ListParamsSchema = z.strictObject({
  root,
  /** Repository-relative folder; `.` or absent for the root. */
  path: z.string().optional(),
  /** Levels below `path` to show; 1 = its direct entries. Default 3. */
  depth: z.number().optional(),
  /** Glob on the entry's name (`*.py`): only matching files, and the folders leading to them. */
  name: z.string().optional(),
  /** Most entries returned (default 1000). */
  maxEntries: z.number().optional(),
});

export const GrepParamsSchema = z.strictObject({
  root,
  /** RE2 syntax regular expression (linear time: no backreferences or look-around). */
  pattern: z.string(),
  /** Repository-relative file or folder to search; default the root. */
  path: z.string().optional(),
  /** Globs on the repository-relative path (or on the base name when the glob has no `/`). */
  include: z.array(z.string()).optional(),
  exclude: z.array(z.string()).optional(),
  ignoreCase: z.boolean().optional(),
  /** Lines of context before and after each match (0–20). */
  context: z.number().optional(),
  /** Only the names of files that match. */
  filesOnly: z.boolean().optional(),
  /** Only the number of matching lines per file. */
  count: z.boolean().optional(),
  /** Most matching lines (or files) returned; default 200. */
  maxResults: z.number().optional(),
});

/** Method name → params schema. A method the daemon serves must have an entry (the daemon refuses to start otherwise). */
export const PARAMS_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  'daemon/hello': HelloParamsSchema,
  'daemon/status': NoParamsSchema,
  'daemon/shutdown': NoParamsSchema,
  'daemon/doctor': DoctorParamsSchema,
  'audit/verify': AuditVerifyParamsSchema,
  'io/read': ReadParamsSchema,
  'io/write': WriteParamsSchema,
  'exec/run': ExecParamsSchema,
  'search/query': SearchParamsSchema,
  'search/reindex': ReindexParamsSchema,
  'workspace/status': WorkspaceParamsSchema,
  'config/explain': ConfigExplainParamsSchema,
  'io/edit': EditParamsSchema,
  'io/undo': UndoParamsSchema,
  'io/list': ListParamsSchema,
  'search/grep': GrepParamsSchema,
  'exec/undo': ExecUndoParamsSchema,
  'cache/clear': CacheClearParamsSchema,
};

/** The failure of a params check: the first offending field and a message that names it. */
export interface ParamsProblem {
  /** Dotted path of the field (`lines.from`), or `params` for the object itself. */
  field: string;
  message: string;
}

/** Check `params` against the schema of `method`; the parsed value or the first problem. */
export function checkParams<T>(schema: z.ZodType<T>, method: string, params: unknown): { ok: true; value: T } | { ok: false; problem: ParamsProblem } {
  const r = schema.safeParse(params);
  if (r.success) return { ok: true, value: r.data };
  // an unknown field first: {"argv": …} is better answered with "unknown field argv" than "command is missing"
  const issue = r.error.issues.find((i) => i.code === 'unrecognized_keys') ?? r.error.issues[0];
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const field = [at, issue.keys[0]].filter((s) => s !== '').join('.');
    const allowed = at === '' && schema instanceof z.ZodObject ? Object.keys(schema.shape) : undefined;
    const takes = allowed === undefined ? '' : allowed.length === 0 ? ` (${method} takes no params)` : ` (${method} takes ${allowed.join(', ')})`;
    return { ok: false, problem: { field, message: `${method}: unknown field ${JSON.stringify(field)}${takes}` } };
  }
  const field = at === '' ? 'params' : at;
  const what = issue.message.endsWith('received undefined') ? 'is missing' : issue.message.replace(/^Invalid input: /, '').toLowerCase();
  return { ok: false, problem: { field, message: `${method}: ${field === 'params' ? 'params' : `field ${JSON.stringify(field)}`} ${what}` } };
}
