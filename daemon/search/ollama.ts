/**
 * The embedding client (the only module that imports `ollama`): availability of the server
 * and the model through `/api/tags`, batch embeddings through `/api/embed` with a deadline on
 * every call. Inputs that are too long for the model are split in two, embedded and averaged.
 */
import { Ollama } from 'ollama';
import { LlmrError } from '../../protocol/errors.js';

export type Probe = { ok: true } | { ok: false; reason: string };

export interface EmbedClient {
  readonly url: string;
  readonly model: string;
  probe(signal?: AbortSignal): Promise<Probe>;
  /** One unit-length vector per input (null where the model refused the input). */
  embed(texts: string[], kind: 'document' | 'query', signal?: AbortSignal): Promise<Array<Float32Array | null>>;
}

const MAX_SPLIT_DEPTH = 4;
const TOO_LONG = /context length|too long|exceeds|input length/i;

function prefixFor(model: string, kind: 'document' | 'query'): string {
  if (!model.startsWith('nomic-embed')) return '';
  return kind === 'document' ? 'search_document: ' : 'search_query: ';
}

function unit(v: number[]): Float32Array {
  const out = Float32Array.from(v);
  let n = 0;
  for (const x of out) n += x * x;
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < out.length; i++) out[i] /= n;
  return out;
}

function average(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) return a;
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return unit(Array.from(out));
}

function modelPresent(names: string[], model: string): boolean {
  const want = model.includes(':') ? model : `${model}:latest`;
  return names.some((n) => n === model || n === want);
}

/** Why a request failed, in words for `llmr status`. */
export function describeFailure(err: unknown, url: string): string {
  if (err instanceof LlmrError) return err.message; // already described by raw()
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string }; status_code?: number };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `ollama at ${url} did not answer in time`;
  if (e?.cause?.code || e?.cause?.message) return `ollama at ${url} is unreachable (${e.cause.code ?? e.cause.message})`;
  if (e?.status_code) return `ollama at ${url} answered ${e.status_code}: ${String(e.message).slice(0, 200)}`;
  return `ollama at ${url} failed: ${String(e?.message ?? err).slice(0, 200)}`;
}

/** No answer at all (connection refused, DNS, timeout), as opposed to an answer that is an error. */
function isUnreachable(err: unknown): boolean {
  return typeof (err as { status_code?: unknown } | null)?.status_code !== 'number';
}

function isTooLong(err: unknown): boolean {
  const e = err as { message?: string; status_code?: number };
  return typeof e?.status_code === 'number' && TOO_LONG.test(String(e.message));
}

function halves(text: string): [string, string] {
  const mid = Math.floor(text.length / 2);
  const nl = text.indexOf('\n', mid);
  const at = nl > 0 && nl < text.length - 1 ? nl + 1 : mid;
  return [text.slice(0, at), text.slice(at)];
}

/** An embedding client for `url` and `model`; every request is bounded by `timeoutMs`. */
export function createEmbedClient(url: string, model: string, timeoutMs = 30_000): EmbedClient {
  // A client per call, so each request carries its own deadline and caller's signal.
  const clientFor = (signal?: AbortSignal): Ollama => new Ollama({
    host: url,
    fetch: (input, init) => {
      const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
      return fetch(input, { ...init, signal: AbortSignal.any(signals) });
    },
  });
  const raw = async (texts: string[], signal?: AbortSignal): Promise<Float32Array[]> => {
    const res = await clientFor(signal).embed({ model, input: texts, truncate: false }).catch((err: unknown) => {
      if (isTooLong(err) || signal?.aborted) throw err; // split and retried, or the caller gave up
      throw new LlmrError(isUnreachable(err) ? 'OLLAMA_UNAVAILABLE' : 'EMBEDDING_FAILED', describeFailure(err, url), undefined, { cause: err });
    });
    if (res.embeddings.length !== texts.length) {
      throw new LlmrError('EMBEDDING_FAILED', `ollama at ${url} returned ${res.embeddings.length} embeddings for ${texts.length} inputs`);
    }
    return res.embeddings.map(unit);
  };
  const one = async (text: string, prefix: string, depth: number, signal?: AbortSignal): Promise<Float32Array | null> => {
    try {
      return (await raw([prefix + text], signal))[0];
    } catch (err) {
      if (!isTooLong(err)) throw err;
      if (depth >= MAX_SPLIT_DEPTH || text.length < 64) return null;
      const [a, b] = halves(text);
      const va = await one(a, prefix, depth + 1, signal);
      const vb = await one(b, prefix, depth + 1, signal);
      return va && vb ? average(va, vb) : (va ?? vb);
    }
  };
  return {
    url,
    model,
    async probe(signal) {
      try {
        const { models } = await clientFor(signal).list();
        if (modelPresent(models.map((m) => m.name), model)) return { ok: true };
        return { ok: false, reason: `model ${model} is not available in ollama at ${url} (run: ollama pull ${model})` };
      } catch (err) {
        return { ok: false, reason: describeFailure(err, url) };
      }
    },
    async embed(texts, kind, signal) {
      const prefix = prefixFor(model, kind);
      try {
        return await raw(texts.map((t) => prefix + t), signal);
      } catch (err) {
        if (!isTooLong(err)) throw err;
        const out: Array<Float32Array | null> = [];
        for (const t of texts) out.push(await one(t, prefix, 0, signal));
        return out;
      }
    },
  };
}
