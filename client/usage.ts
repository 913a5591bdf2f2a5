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
    usage: 'llmr audit verify [--file FILE] [--json] [--no-spawn]',
    summary: 'Work with the audit log.',
    options: { help: HELP },
    examples: ['llmr audit verify'],
  },
  'audit verify': {
    usage: 'llmr audit verify [--file FILE] [--json] [--no-spawn]',
    summary: 'Check the audit log\'s hash chain; an edited, inserted, reordered or deleted line is reported.',
    options: { file: { type: 'string', arg: 'FILE', help: 'verify FILE instead of the configured audit log' }, json: JSON_OUT, 'no-spawn': NO_SPAWN, help: HELP },
    examples: ['llmr audit verify', 'llmr audit verify --file ~/.local/state/llmr/audit.log'],
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
  '  audit verify    check the audit log\'s hash chain',
  '  help [COMMAND]  show help',
  '',
  "Run 'llmr COMMAND --help' for a command's options.",
];

/** The help text of one command (for `tags`, the main help with the command overview). */
export function helpText(key: CommandKey): string {
  const spec: CommandSpec = COMMAND_SPECS[key];
  const lines = [`Usage: ${spec.usage}`, '', spec.summary, ''];
  if (key === 'tags') lines.push(...OVERVIEW, '');
  lines.push('Options:');
  const entries = Object.entries(spec.options).map(([name, o]) => {
    const flag = `${o.short !== undefined ? `-${o.short}, ` : '    '}--${name}${o.arg !== undefined ? ` ${o.arg}` : ''}`;
    return [flag, o.help] as const;
  });
  const width = Math.max(...entries.map(([flag]) => flag.length));
  for (const [flag, help] of entries) lines.push(`  ${flag.padEnd(width)}  ${help}`);
  lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n') + '\n';
}
