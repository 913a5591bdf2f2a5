/**
 * `<edit>`, `<list>` and `<grep>` through the built `llmr` tag mode, and `llmr edit|ls|grep`, against a
 * real daemon, Docker and a temp repository.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo } from '../helpers/daemon.js';
import { cleanupHome, makeHome, runCli, type CliHome } from './helpers.js';

describe('e2e/tags-tools', () => {
  let h: CliHome;
  let repo: string;
  beforeAll(() => {
    h = makeHome();
    repo = makeRepo({ 'src/app.py': 'def main():\n    return 1\n\n\ndef other():\n    return 1\n', '.env': 'TOKEN=never-shown\n', 'README.md': '# app\n', 'dup.txt': 'a\nb\na\n' });
  });
  afterAll(async () => {
    await cleanupHome(h);
  });

  it('frames <list>, <grep> and <edit> results like the other tags', async () => {
    const reply = [
      'Let me look around. <list .> and <grep return -- src>',
      '<edit src/app.py>',
      '<<<<<<< SEARCH',
      'def other():',
      '    return 1',
      '=======',
      'def other():',
      '    return 2',
      '>>>>>>> REPLACE',
      '</edit>',
      '<grep TOKEN>',
    ].join('\n');
    const r = await runCli(h, ['--root', repo], reply, { timeoutMs: 90_000 });
    expect(r.stderr).not.toContain('error');
    expect(r.stdout).toContain('=== COMMAND: <list .> ===\n=== LIST: . ===\nREADME.md\ndup.txt\nsrc/\n  app.py\n=== END LIST ===\n=== END COMMAND ===\n');
    expect(r.stdout).toContain('=== COMMAND: <grep return -- src> ===\n=== GREP: return -- src ===\nsrc/app.py:2:    return 1\nsrc/app.py:6:    return 1\nMatches: 2 in 1 file (1 searched)\n=== END GREP ===\n');
    expect(r.stdout).toMatch(/=== COMMAND: <edit src\/app\.py> ===\n=== EDIT SUCCESSFUL: src\/app\.py ===\nReplacements: 1\nBackup: backups\/\S+\nDiff:\n--- a\/src\/app\.py\n\+\+\+ b\/src\/app\.py\n@@ -3,4 \+3,4 @@\n \n \n def other\(\):\n-    return 1\n\+    return 2\n=== END EDIT ===\n/);
    expect(r.stdout).not.toContain('never-shown');
    expect(r.stdout).toContain('Commands executed: 4');
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(repo, 'src/app.py'), 'utf8')).toContain('return 2');
  });

  it('reports an ambiguous <edit> and an unterminated one as errors', async () => {
    const r = await runCli(h, ['--root', repo], '<edit dup.txt>\n<<<<<<< SEARCH\na\n=======\nc\n>>>>>>> REPLACE\n</edit>\n<edit src/app.py>\n<<<<<<< SEARCH\n', { timeoutMs: 60_000 });
    expect(r.stdout).toContain('=== ERROR: EDIT_AMBIGUOUS ===\nMessage: edits[0].old_string matches 2 times, at lines 1, 3\n');
    expect(readFileSync(path.join(repo, 'dup.txt'), 'utf8')).toBe('a\nb\na\n');
    expect(r.stdout).toContain('=== ERROR: INVALID_SYNTAX ===\nMessage: <edit src/app.py> has no closing </edit>\n');
    expect(r.status).toBe(1);
  });

  it('runs llmr edit, llmr ls and llmr grep with text and --json', async () => {
    const dry = await runCli(h, ['edit', 'src/app.py', '--old', 'def main', '--new', 'def start', '--dry-run', '--root', repo, '--json']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ path: 'src/app.py', dryRun: true, replacements: 1 });
    expect(readFileSync(path.join(repo, 'src/app.py'), 'utf8')).toContain('def main');
    const ls = await runCli(h, ['ls', '--root', repo, '--name', '*.py', '--json']);
    expect(JSON.parse(ls.stdout).entries.map((e: { path: string }) => e.path)).toEqual(['src/', 'src/app.py']);
    const grep = await runCli(h, ['grep', 'DEF \\w+', '-i', '-c', '--root', repo]);
    expect(grep.stdout).toBe('=== GREP: DEF \\w+ ===\nsrc/app.py:2\nFiles: 1 (3 searched)\n=== END GREP ===\n');
    expect((await runCli(h, ['grep', 'nothing-matches-this', '--root', repo])).status).toBe(1);
    const blocks = await runCli(h, ['edit', 'README.md', '--root', repo], '<<<<<<< SEARCH\n# app\n=======\n# app, edited\n>>>>>>> REPLACE\n');
    expect(blocks.stdout).toContain('=== EDIT SUCCESSFUL: README.md ===\nReplacements: 1\n');
    expect(readFileSync(path.join(repo, 'README.md'), 'utf8')).toBe('# app, edited\n');
    const help = await runCli(h, ['grep', '--help']);
    expect(help.stdout).toMatch(/^Usage: llmr grep PATTERN/);
  });
});
