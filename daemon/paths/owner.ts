/**
 * Whose repository is this? llmr runs a repository's containers as its owner's uid:gid, so serving
 * another user's repository would let the daemon's user act as that user inside the containers
 * (`--root /home/bob/proj` from alice's daemon would write files as bob). Both cases need the
 * user's own config: a root-owned repository (`security.allow_root_owned_repo`) and one owned by
 * any other user than the daemon's (`security.allow_foreign_owned_repo`; a daemon running as root
 * needs none, since root can act as any user anyway). Neither key can come from the repository's
 * own config (they are user-only keys).
 */
import { LlmrError } from '../../protocol/errors.js';

export interface OwnerPolicy {
  allowRootOwned: boolean;
  allowForeignOwned: boolean;
  /** The daemon's uid (`process.getuid()`). */
  daemonUid: number;
  /** The user's config file, named in the hint. */
  userConfigFile: string;
}

/**
 * Check the owner of `root` (its `stat` uid/gid) against the policy; returns the owner the
 * containers run as. Throws REPO_OWNER_ROOT or REPO_OWNER_FOREIGN saying what to do.
 */
export function checkRepoOwner(root: string, info: { uid: number; gid: number }, policy: OwnerPolicy): { uid: number; gid: number } {
  if (info.uid === 0 && !policy.allowRootOwned) {
    throw new LlmrError('REPO_OWNER_ROOT', `repository ${root} is owned by root; llmr runs containers as the repository owner and never as root`,
      `chown the repository to your user, or set security.allow_root_owned_repo: true in ${policy.userConfigFile}`);
  }
  // A daemon running as root may act as any user anyway: running as the owner only takes power away.
  if (info.uid !== 0 && policy.daemonUid !== 0 && info.uid !== policy.daemonUid && !policy.allowForeignOwned) {
    throw new LlmrError('REPO_OWNER_FOREIGN',
      `repository ${root} is owned by uid ${info.uid}, not by the daemon's user (uid ${policy.daemonUid}); llmr would run its containers as uid ${info.uid}`,
      `run llmr as the owner of the repository, chown it to your user, or set security.allow_foreign_owned_repo: true in ${policy.userConfigFile}`);
  }
  return { uid: info.uid, gid: info.gid };
}
