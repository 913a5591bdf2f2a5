/**
 * The MCP tools of `llmr mcp`: names, descriptions, input schemas (JSON Schema), annotations.
 * Reading tools are `readOnlyHint`; the others `destructiveHint`.
 */
export interface PropSpec {
  type: 'string' | 'integer' | 'boolean' | 'array';
  description: string;
  minimum?: number;
  maximum?: number;
  items?: { type: 'string' } | { type: 'object'; properties: Record<string, PropSpec>; required: string[]; additionalProperties: false };
  minItems?: number;
}

export interface ToolSpec {
  name: ToolName;
  title: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, PropSpec>; required: string[]; additionalProperties: false };
  annotations: { title: string; readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: false };
  /** JSON Schema of `structuredContent`, for the tools that return one. */
  outputSchema?: { type: 'object'; properties: Record<string, unknown>; required: string[] };
}

export type ToolName = 'read_file' | 'write_file' | 'edit_file' | 'list_directory' | 'search_code' | 'grep' | 'undo_edit' | 'run_command';

const PATH = { type: 'string', description: 'repository-relative path (or an absolute path inside the repository)' } as const;
const SHA = { type: 'string', description: 'sha256 (hex) from an earlier read_file; the call fails with WRITE_CONFLICT if the file changed since' } as const;

function tool(name: ToolName, title: string, description: string, readOnly: boolean, properties: Record<string, PropSpec>, required: string[], idempotent = readOnly): ToolSpec {
  return {
    name, title, description,
    inputSchema: { type: 'object', properties, required, additionalProperties: false },
    annotations: { title, readOnlyHint: readOnly, destructiveHint: !readOnly, idempotentHint: idempotent, openWorldHint: false },
  };
}

const EDIT_ITEM = {
  type: 'object', additionalProperties: false, required: ['old_string', 'new_string'],
  properties: {
    old_string: { type: 'string', description: 'exact text to find, whitespace included; must occur exactly once unless replace_all' },
    new_string: { type: 'string', description: 'replacement text' },
    replace_all: { type: 'boolean', description: 'replace every occurrence (default false)' },
  },
} as const;

export const TOOLS: readonly ToolSpec[] = [
  tool('read_file', 'Read file', 'Read a text file of the repository with line numbers. A header `lines X–Y of N` shows when only part of the file is returned; negative start_line counts from the end (-20 = the last 20 lines). Also returns the sha256 to pass to write_file/edit_file. Binary, excluded (.env, keys…) and oversized files are refused.', true, {
    path: PATH,
    start_line: { type: 'integer', description: 'first line (1-based); negative counts from the end' },
    end_line: { type: 'integer', description: 'last line, inclusive (default: the end of the file)', minimum: 1 },
  }, ['path']),
  tool('write_file', 'Write file', 'Create or overwrite a file atomically (the previous content is backed up; undo_edit restores it). Prefer edit_file to change part of a file.', false, {
    path: PATH, content: { type: 'string', description: 'the whole new content' }, expected_sha256: SHA,
  }, ['path', 'content'], true),
  tool('edit_file', 'Edit file', 'Replace exact snippets of a file. Each old_string must match exactly once (unless replace_all); zero or several matches fail the whole call, naming the line numbers of the matches or the closest near-match. All edits apply together or none do. Returns a unified diff; dry_run only shows it.', false, {
    path: PATH,
    edits: { type: 'array', description: 'replacements, applied against the file as it is now', minItems: 1, items: EDIT_ITEM as unknown as PropSpec['items'] },
    dry_run: { type: 'boolean', description: 'return the diff without changing the file' },
    expected_sha256: SHA,
  }, ['path', 'edits']),
  tool('list_directory', 'List directory', 'A .gitignore-aware tree of a folder (folders end with /). Excluded paths are never shown; large trees are capped with a note of what was left out.', true, {
    path: { type: 'string', description: 'folder to list (default: the repository root)' },
    depth: { type: 'integer', description: 'levels to show (default 3)', minimum: 1, maximum: 20 },
    name: { type: 'string', description: "only files whose name matches this glob, e.g. '*.py'" },
  }, []),
  tool('search_code', 'Search code', 'Ranked code search (lexical with code-aware tokens, plus embeddings when available): files best first with line ranges and snippets. Use for concepts ("where is the retry logic"); use grep for exact text.', true, {
    query: { type: 'string', description: 'what to look for, in words or identifiers' },
    limit: { type: 'integer', description: 'most files to return', minimum: 1, maximum: 100 },
  }, ['query']),
  tool('grep', 'Grep', 'Regular-expression search (RE2 syntax: linear time, no backreferences or look-around) over file contents; results are path:line:text (context lines path-line-text). .gitignore-aware; excluded files are never searched.', true, {
    pattern: { type: 'string', description: 'RE2 regular expression' },
    path: { type: 'string', description: 'file or folder to search (default: the whole repository)' },
    include: { type: 'array', items: { type: 'string' }, description: "only files matching these globs, e.g. ['*.py']" },
    exclude: { type: 'array', items: { type: 'string' }, description: 'skip files matching these globs' },
    ignore_case: { type: 'boolean', description: 'case-insensitive match' },
    context: { type: 'integer', description: 'lines of context around each match', minimum: 0, maximum: 20 },
    files_only: { type: 'boolean', description: 'only the names of matching files' },
    count: { type: 'boolean', description: 'only the number of matching lines per file' },
    max_results: { type: 'integer', description: 'most matching lines (default 200)', minimum: 1, maximum: 5000 },
  }, ['pattern']),
  tool('undo_edit', 'Undo edit', "Restore a file's previous content from llmr's backup of the last write_file/edit_file on it, and say what was restored (calling it again steps further back).", false, {
    path: PATH,
  }, ['path']),
  tool('run_command', 'Run command', 'Run a whitelisted command (no shell unless configured) in a fresh, network-less, hardened container with the repository mounted. Output is streamed as progress notifications when the client asks for progress; cancelling the call kills the container.', false, {
    command: { type: 'string', description: 'the command line, e.g. "python3 -m pytest -q"' },
    stdin: { type: 'string', description: 'text fed to the command\'s standard input' },
    timeout_seconds: { type: 'integer', description: 'timeout, capped by the configured maximum', minimum: 1, maximum: 3600 },
  }, ['command']),
];

export const TOOL_NAMES = new Set<string>(TOOLS.map((t) => t.name));

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const out = (properties: Record<string, unknown>, required = Object.keys(properties)): ToolSpec['outputSchema'] => ({ type: 'object', properties, required });

/** What the structured results carry (the text content says the same for clients that ignore them). */
const OUTPUT: Partial<Record<ToolName, ToolSpec['outputSchema']>> = {
  read_file: out({ path: str, start_line: int, end_line: int, total_lines: int, size: int, sha256: str }),
  write_file: out({ path: str, action: { type: 'string', enum: ['CREATED', 'UPDATED'] }, bytesWritten: int, sha256: str, backup: str }, ['path', 'action', 'bytesWritten', 'sha256']),
  edit_file: out({ path: str, diff: str, replacements: int, dryRun: { type: 'boolean' }, sha256Before: str, sha256After: str, backup: str },
    ['path', 'diff', 'replacements', 'dryRun', 'sha256Before', 'sha256After']),
  grep: out({ matches: int, truncated: { type: 'boolean' }, files: { type: 'array', items: { type: 'object', properties: { path: str, count: int }, required: ['path', 'count'] } } }),
  undo_edit: out({ path: str, restored: str, takenAt: str, bytesWritten: int, sha256: str, diff: str }),
  run_command: out({ exitCode: int, durationMs: int, stdout: str, stderr: str, omittedBytes: int }),
};
for (const t of TOOLS) if (OUTPUT[t.name] !== undefined) t.outputSchema = OUTPUT[t.name];
