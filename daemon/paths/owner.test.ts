import { chownSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { checkRepoOwner, type OwnerPolicy } from './owner.js';

let base: string;
const ALICE = 1000;
const BOB = 1001;
const policy = (p: Partial<OwnerPolicy> = {}): OwnerPolicy =>
  ({ allowRootOwned: false, allowForeignOwned: false, daemonUid: ALICE, userConfigFile: '/home/alice/.config/llmr/config.yaml', ...p });

function refusal(f: () => unknown): LlmrError {
  try {
    f();
  } catch (err) {
    if (err instanceof LlmrError) return err;
    throw err;
  }
  throw new Error('accepted');
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'llmr-owner-'));
  for (const [name, uid] of [['alice', ALICE], ['bob', BOB], ['root', 0]] as const) {
    mkdirSync(join(base, name));
    chownSync(join(base, name), uid, uid); // the tests run as root: real owners, real stat
  }
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('paths/owner', () => {
  it('serves the daemon user\'s own repository as its owner', () => {
    expect(checkRepoOwner(join(base, 'alice'), statSync(join(base, 'alice')), policy())).toEqual({ uid: ALICE, gid: ALICE });
  });

  it('refuses another user\'s repository unless the user config allows it, saying what to do', () => {
    const bob = join(base, 'bob');
    const err = refusal(() => checkRepoOwner(bob, statSync(bob), policy()));
    expect(err.code).toBe('REPO_OWNER_FOREIGN');
    expect(err.message).toBe(`repository ${bob} is owned by uid ${BOB}, not by the daemon's user (uid ${ALICE}); llmr would run its containers as uid ${BOB}`);
    expect(err.details).toBe('run llmr as the owner of the repository, chown it to your user, or set security.allow_foreign_owned_repo: true in /home/alice/.config/llmr/config.yaml');
    expect(checkRepoOwner(bob, statSync(bob), policy({ allowForeignOwned: true }))).toEqual({ uid: BOB, gid: BOB });
  });

  it('refuses a root-owned repository unless allowed, whoever runs the daemon', () => {
    const r = join(base, 'root');
    expect(refusal(() => checkRepoOwner(r, statSync(r), policy())).code).toBe('REPO_OWNER_ROOT');
    expect(refusal(() => checkRepoOwner(r, statSync(r), policy({ daemonUid: 0 }))).code).toBe('REPO_OWNER_ROOT');
    expect(refusal(() => checkRepoOwner(r, statSync(r), policy({ allowForeignOwned: true }))).code).toBe('REPO_OWNER_ROOT');
    expect(checkRepoOwner(r, statSync(r), policy({ allowRootOwned: true }))).toEqual({ uid: 0, gid: 0 });
  });

  it('lets a daemon running as root serve any non-root owner (root can act as them anyway)', () => {
    const bob = join(base, 'bob');
    expect(checkRepoOwner(bob, statSync(bob), policy({ daemonUid: 0 }))).toEqual({ uid: BOB, gid: BOB });
  });
});
