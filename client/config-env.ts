/**
 * The client's half of the config-variable check: the daemon reads `LLMR_*` once, at start, so a
 * client whose environment says otherwise is told that a restart applies it.
 */
type Env = Record<string, string | undefined>;

/** Variables of the client alone, never sent: where the socket is. */
const CLIENT_ONLY: ReadonlySet<string> = new Set(['LLMR_SOCKET']);

/** Every `LLMR_*` variable of `env` but `LLMR_SOCKET`, for `daemon/hello`'s `env`. */
export function clientConfigEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('LLMR_') && !CLIENT_ONLY.has(name) && value !== undefined) out[name] = value;
  }
  return out;
}

/** The stderr line for config variables the running daemon does not share; undefined when there are none. */
export function envMismatchWarning(names: readonly string[] | undefined): string | undefined {
  if (names === undefined || names.length === 0) return undefined;
  const verb = names.length === 1 ? 'differs' : 'differ';
  return `llmr: ${names.join(', ')} ${verb} from the running daemon's environment (it read its own at start); restart it to apply ${names.length === 1 ? 'it' : 'them'}: llmr daemon stop`;
}
