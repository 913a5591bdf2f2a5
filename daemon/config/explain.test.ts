import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { explainConfig } from './explain.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function temp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'llmr-explain-'));
  dirs.push(d);
  return d;
}

describe('daemon/config/explain', () => {
  it('names the source of every value: default, user file, repository file, environment', async () => {
    const home = temp();
    const xdg = path.join(home, 'xdg');
    mkdirSync(path.join(xdg, 'llmr'), { recursive: true });
    writeFileSync(path.join(xdg, 'llmr', 'config.yaml'), 'commands:\n  exec:\n    timeout_seconds: 40\n    whitelist: ["make"]\n');
    const root = temp();
    writeFileSync(path.join(root, 'llm-runtime.config.yaml'), 'commands:\n  exec:\n    timeout_seconds: 20\n');
    const env = { XDG_CONFIG_HOME: xdg, LLMR_EXEC_ENABLED: 'false' };
    const r = await explainConfig({ root, env, homedir: home });
    const by = new Map(r.values.map((v) => [v.key, v]));
    expect(r.userFile).toBe(path.join(xdg, 'llmr', 'config.yaml'));
    expect(r.userFileExists).toBe(true);
    expect(r.repositoryFile).toBe(path.join(root, 'llm-runtime.config.yaml'));
    expect(r.environment).toEqual(['LLMR_EXEC_ENABLED']);
    expect(by.get('commands.exec.timeout_seconds')).toEqual({ key: 'commands.exec.timeout_seconds', value: 20, type: 'seconds', source: 'repository', where: r.repositoryFile });
    expect(by.get('commands.exec.whitelist')).toEqual({ key: 'commands.exec.whitelist', value: ['make'], type: 'string[]', source: 'user', where: r.userFile });
    expect(by.get('commands.exec.enabled')).toEqual({ key: 'commands.exec.enabled', value: false, type: 'bool', source: 'environment', where: 'LLMR_EXEC_ENABLED' });
    expect(by.get('commands.open.enabled')).toEqual({ key: 'commands.open.enabled', value: true, type: 'bool', source: 'default' });
  });

  it('without a root shows only the daemon-wide layers and says when the user file is absent', async () => {
    const home = temp();
    const r = await explainConfig({ env: {}, homedir: home });
    expect(r.userFile).toBe(path.join(home, '.config', 'llmr', 'config.yaml'));
    expect(r.userFileExists).toBe(false);
    expect(r.repositoryFile).toBeUndefined();
    expect(r.values.every((v) => v.source === 'default')).toBe(true);
  });

  it('fails like the loader on an invalid repository file', async () => {
    const root = temp();
    writeFileSync(path.join(root, 'llm-runtime.config.yaml'), 'commands:\n  exec:\n    timeout_secs: 20\n');
    await expect(explainConfig({ root, env: {}, homedir: temp() })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
