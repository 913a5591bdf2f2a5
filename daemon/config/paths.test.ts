import { describe, expect, it } from 'vitest';
import { cacheDir, REPO_CONFIG_FILE, repoConfigFile, stateDir, userConfigFile } from './paths.js';

describe('config/paths', () => {
  it('uses the XDG directories when they are absolute', () => {
    const env = { XDG_STATE_HOME: '/x/state', XDG_CACHE_HOME: '/x/cache', XDG_CONFIG_HOME: '/x/config' };
    expect(stateDir(env, '/home/u')).toBe('/x/state/llmr');
    expect(cacheDir(env, '/home/u')).toBe('/x/cache/llmr');
    expect(userConfigFile(env, '/home/u')).toBe('/x/config/llmr/config.yaml');
  });

  it('falls back to the home directory when XDG variables are unset, empty or relative', () => {
    for (const value of [undefined, '', 'relative/dir']) {
      const env = { XDG_STATE_HOME: value, XDG_CACHE_HOME: value, XDG_CONFIG_HOME: value };
      expect(stateDir(env, '/home/u')).toBe('/home/u/.local/state/llmr');
      expect(cacheDir(env, '/home/u')).toBe('/home/u/.cache/llmr');
      expect(userConfigFile(env, '/home/u')).toBe('/home/u/.config/llmr/config.yaml');
    }
  });

  it('names the repository config file as the original did', () => {
    expect(REPO_CONFIG_FILE).toBe('llm-runtime.config.yaml');
    expect(repoConfigFile('/repo')).toBe('/repo/llm-runtime.config.yaml');
  });
});
