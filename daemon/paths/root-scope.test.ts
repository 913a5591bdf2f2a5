import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRootScope } from './root-scope.js';

const base = mkdtempSync(path.join(os.tmpdir(), 'llmr-scope-'));
const home = path.join(base, 'home', 'alice');
const state = path.join(base, 'xdg', 'state', 'llmr');
mkdirSync(path.join(home, 'proj'), { recursive: true });
mkdirSync(state, { recursive: true });
symlinkSync(home, path.join(base, 'home-link'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const code = (root: string, h = home): string => {
  try {
    checkRootScope(root, { home: h, own: { 'state directory': state } });
    return 'OK';
  } catch (err) {
    return `${(err as { code: string }).code}: ${(err as Error).message}`;
  }
};

describe('paths/root-scope', () => {
  it('serves a project folder, in the home directory or elsewhere', () => {
    expect(code(path.join(home, 'proj'))).toBe('OK');
    expect(code(path.join(base, 'xdg', 'elsewhere'))).toBe('OK');
    expect(code(`${home}-evil`)).toBe('OK'); // a sibling with the home's name as a prefix is not above it
  });

  it('refuses the home directory, the folders above it and /', () => {
    expect(code(home)).toMatch(/^ROOT_TOO_BROAD: .* is your home directory/);
    expect(code(path.join(base, 'home'))).toMatch(/^ROOT_TOO_BROAD: .* above your home directory/);
    expect(code('/')).toMatch(/^ROOT_TOO_BROAD/);
    expect(code(home, path.join(base, 'home-link'))).toMatch(/^ROOT_TOO_BROAD: .* is your home directory/); // home named through a symlink
  });

  it('refuses a root that holds one of llmr\'s own directories', () => {
    expect(code(path.join(base, 'xdg'))).toMatch(/^ROOT_TOO_BROAD: .* holds llmr's own state directory/);
    expect(code(state)).toMatch(/^ROOT_TOO_BROAD/);
    expect(code(path.join(state, 'exec-undo', 'x'))).toMatch(/^ROOT_TOO_BROAD: .* lies in llmr's own state directory/);
  });

  it('follows a symlink above one of llmr\'s directories that does not exist yet', () => {
    // ~/.cache is a link to /data/cache; llmr's cache dir in it is not created yet
    const data = path.join(base, 'data');
    mkdirSync(path.join(data, 'cache'), { recursive: true });
    symlinkSync(path.join(data, 'cache'), path.join(home, '.cache'));
    const cache = path.join(home, '.cache', 'llmr');
    const check = (root: string): string => {
      try { checkRootScope(root, { home, own: { 'cache directory': cache } }); return 'OK'; } catch (err) { return (err as Error).message; }
    };
    expect(check(data)).toMatch(/holds llmr's own cache directory/);
    expect(check(path.join(data, 'cache', 'llmr', 'x'))).toMatch(/lies in llmr's own cache directory/);
    expect(check(path.join(home, 'proj'))).toBe('OK');
  });
});
