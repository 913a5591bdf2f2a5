/**
 * `llmr mcp`: an MCP server on stdio (official TypeScript SDK, low-level `Server`) whose tools are
 * thin clients of the daemon's JSON-RPC methods, so they pass the same path guard, pools,
 * containers and audit as the tags. Standard output carries protocol messages only; everything
 * else goes to standard error.
 */
import { fileURLToPath } from 'node:url';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, RootsListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { ExecOutputNotification } from '../../protocol/exec.js';
import { LLMR_VERSION } from '../../protocol/daemon.js';
import { EXIT, LlmrError } from '../../protocol/errors.js';
import type { ToolInvocation } from '../args-tools.js';
import type { CliIo } from '../cli-io.js';
import { checkRoot, resolveRoot } from '../root.js';
import { checkArgs } from './check-args.js';
import { callTool, errorResult, streams } from './handlers.js';
import { DaemonLink } from './link.js';
import { LineTransport } from './stdio-transport.js';
import { TOOLS, TOOL_NAMES, type ToolName } from './tools.js';

type McpArgs = Extract<ToolInvocation, { command: 'mcp' }>;

const INSTRUCTIONS = 'llmr runs every file operation and command of this repository in a hardened container and audits it. '
  + 'Prefer edit_file over write_file for changes; pass the sha256 from read_file as expected_sha256 to detect concurrent changes; undo_edit reverts the last write or edit of a file.';

/** The root: --root, else the client's first file:// MCP root, else the git top level of the cwd. */
function rootResolver(server: Server, args: McpArgs, io: CliIo): { get: () => Promise<string>; reset: () => void } {
  let cached: Promise<string> | undefined;
  const warn = (line: string): void => void io.stderr.write(`${line}\n`);
  const find = async (): Promise<string> => {
    if (args.root !== undefined) return resolveRoot(args.root, io.cwd, warn);
    if (server.getClientCapabilities()?.roots !== undefined) {
      const listed = await server.listRoots().catch(() => undefined);
      const file = listed?.roots.find((r) => r.uri.startsWith('file://'));
      if (file !== undefined) return fileURLToPath(file.uri);
    }
    return resolveRoot(undefined, io.cwd, warn);
  };
  return {
    get: () => {
      cached ??= find().then(async (root) => { await checkRoot(root); return root; });
      cached.catch(() => { cached = undefined; }); // a failed lookup is retried by the next call
      return cached;
    },
    reset: () => { cached = undefined; },
  };
}

function registerHandlers(server: Server, link: DaemonLink, root: () => Promise<string>): void {
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOLS.map((t) => ({ ...t })) }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const name = request.params.name;
    if (!TOOL_NAMES.has(name)) {
      return errorResult(new LlmrError('INVALID_PARAMS', `unknown tool ${name}`, `tools: ${[...TOOL_NAMES].join(', ')}`));
    }
    const spec = TOOLS.find((t) => t.name === name)!;
    let args: Record<string, unknown>;
    try {
      args = checkArgs(spec, request.params.arguments);
    } catch (err) {
      return errorResult(err);
    }
    const progressToken = request.params._meta?.progressToken;
    let step = 0;
    const progress = progressToken === undefined ? undefined : (message: string): void => {
      step += 1;
      void extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: step, message } }).catch(() => undefined);
    };
    return callTool(name as ToolName, args, { link, root, signal: extra.signal, ...(progress !== undefined ? { progress } : {}) });
  });
}

/** Run the MCP server until the client closes standard input. */
export async function runMcp(args: McpArgs, io: CliIo): Promise<number> {
  // a stray console.log anywhere would corrupt the protocol stream
  console.log = console.info = console.debug = (...a: unknown[]) => void io.stderr.write(`${a.map(String).join(' ')}\n`);
  const server = new Server({ name: 'llmr', title: 'llmr', version: LLMR_VERSION }, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  const link = new DaemonLink(io.env, args.noSpawn, (line) => void io.stderr.write(`${line}\n`));
  link.onNotification(ExecOutputNotification, (p) => streams.get(p.token)?.(p.data));
  const root = rootResolver(server, args, io);
  server.setNotificationHandler(RootsListChangedNotificationSchema, async () => root.reset());
  registerHandlers(server, link, root.get);
  const transport = new LineTransport(io.stdin, io.stdout);
  let finish: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => { finish = resolve; });
  io.stdin.once('end', finish);
  io.stdin.once('close', finish);
  await server.connect(transport);
  server.onerror = (err) => void io.stderr.write(`llmr mcp: ${err.message}\n`);
  const protocolClose = transport.onclose;
  transport.onclose = () => { protocolClose?.(); finish(); };
  await closed;
  // closing the daemon connection aborts in-flight requests there: a running command's container is killed
  link.close();
  await server.close().catch(() => undefined);
  return EXIT.OK;
}
