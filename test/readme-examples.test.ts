/**
 * The README's examples as fixtures: every fenced YAML block is loaded by the real config loader
 * as the file it says it is (a repository's `llm-runtime.config.yaml` or the user's `config.yaml`),
 * every `llmr …` line of a fenced shell block is accepted by the real argument parser, every
 * `npm run X` names a script, files named in shell blocks exist, and the systemd `sed` recipe
 * yields a unit that `systemd-analyze verify` accepts. The commands themselves run against a real
 * daemon in test/e2e/readme.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { parseInvocation } from '../client/args.js';
import { DEFAULT_WHITELIST } from '../client/usage.js';
import { explainConfig } from '../daemon/config/explain.js';
import { defaultConfig } from '../daemon/config/schema.js';
import { fences, llmrCalls, type Fence } from './support/readme.js';

const README = readFileSync('README.md', 'utf8');

const shell = fences(README).filter((f) => f.lang === 'sh' || f.lang === 'bash');
const yamlBlocks = fences(README).filter((f) => f.lang === 'yaml' || f.lang === 'yml');
const temps: string[] = [];
const temp = (): string => { const d = mkdtempSync(path.join(os.tmpdir(), 'llmr-readme-')); temps.push(d); return d; };
afterAll(() => { for (const d of temps) rmSync(d, { recursive: true, force: true }); });

/** Flat dotted keys of a YAML tree (a mapping under a key that is not a section is a value). */
function leafKeys(tree: Record<string, unknown>, known: Set<string>, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (known.has(key)) return [key];
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? leafKeys(v as Record<string, unknown>, known, key) : [key];
  });
}

describe('README examples', () => {
  it('has YAML and shell examples to check', () => {
    expect(yamlBlocks.length).toBeGreaterThanOrEqual(2);
    expect(shell.length).toBeGreaterThanOrEqual(3);
  });

  /** Which file a YAML example is, from its introducing line and its first line. */
  const kindOf = (block: Fence): 'repository' | 'user' | undefined => {
    const context = `${block.before}\n${block.body.split('\n')[0]}`;
    return context.includes('llm-runtime.config.yaml') ? 'repository' : /config\.yaml/.test(context) ? 'user' : undefined;
  };

  yamlBlocks.forEach((block, i) => {
    it(`loads the YAML example at README line ${block.line} as the file it names`, async () => {
      const kind = kindOf(block);
      expect(kind, `README line ${block.line}: say which file the example is (llm-runtime.config.yaml or config.yaml)`).toBeDefined();
      // a repository example narrows the user example before it (or the defaults when there is none)
      const user = kind === 'user' ? block : yamlBlocks.slice(0, i).reverse().find((b) => kindOf(b) === 'user');
      const home = temp();
      const root = temp();
      const xdg = path.join(home, 'config');
      mkdirSync(path.join(xdg, 'llmr'), { recursive: true });
      if (user !== undefined) writeFileSync(path.join(xdg, 'llmr', 'config.yaml'), user.body + '\n');
      if (kind === 'repository') writeFileSync(path.join(root, 'llm-runtime.config.yaml'), block.body + '\n');
      const r = await explainConfig({ root, env: { XDG_CONFIG_HOME: xdg }, homedir: home });
      const known = new Set(r.values.map((v) => v.key));
      const keys = leafKeys(parseYaml(block.body) as Record<string, unknown>, known);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        expect(r.values.find((v) => v.key === key)?.source, `${key} from README line ${block.line}`).toBe(kind);
      }
    });
  });

  it('uses only llmr invocations the real argument parser accepts', () => {
    const calls = shell.flatMap((f) => f.body.split('\n').flatMap((line) => llmrCalls(line).map((argv) => ({ argv, line: f.line }))));
    expect(calls.length).toBeGreaterThanOrEqual(5);
    for (const { argv, line } of calls) {
      expect(() => parseInvocation(argv), `llmr ${argv.join(' ')} (README block at line ${line})`).not.toThrow();
    }
  });

  it('names npm scripts and repository files that exist', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    const body = shell.map((f) => f.body).join('\n');
    for (const m of body.matchAll(/npm run (\w[\w:-]*)/g)) expect(scripts[m[1]], `npm run ${m[1]}`).toBeDefined();
    for (const m of body.matchAll(/(?<![\w./~-])((?:systemd|test\/fixtures|scripts|images)\/[\w./-]+)/g)) expect(existsSync(m[1]), m[1]).toBe(true);
  });

  it('states the default whitelist the daemon really has, in the README and in llmr --help', () => {
    expect(defaultConfig().commands.exec.whitelist).toEqual([...DEFAULT_WHITELIST]);
    expect(README).toContain(`by default ${DEFAULT_WHITELIST.slice(0, -1).map((w) => `\`${w}\``).join(', ')} and \`${DEFAULT_WHITELIST.at(-1)}\``);
  });

  it('gives a systemd sed recipe whose unit systemd-analyze verify accepts', () => {
    const line = shell.flatMap((f) => f.body.split('\n')).find((l) => l.startsWith('sed ') && l.includes('llmr.service'));
    expect(line).toBeDefined();
    const home = temp();
    const bin = path.join(home, 'bin');
    mkdirSync(path.join(home, '.config', 'systemd', 'user'), { recursive: true });
    mkdirSync(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    writeFileSync(path.join(bin, 'llmrd'), '#!/bin/sh\n', { mode: 0o755 }); // stands in for the installed llmrd (no build needed)
    const env = { PATH: `${bin}:/usr/bin:/bin`, HOME: home, XDG_RUNTIME_DIR: home };
    const r = spawnSync('bash', ['-c', line ?? 'false'], { encoding: 'utf8', env, cwd: process.cwd() });
    expect(r.stderr).toBe('');
    const unit = path.join(home, '.config', 'systemd', 'user', 'llmr.service');
    expect(readFileSync(unit, 'utf8')).toContain(`ExecStart=${path.join(bin, 'node')} ${path.join(bin, 'llmrd')} --foreground`);
    const verify = spawnSync('systemd-analyze', ['verify', '--user', 'systemd/llmr.socket', unit], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: home } });
    expect(verify.error, 'systemd-analyze must be installed').toBeUndefined();
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  });
});

describe('README first screen', () => {
  it('says what llmr is, the two commands and what to do next, in the first 20 lines', () => {
    const first = README.split('\n').slice(0, 20).join('\n');
    expect(first).toMatch(/llmr lets a language model/);
    expect(first).toContain('npm run demo');
    expect(first).toContain('npm test');
    expect(first).toMatch(/Then: .*npm install -g \./s);
    expect(first).toContain('you own');
  });
});
