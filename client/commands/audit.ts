import { resolve } from 'node:path';
import { AuditVerifyRequest } from '../../protocol/audit.js';
import { ConfigExplainRequest } from '../../protocol/config.js';
import { EXIT, LlmrError, exitStatus } from '../../protocol/errors.js';
import type { Invocation } from '../args.js';
import { withClient, type CliIo } from '../cli-io.js';
import type { DaemonClient } from '../connect.js';
import { existingRoot } from '../root.js';

type AuditArgs = Extract<Invocation, { command: 'audit' }>;

/**
 * `llmr audit verify`: check the hash chain; exit status of AUDIT_TAMPERED when it is broken.
 * `--root DIR` verifies the audit log the config of that repository names.
 */
export async function runAuditVerify(args: AuditArgs, io: CliIo): Promise<number> {
  if (args.file !== undefined && args.root !== undefined) {
    throw new LlmrError('USAGE', 'pass --root or --file, not both', 'usage: llmr audit verify [--root DIR | --file FILE]');
  }
  const root = args.root === undefined ? undefined : await existingRoot(args.root, io.cwd, io.stderr);
  const r = await withClient(io, args.noSpawn, async (client) => client.call(AuditVerifyRequest, await paramsFor(client, args, io, root)));
  if (args.json) io.stdout.write(JSON.stringify(r) + '\n');
  else if (r.ok) io.stdout.write(`ok   ${r.file}: ${r.lines} lines, hash chain intact\n`);
  else {
    const where = r.firstBadLine !== undefined ? ` at line ${r.firstBadLine}` : '';
    io.stdout.write(`FAIL ${r.file}: hash chain broken${where}${r.reason !== undefined ? `: ${r.reason}` : ''}\n`);
  }
  return r.ok ? EXIT.OK : exitStatus('AUDIT_TAMPERED');
}

async function paramsFor(client: DaemonClient, args: AuditArgs, io: CliIo, root: string | undefined): Promise<{ file?: string }> {
  if (args.file !== undefined) return { file: resolve(io.cwd, args.file) };
  if (root === undefined) return {};
  const config = await client.call(ConfigExplainRequest, { root });
  const file = config.values.find((v) => v.key === 'security.audit_log_path')?.value;
  return typeof file === 'string' && file !== '' ? { file } : {};
}
