import { describe, expect, it } from 'vitest';
import { LlmrError } from '../protocol/errors.js';
import { parseInvocation, type Invocation } from './args.js';
import { COMMAND_SPECS, helpText, type CommandKey } from './usage.js';

function usageError(argv: string[]): LlmrError {
  try {
    parseInvocation(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(LlmrError);
    return err as LlmrError;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

function helpOf(argv: string[]): string {
  const inv = parseInvocation(argv);
  if (inv.command !== 'help') throw new Error(`expected help for ${argv.join(' ')}, got ${inv.command}`);
  return inv.text;
}

describe('client/args', () => {
  it('runs the tag mode with defaults when there are no arguments', () => {
    expect(parseInvocation([])).toEqual({ command: 'tags', interactive: false, json: false, noSpawn: false });
  });

  it('reads every tag mode option', () => {
    const inv = parseInvocation(['--root', 'r', '--input', 'in.txt', '--output=out.txt', '--interactive', '--json', '--no-spawn']);
    expect(inv).toEqual({ command: 'tags', root: 'r', input: 'in.txt', output: 'out.txt', interactive: true, json: true, noSpawn: true });
  });

  it('parses search with a query of several words, a limit and json', () => {
    expect(parseInvocation(['search', 'parse', 'config', '--limit', '5', '--json', '--root', '/r'])).toEqual<Invocation>({
      command: 'search', query: 'parse config', root: '/r', limit: 5, json: true, noSpawn: false,
    });
  });

  it('parses the other commands', () => {
    expect(parseInvocation(['reindex', '--root', 'x'])).toEqual({ command: 'reindex', root: 'x', noSpawn: false });
    expect(parseInvocation(['status', '--json'])).toEqual({ command: 'status', json: true, noSpawn: false });
    expect(parseInvocation(['doctor', '--no-spawn'])).toEqual({ command: 'doctor', json: false, noSpawn: true });
    expect(parseInvocation(['daemon', 'stop'])).toEqual({ command: 'daemon', action: 'stop', json: false });
    expect(parseInvocation(['daemon', 'status', '--json'])).toEqual({ command: 'daemon', action: 'status', json: true });
    expect(parseInvocation(['images', 'build'])).toEqual({ command: 'images', source: 'auto' });
    expect(parseInvocation(['images', 'build', '--source', 'debian', '--only', 'io'])).toEqual({ command: 'images', source: 'debian', only: 'io' });
    expect(parseInvocation(['images', 'build', '--only', 'exec', '--tag', 'llmr-exec:dev'])).toEqual({ command: 'images', source: 'auto', only: 'exec', tag: 'llmr-exec:dev' });
    expect(parseInvocation(['audit', 'verify', '--file', 'a.log'])).toEqual({ command: 'audit', file: 'a.log', json: false, noSpawn: false });
    expect(parseInvocation(['audit', 'verify', '--root', 'r'])).toEqual({ command: 'audit', root: 'r', json: false, noSpawn: false });
    expect(parseInvocation(['config'])).toEqual({ command: 'config', action: 'show', json: false, noSpawn: false });
    expect(parseInvocation(['config', '--root', 'r', '--json'])).toEqual({ command: 'config', action: 'show', root: 'r', json: true, noSpawn: false });
    expect(parseInvocation(['config', 'path', '--no-spawn'])).toEqual({ command: 'config', action: 'path', json: false, noSpawn: true });
    expect(parseInvocation(['--version'])).toEqual({ command: 'version' });
    expect(parseInvocation(['-V'])).toEqual({ command: 'version' });
  });

  it('gives help on every command and subcommand', () => {
    const cases: Array<[string[], CommandKey]> = [
      [['--help'], 'tags'], [['-h'], 'tags'], [['help'], 'tags'],
      [['search', '--help'], 'search'], [['reindex', '-h'], 'reindex'], [['status', '--help'], 'status'],
      [['daemon', '--help'], 'daemon'], [['daemon', 'start', '--help'], 'daemon start'], [['daemon', 'stop', '--help'], 'daemon stop'],
      [['daemon', 'status', '--help'], 'daemon status'], [['daemon', 'run', '--help'], 'daemon run'],
      [['images', '--help'], 'images'], [['images', 'build', '--help'], 'images build'],
      [['doctor', '--help'], 'doctor'], [['audit', '--help'], 'audit'], [['audit', 'verify', '--help'], 'audit verify'],
      [['help', 'daemon', 'start'], 'daemon start'], [['help', 'search'], 'search'], [['help', 'help'], 'help'],
      [['help', 'search', '--help'], 'search'], [['help', '--help'], 'help'], [['help', '-h', 'audit', 'verify'], 'audit verify'],
      [['config', '--help'], 'config'], [['config', 'path', '-h'], 'config path'], [['help', 'config', 'path'], 'config path'],
    ];
    for (const [argv, key] of cases) expect(helpOf(argv), argv.join(' ')).toBe(helpText(key));
  });

  it('lists usage, every option and examples in each help text', () => {
    for (const key of Object.keys(COMMAND_SPECS) as CommandKey[]) {
      const text = helpText(key);
      expect(text.startsWith(`Usage: ${COMMAND_SPECS[key].usage}\n`)).toBe(true);
      for (const name of Object.keys(COMMAND_SPECS[key].options)) expect(text, `${key} --${name}`).toContain(`--${name}`);
      expect(text).toMatch(/\nExamples:\n {2}\S/);
      for (const example of COMMAND_SPECS[key].examples) expect(example).toContain('llmr');
    }
    expect(helpText('tags')).toContain('search QUERY');
  });

  it('lists the sub-commands\' real options in a group\'s help, and the config file and default whitelist in the main help', () => {
    expect(helpText('images')).toContain('--source SOURCE');
    expect(helpText('images')).toContain('--only IMAGE');
    expect(helpText('audit')).toContain('--file FILE');
    expect(helpText('audit')).toContain('--root DIR');
    expect(helpText('daemon')).toContain('llmr daemon status [--json]');
    const main = helpText('tags');
    expect(main).toContain('$XDG_CONFIG_HOME/llmr/config.yaml');
    expect(main).toContain('"go test", "go build", "npm test", "make"');
    expect(main).toMatch(/LLMR_\* variables are read once when the daemon starts/);
    expect(main).toContain('REPO_OWNER_ROOT');
  });

  it('takes help before other errors in the same arguments', () => {
    expect(helpOf(['search', '--help'])).toBe(helpText('search'));
    expect(helpOf(['--json', '--help'])).toBe(helpText('tags'));
  });

  it('rejects unknown options with the command usage line', () => {
    const e = usageError(['search', 'q', '--frobnicate']);
    expect(e.code).toBe('USAGE');
    expect(e.message).toBe('unknown option --frobnicate');
    expect(e.details).toContain(`usage: ${COMMAND_SPECS.search.usage}`);
    expect(usageError(['--bogus']).details).toContain(`usage: ${COMMAND_SPECS.tags.usage}`);
  });

  it('rejects missing values, arguments and commands', () => {
    expect(usageError(['--root']).message).toBe('option --root needs a value');
    expect(usageError(['search']).message).toBe('missing search query');
    expect(usageError(['search', '   ']).message).toBe('missing search query');
    expect(usageError(['daemon']).message).toBe('missing daemon command');
    expect(usageError(['daemon', 'restart']).message).toBe('unknown daemon command restart');
    expect(usageError(['images']).message).toBe('missing images command');
    expect(usageError(['frobnicate']).message).toBe('unknown command frobnicate');
    expect(usageError(['help', 'nope']).message).toBe('unknown command nope');
  });

  it('rejects positional arguments where none are taken', () => {
    expect(usageError(['status', 'extra']).message).toBe('unexpected argument extra');
    expect(usageError(['daemon', 'stop', 'now']).message).toBe('unexpected argument now');
  });

  it('rejects flags with a value they do not take', () => {
    expect(usageError(['--json=yes']).message).toBe('option --json takes no value');
  });

  it('validates numbers and choices', () => {
    expect(usageError(['search', 'q', '--limit', '0']).message).toBe('--limit must be a positive integer, got 0');
    expect(usageError(['search', 'q', '--limit', '2x']).message).toBe('--limit must be a positive integer, got 2x');
    expect(usageError(['images', 'build', '--source', 'alpine']).message).toBe('--source must be one of auto, debian, dockerfile, got alpine');
    expect(usageError(['images', 'build', '--only', 'both']).message).toBe('--only must be one of io, exec, got both');
    expect(usageError(['images', 'build', '--tag', 'x:dev']).message).toBe('--tag needs --only io|exec');
  });
});
