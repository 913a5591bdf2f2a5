/**
 * The README's Configuration section against the code: every YAML example loads, and the table of
 * what a repository config may set is the schema's policy table.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, REPO_CONFIG_FILE } from './load.js';
import { KEYS } from './schema.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Each ```yaml block with the line that introduces it. */
function yamlBlocks(): Array<{ intro: string; text: string }> {
  return [...README.matchAll(/([^\n]*)\n\n```yaml\n([\s\S]*?)```/g)].map((m) => ({ intro: m[1], text: m[2] }));
}

describe('README configuration', () => {
  it('has YAML examples that llmr accepts, each as the file it says it is', async () => {
    const blocks = yamlBlocks();
    expect(blocks.length).toBeGreaterThan(0);
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmr-readme-'));
    try {
      let userText = '';
      for (const block of blocks) {
        const home = path.join(tmp, 'home');
        const root = path.join(tmp, 'repo');
        rmSync(tmp, { recursive: true, force: true });
        mkdirSync(path.join(home, '.config', 'llmr'), { recursive: true });
        mkdirSync(root, { recursive: true });
        const isRepo = block.intro.includes(REPO_CONFIG_FILE);
        if (!isRepo) userText = block.text;
        writeFileSync(path.join(home, '.config', 'llmr', 'config.yaml'), userText);
        if (isRepo) writeFileSync(path.join(root, REPO_CONFIG_FILE), block.text);
        await expect(loadConfig({ root, env: {}, homedir: home }), block.intro).resolves.toBeDefined();
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('lists exactly the narrowable keys of the schema in the repository table', () => {
    const table = README.slice(README.indexOf('| a repository config may… |'));
    const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
    const listed = rows.flatMap((row) => [...row.split('|')[2].matchAll(/`([a-z_.]+)`/g)].map((m) => m[1]));
    const narrowable = KEYS.filter((s) => s.repo !== undefined && s.repo !== 'user-only').map((s) => s.key);
    expect([...listed].sort()).toEqual([...narrowable].sort());
  });

  it('lists every key in the key table', () => {
    for (const spec of KEYS) expect(README, spec.key).toContain(`| \`${spec.key}\` |`);
  });
});
