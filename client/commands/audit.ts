import { resolve } from 'node:path';
import { AuditVerifyRequest } from '../../protocol/audit.js';
import { EXIT, exitStatus } from '../../protocol/errors.js';
import type { Invocation } from '../args.js';
import { withClient, type CliIo } from '../cli-io.js';

type AuditArgs = Extract<Invocation, { command: 'audit' }>;

/** `llmr audit verify`: check the hash chain; exit status of AUDIT_TAMPERED when it is broken. */
export async function runAuditVerify(args: AuditArgs, io: CliIo): Promise<number> {
  const params = args.file === undefined ? {} : { file: resolve(io.cwd, args.file) };
  const r = await withClient(io, args.noSpawn, (client) => client.call(AuditVerifyRequest, params));
  if (args.json) io.stdout.write(JSON.stringify(r) + '\n');
  else if (r.ok) io.stdout.write(`ok   ${r.file}: ${r.lines} lines, hash chain intact\n`);
  else {
    const where = r.firstBadLine !== undefined ? ` at line ${r.firstBadLine}` : '';
    io.stdout.write(`FAIL ${r.file}: hash chain broken${where}${r.reason !== undefined ? `: ${r.reason}` : ''}\n`);
  }
  return r.ok ? EXIT.OK : exitStatus('AUDIT_TAMPERED');
}
