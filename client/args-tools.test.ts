import { describe, expect, it } from 'vitest';
import { LlmrError } from '../protocol/errors.js';
import { parseInvocation } from './args.js';

function usage(argv: string[]): string {
  try { parseInvocation(argv); } catch (err) { if (err instanceof LlmrError) return `${err.code}: ${err.message}`; throw err; }
  return 'OK';
}

describe('client/args-tools', () => {
  it('parses llmr edit, ls, grep and mcp', () => {
    expect(parseInvocation(['edit', 'a.py', '--old', 'x', '--new', 'y', '--dry-run'])).toEqual({ command: 'edit', path: 'a.py', old: 'x', new: 'y', replaceAll: false, dryRun: true, json: false, noSpawn: false });
    expect(parseInvocation(['ls', 'src', '--depth', '2', '--name', '*.py', '--json'])).toEqual({ command: 'ls', path: 'src', depth: 2, name: '*.py', json: true, noSpawn: false });
    expect(parseInvocation(['grep', 'TODO', 'src', '-i', '-C', '2', '--include', '*.py', '--include', '*.ts'])).toMatchObject({ command: 'grep', pattern: 'TODO', path: 'src', ignoreCase: true, context: 2, include: ['*.py', '*.ts'] });
    expect(parseInvocation(['mcp', '--root', '/r'])).toEqual({ command: 'mcp', root: '/r', noSpawn: false });
    expect(parseInvocation(['grep', '--help'])).toMatchObject({ command: 'help' });
  });

  it('reports usage errors in the house style', () => {
    expect(usage(['mcp', '--bogus'])).toBe('USAGE: unknown option --bogus');
    expect(usage(['edit'])).toBe('USAGE: missing file path');
    expect(usage(['edit', 'a', '--old', 'x'])).toBe('USAGE: --old and --new go together');
    expect(usage(['grep'])).toBe('USAGE: missing pattern');
    expect(usage(['ls', '--depth', '0'])).toBe('USAGE: --depth must be an integer of at least 1, got 0');
  });
});
