#!/usr/bin/env node
/**
 * The `llmr` command: argv → command → exit status. Rare commands are imported lazily so the
 * tag mode starts fast.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LLMR_VERSION, PROTOCOL_VERSION } from '../protocol/daemon.js';
import { EXIT, exitStatus } from '../protocol/errors.js';
import { parseInvocation, type Invocation } from './args.js';
import { connectFor, type CliIo } from './cli-io.js';
import { renderFatal } from './render.js';
import { asClientError } from './rpc-error.js';
import { runTagMode } from './tag-mode.js';

/** Run one `llmr` invocation; resolves with the exit status. Errors that stop the run go to stderr. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(parseInvocation(argv), io);
  } catch (err) {
    const e = asClientError(err);
    io.stderr.write(renderFatal(e));
    return exitStatus(e.code);
  }
}

async function dispatch(inv: Invocation, io: CliIo): Promise<number> {
  switch (inv.command) {
    case 'help':
      io.stdout.write(inv.text);
      return EXIT.OK;
    case 'version':
      io.stdout.write(`llmr ${LLMR_VERSION} (protocol ${PROTOCOL_VERSION})\n`);
      return EXIT.OK;
    case 'tags':
      return runTagMode(inv, { ...io, connect: () => connectFor(io, inv.noSpawn) });
    case 'search':
      return (await import('./commands/search.js')).runSearch(inv, io);
    case 'reindex':
      return (await import('./commands/reindex.js')).runReindex(inv, io);
    case 'status':
      return (await import('./commands/status.js')).runStatus(inv, io);
    case 'daemon':
      return (await import('./commands/daemon.js')).runDaemonCommand(inv, io);
    case 'images':
      return (await import('./commands/images.js')).runImagesBuild(inv, io);
    case 'doctor':
      return (await import('./commands/doctor.js')).runDoctor(inv, io);
    case 'config':
      return (await import('./commands/config.js')).runConfig(inv, io);
    case 'cache-clear':
      return (await import('./commands/cache.js')).runCacheClear(inv, io);
    case 'exec-undo':
      return (await import('./commands/cache.js')).runExecUndo(inv, io);
    case 'audit':
      return (await import('./commands/audit.js')).runAuditVerify(inv, io);
    case 'edit':
      return (await import('./commands/tools.js')).runEdit(inv, io);
    case 'ls':
      return (await import('./commands/tools.js')).runList(inv, io);
    case 'grep':
      return (await import('./commands/tools.js')).runGrep(inv, io);
    case 'mcp':
      return (await import('./mcp/server.js')).runMcp(inv, io);
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false; // an unreadable argv[1] is not this file
  }
}

if (isEntryPoint()) {
  const io: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
  const status = await main(process.argv.slice(2), io);
  // exit once stdout has drained: pending handles (a daemon socket being torn down) must not keep us alive
  process.stdout.write('', () => process.exit(status));
}
