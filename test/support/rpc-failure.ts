/**
 * What a JSON-RPC request to the daemon failed with, for tests: the llmr code (`OK` when it
 * succeeded, `NON_LLMR: …` when the error carried no llmr code), message, details and the output
 * a command printed before it failed.
 */
export interface RpcFailure {
  code: string;
  message: string;
  details?: string;
  output?: { stdout: string; stderr?: string };
}

export async function rpcFailure(p: Promise<unknown>): Promise<RpcFailure> {
  try {
    await p;
    return { code: 'OK', message: '' };
  } catch (err) {
    const e = err as { message?: string; data?: { code?: string; details?: string; output?: { stdout: string; stderr?: string } } };
    return { code: e.data?.code ?? `NON_LLMR: ${String(err)}`, message: e.message ?? '', details: e.data?.details, output: e.data?.output };
  }
}
