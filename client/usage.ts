/**
 * Usage text of every command and subcommand of `llmr`: one table, rendered by {@link helpText}.
 * The options listed here are exactly the options `args.ts` accepts.
 */

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder of the value, for string options. */
  arg?: string;
  help: string;
}

export interface CommandSpec {
  usage: string;
  summary: string;
  options: Record<string, OptionSpec>;
  examples: string[];
}

/** The built-in `commands.exec.whitelist` (a test keeps it equal to the daemon's default). */
export const DEFAULT_WHITELIST = ['go test', 'go build', 'npm test', 'make'] as const;

const HELP: OptionSpec = { type: 'boolean', short: 'h', help: 'show this help' };
const ROOT: OptionSpec = { type: 'string', arg: 'DIR', help: 'repository root (default: the git top-level of the current directory, else the current directory)' };
const JSON_OUT: OptionSpec = { type: 'boolean', help: 'print JSON instead of text' };
const NO_SPAWN: OptionSpec = { type: 'boolean', help: 'do not start the daemon when none answers; fail instead' };

export const COMMAND_SPECS = {
  tags: {
    usage: 'llmr [--root DIR] [--input FILE] [--output FILE] [--interactive] [--json] [--no-spawn]',
    summary:
      'Read a language model\'s output, run every <open>, <write>, <exec> and <search> tag in it (in input order, each as soon as its tag closes) and print the results framed for the model.',
    options: {
      root: ROOT,
      input: { type: 'string', arg: 'FILE', help: 'read the model output from FILE instead of standard input' },
      output: { type: 'string', arg: 'FILE', help: 'write the results to FILE (truncated) instead of standard output' },
      interactive: { type: 'boolean', help: 'print prompts on standard error while reading' },
      json: { type: 'boolean', help: 'print one JSON object per command result, then a summary object' },
      'no-spawn': NO_SPAWN,
      help: HELP,
      version: { type: 'boolean', short: 'V', help: 'print the version' },
    },
    examples: [
      "echo '<open README.md>' | llmr",
      'llmr --input reply.txt --output results.txt',
      'llmr --interactive --root ~/src/project',
    ],
  },
  search: {
    usage: 'llmr search QUERY [--root DIR] [--limit N] [--json] [--no-spawn]',
    summary: 'Search the repository (lexical, plus embeddings when Ollama is available); files ranked best first.',
    options: { root: ROOT, limit: { type: 'string', arg: 'N', help: 'show at most N files' }, json: JSON_OUT, 'no-spawn': NO_SPAWN, help: HELP },
    examples: ['llmr search "parse config file"', 'llmr search retry backoff --limit 5 --json'],
  },
  reindex: {
    usage: 'llmr reindex [--root DIR] [--no-spawn]',
    summary: 'Rebuild the search index of the repository from scratch, showing progress.',
    options: { root: ROOT, 'no-spawn': NO_SPAWN, help: HELP },
    examples: ['llmr reindex', 'llmr reindex --root ~/src/project'],
  },
  status: {
    usage: 'llmr status [--root DIR] [--json] [--no-spawn]',
    summary: 'Show the daemon and the workspace: container pools, index state, vector coverage, Ollama.',
    options: { root: ROOT, json: JSON_OUT, 'no-spawn': NO_SPAWN, help: HELP },
    examples: ['llmr status', 'llmr status --json'],
  },
  daemon: {
    usage: 'llmr daemon start|stop|status|run',
    summary: 'Manage the llmr daemon (one per user; the client starts it on demand).',
    options: { help: HELP },
    examples: ['llmr daemon status', 'llmr daemon stop', 'llmr daemon run'],
  },
  'daemon start': {
    usage: 'llmr daemon start',
    summary: 'Start the daemon in the background unless one already answers; restart it when it speaks another protocol version.',
    options: { help: HELP },
    examples: ['llmr daemon start'],
  },
  'daemon stop': {
    usage: 'llmr daemon stop',
    summary: 'Ask the daemon to shut down (it releases its containers, watchers and socket) and wait until it is gone.',
    options: { help: HELP },
    examples: ['llmr daemon stop'],
  },
  'daemon status': {
    usage: 'llmr daemon status [--json]',
    summary: 'Show whether the daemon runs, its pid, version, uptime, workspaces and Docker connection.',
    options: { json: JSON_OUT, help: HELP },
    examples: ['llmr daemon status'],
  },
  'daemon run': {
    usage: 'llmr daemon run',
    summary: 'Run the daemon in the foreground with its log on this terminal; Ctrl+C stops it.',
    options: { help: HELP },
    examples: ['llmr daemon run'],
  },
  images: {
    usage: 'llmr images build [--source auto|debian|dockerfile] [--only io|exec [--tag NAME]]',
    summary: 'Manage the container images llmr runs operations in (llmr-io and llmr-exec).',
    options: { help: HELP },
    examples: ['llmr images build'],
  },
  'images build': {
    usage: 'llmr images build [--source auto|debian|dockerfile] [--only io|exec [--tag NAME]]',
    summary:
      'Build the llmr-io and llmr-exec images: from the Dockerfiles where a registry is reachable, or from Debian packages (debootstrap, needs root) where none is.',
    options: {
      source: { type: 'string', arg: 'SOURCE', help: 'auto (default), debian or dockerfile' },
      only: { type: 'string', arg: 'IMAGE', help: 'build only io or only exec' },
      tag: { type: 'string', arg: 'NAME', help: 'tag the image NAME instead of llmr-io:latest / llmr-exec:latest (needs --only)' },
      help: HELP,
    },
    examples: ['llmr images build', 'sudo llmr images build --source debian --only io', 'sudo llmr images build --only exec --tag llmr-exec:dev'],
  },
  doctor: {
    usage: 'llmr doctor [--root DIR] [--json] [--no-spawn]',
    summary: 'Check the installation: Node, Docker and its API version, images, uid mapping, socket permissions, Ollama.',
    options: { root: ROOT, json: JSON_OUT, 'no-spawn': NO_SPAWN, help: HELP },
    examples: ['llmr doctor'],
  },
  audit: {
    usage: 'llmr audit verify [--root DIR | --file FILE] [--json] [--no-spawn]',
    summary: 'Work with the audit log.',
    options: { help: HELP },
    examples: ['llmr audit verify'],
  },
  cache: {
    usage: 'llmr cache clear [--root DIR] [--json] [--no-spawn]',
    summary: 'Work with the persistent tool caches of exec commands.',
    options: { help: HELP },
    examples: ['llmr cache clear'],
  },
  exec: {
    usage: 'llmr exec undo [--root DIR] [--json] [--no-spawn]',
    summary: 'Work with read-write commands.',
    options: { help: HELP },
    examples: ['llmr exec undo'],
  },
  'cache clear': {
    usage: 'llmr cache clear [--root DIR] [--json] [--no-spawn]',
    summary: 'Empty the repository\'s persistent tool caches (Go build and module caches, pip, npm) that its commands share.',
    options: { root: ROOT, json: JSON_OUT, 'no-spawn': NO_SPAWN, help: HELP },
    examples: ['llmr cache clear', 'llmr cache clear --root ~/src/project'],
  },
  'exec undo': {
    usage: 'llmr exec undo [--root DIR] [--json] [--no-spawn]',
    summary: 'Undo the newest read-write command: remove what it created, restore what it changed or deleted, listing each path.',
    options: { root: ROOT, json: JSON_OUT, 'no-spawn': NO_SPAWN, help: HELP },
    examples: ['llmr exec undo', 'llmr exec undo --root ~/src/project --json'],
  },
  'audit verify': {
    usage: 'llmr audit verify [--root DIR | --file FILE] [--json] [--no-spawn]',
    summary: 'Check the audit log\'s hash chain; an edited, inserted, reordered or deleted line is reported.',
    options: {
      root: { type: 'string', arg: 'DIR', help: 'verify the audit log the config of repository DIR names (default: the daemon\'s audit log)' },
      file: { type: 'string', arg: 'FILE', help: 'verify FILE instead of the configured audit log' },
      json: JSON_OUT, 'no-spawn': NO_SPAWN, help: HELP,
    },
    examples: ['llmr audit verify', 'llmr audit verify --file ~/.local/state/llmr/audit.log'],
  },
  config: {
    usage: 'llmr config [path] [--root DIR] [--json] [--no-spawn]',
    summary:
      'Show the configuration the daemon uses for a repository, with the source of each value: default, user file, repository file (llm-runtime.config.yaml) or the daemon\'s LLMR_* environment.',
    options: { root: ROOT, json: JSON_OUT, 'no-spawn': NO_SPAWN, help: HELP },
    examples: ['llmr config', 'llmr config --root ~/src/project --json', 'llmr config path'],
  },
  'config path': {
    usage: 'llmr config path [--root DIR] [--json] [--no-spawn]',
    summary: 'Print the user config file the daemon reads ($XDG_CONFIG_HOME/llmr/config.yaml) and the repository\'s llm-runtime.config.yaml.',
    options: { root: ROOT, json: JSON_OUT, 'no-spawn': NO_SPAWN, help: HELP },
    examples: ['llmr config path', 'llmr config path --root ~/src/project --json'],
  },
  edit: {
    usage: 'llmr edit PATH [--old TEXT --new TEXT [--replace-all]] [--dry-run] [--root DIR] [--json] [--no-spawn]',
    summary: 'Replace unique snippets of a file, all or none, and print the unified diff. Without --old/--new, reads <<<<<<< SEARCH / ======= / >>>>>>> REPLACE blocks from standard input.',
    options: {
      old: { type: 'string', arg: 'TEXT', help: 'exact text to replace (must occur once unless --replace-all)' },
      new: { type: 'string', arg: 'TEXT', help: 'replacement text' },
      'replace-all': { type: 'boolean', help: 'replace every occurrence of --old' },
      'dry-run': { type: 'boolean', help: 'print the diff, change nothing' },
      root: ROOT, json: JSON_OUT, 'no-spawn': NO_SPAWN, help: HELP,
    },
    examples: ["llmr edit src/app.py --old 'return 1' --new 'return 2'", 'llmr edit src/app.py --dry-run < blocks.txt'],
  },
  ls: {
    usage: 'llmr ls [PATH] [--depth N] [--name GLOB] [--root DIR] [--json] [--no-spawn]',
    summary: 'Show a .gitignore-aware tree of a folder of the repository; excluded paths are never shown.',
    options: {
      depth: { type: 'string', arg: 'N', help: 'levels to show (default 3)' },
      name: { type: 'string', arg: 'GLOB', help: "only files whose name matches, e.g. '*.py'" },
      root: ROOT, json: JSON_OUT, 'no-spawn': NO_SPAWN, help: HELP,
    },
    examples: ['llmr ls', "llmr ls src --depth 2 --name '*.ts'"],
  },
  grep: {
    usage: 'llmr grep PATTERN [PATH] [-i] [-C N] [-l] [-c] [--include GLOB]… [--exclude GLOB]… [--max-results N] [--root DIR] [--json] [--no-spawn]',
    summary: 'Search file contents with an RE2 regular expression (linear time); prints path:line:text. .gitignore-aware; excluded files are never read.',
    options: {
      'ignore-case': { type: 'boolean', short: 'i', help: 'case-insensitive' },
      context: { type: 'string', short: 'C', arg: 'N', help: 'N lines of context around each match' },
      'files-only': { type: 'boolean', short: 'l', help: 'print only the names of matching files' },
      count: { type: 'boolean', short: 'c', help: 'print the number of matching lines per file' },
      include: { type: 'string', arg: 'GLOB', help: 'only files matching GLOB (repeatable)' },
      exclude: { type: 'string', arg: 'GLOB', help: 'skip files matching GLOB (repeatable)' },
      'max-results': { type: 'string', arg: 'N', help: 'at most N matching lines (default 200)' },
      root: ROOT, json: JSON_OUT, 'no-spawn': NO_SPAWN, help: HELP,
    },
    examples: ["llmr grep 'def \\w+\\(' src -C 2", "llmr grep TODO -l --include '*.py'"],
  },
  mcp: {
    usage: 'llmr mcp [--root DIR] [--no-spawn]',
    summary: 'Run the MCP server on standard input/output (tools read_file, write_file, edit_file, list_directory, search_code, grep, undo_edit, run_command). The root is --root, else the client\'s MCP roots, else the git top level of the current directory.',
    options: { root: ROOT, 'no-spawn': NO_SPAWN, help: HELP },
    examples: ['llmr mcp', 'claude mcp add llmr -- llmr mcp --root ~/src/project'],
  },
  help: {
    usage: 'llmr help [COMMAND]',
    summary: 'Show help for llmr or for one command.',
    options: { help: HELP },
    examples: ['llmr help', 'llmr help daemon start'],
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandKey = keyof typeof COMMAND_SPECS;

const OVERVIEW = [
  'Commands:',
  '  (none)          read model output on stdin, run its tags, print the results',
  '  search QUERY    search the repository',
  '  reindex         rebuild the search index',
  '  status          daemon and workspace status',
  '  daemon          start|stop|status|run the daemon',
  '  images build    build the container images',
  '  doctor          check the installation',
  '  edit PATH       replace unique snippets of a file (diff shown)',
  '  ls [PATH]       .gitignore-aware tree of a folder',
  '  grep PATTERN    regular-expression search of file contents',
  '  mcp             run the MCP server on stdio',
  '  audit verify    check the audit log\'s hash chain',
  '  cache clear     empty the repository\'s persistent tool caches',
  '  exec undo       undo the newest read-write command',
  '  config [path]   the effective configuration and where each value comes from',
  '  help [COMMAND]  show help',
  '',
  "Run 'llmr COMMAND --help' for a command's options.",
  '',
  'Configuration (lowest first): built-in defaults < $XDG_CONFIG_HOME/llmr/config.yaml (default',
  '~/.config/llmr/config.yaml) < <repo>/llm-runtime.config.yaml < the daemon\'s LLMR_* environment.',
  'The two files apply to the next request; LLMR_* variables are read once when the daemon starts:',
  'restart it to apply them (llmr daemon stop; the next llmr call starts it). `llmr config` shows',
  'every value and its source, `llmr config path` the files.',
  `Default <exec> whitelist: ${DEFAULT_WHITELIST.map((w) => `"${w}"`).join(', ')} (commands.exec.whitelist;`,
  'no shell, no network). A repository owned by root is refused (REPO_OWNER_ROOT): run llmr as',
  'the owner, or chown the repository to your user.',
];

/** The help text of one command (for `tags`, the main help with the command overview). */
export function helpText(key: CommandKey): string {
  const spec: CommandSpec = COMMAND_SPECS[key];
  const lines = [`Usage: ${spec.usage}`, '', spec.summary, ''];
  if (key === 'tags') lines.push(...OVERVIEW, '');
  const subs = (Object.keys(COMMAND_SPECS) as CommandKey[]).filter((k) => k.startsWith(`${key} `));
  for (const sub of subs) {
    const spec2: CommandSpec = COMMAND_SPECS[sub];
    lines.push(`${spec2.usage}`, `  ${spec2.summary}`, ...optionLines(spec2).map((l) => `  ${l}`), '');
  }
  lines.push('Options:');
  lines.push(...optionLines(spec));
  lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n') + '\n';
}

function optionLines(spec: CommandSpec): string[] {
  const entries = Object.entries(spec.options).map(([name, o]) => {
    const flag = `${o.short !== undefined ? `-${o.short}, ` : '    '}--${name}${o.arg !== undefined ? ` ${o.arg}` : ''}`;
    return [flag, o.help] as const;
  });
  const width = Math.max(...entries.map(([flag]) => flag.length));
  return entries.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`);
}
