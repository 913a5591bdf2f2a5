/**
 * Backups of overwritten files, kept in the state directory (never in the repository):
 * `<state>/backups/<workspace-id>/<rel>.<UTC timestamp>`, files 0600 in 0700 directories.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

let sequence = 0;

function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace('.', '');
}

/** Save `content` as a backup of `rel`; returns its id relative to the state directory. */
export async function saveBackup(stateDir: string, workspaceId: string, rel: string, content: Buffer, now = new Date()): Promise<string> {
  sequence = (sequence + 1) % 1000;
  const id = path.posix.join('backups', workspaceId, `${rel}.${stamp(now)}-${String(sequence).padStart(3, '0')}`);
  const file = path.join(stateDir, id);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, content, { mode: 0o600, flag: 'wx' });
  return id;
}
