import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSearch, type SearchConfig, type SearchService } from '../../daemon/search/service.js';

/**
 * An Ollama protocol double owned by the test (no real model exists on these machines): it
 * speaks `/api/tags` and `/api/embed`, embeds by hashing words into 256 dimensions (with a few
 * synonyms so that a vector can find what words cannot) and refuses inputs over 400 chars.
 */
interface Double { url: string; inputs: string[]; server: Server }
const SYNONYMS: Record<string, string> = { automobile: 'car', vehicle: 'car', motorcar: 'car' };

function embedText(text: string): number[] {
  const v = new Array<number>(256).fill(0);
  for (const raw of text.toLowerCase().replace(/^search_(document|query): /, '').match(/[a-z]+/g) ?? []) {
    const w = SYNONYMS[raw] ?? raw;
    let h = 0;
    for (const ch of w) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    v[h % 256] += 1;
  }
  return v;
}

function startDouble(models: string[]): Promise<Double> {
  const inputs: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/tags') return res.end(JSON.stringify({ models: models.map((name) => ({ name, model: name })) }));
      if (req.url !== '/api/embed') { res.statusCode = 404; return res.end('{"error":"not found"}'); }
      const { input, truncate } = JSON.parse(body) as { input: string[]; truncate?: boolean };
      inputs.push(...input);
      if (truncate === false && input.some((t) => t.length > 400)) {
        res.statusCode = 400;
        return res.end(JSON.stringify({ error: 'the input length exceeds the context length' }));
      }
      res.end(JSON.stringify({ model: 'nomic-embed-text', embeddings: input.map(embedText) }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, inputs, server });
  }));
}

const base: SearchConfig = {
  enabled: true, ollamaUrl: '', embeddingModel: 'nomic-embed-text', maxResults: 10,
  maxFileSize: 1 << 20, maxPreviewLength: 100, indexExtensions: ['.ts'],
};

async function until(what: string, probe: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!probe()) {
    if (Date.now() - t0 > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('search/ollama (Ollama protocol double over HTTP)', () => {
  let root: string;
  let cacheDir: string;
  let service: SearchService | undefined;
  let double: Double | undefined;
  const put = (rel: string, text: string): void => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  const start = async (ollamaUrl: string): Promise<SearchService> => {
    service = await createSearch({ root, cacheDir, config: { ...base, ollamaUrl }, isExcluded: () => false, log: pino({ level: 'silent' }), watch: false });
    await service.ready();
    return service;
  };

  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'llmr-ollama-root-')));
    cacheDir = mkdtempSync(join(tmpdir(), 'llmr-ollama-cache-'));
    put('src/garage.ts', 'export function parkTheCar(car: Car) {\n  garage.add(car);\n}\n');
    put('src/bakery.ts', 'export function bakeBread(flour: number) {\n  return oven.bake(flour);\n}\n');
    put('src/long.ts', Array.from({ length: 40 }, (_, i) => `export const entry${i} = "some padding text ${i}";`).join('\n'));
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
    await new Promise<void>((r) => (double ? double.server.close(() => r()) : r()));
    double = undefined;
    rmSync(root, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('fuses vectors from the Ollama protocol double when the model is present', async () => {
    double = await startDouble(['nomic-embed-text:latest']);
    const s = await start(double.url);
    await until('all chunks have vectors', () => s.status().vectorCoverage === 1);
    expect(s.status().ollama).toMatchObject({ inUse: true, model: 'nomic-embed-text', url: double.url });
    const bySynonym = await s.query('automobile');
    expect(bySynonym.mode).toBe('hybrid');
    expect(bySynonym.results.map((h) => h.path)).toEqual(['src/garage.ts']);
    const r = await s.query('where do I put my automobile');
    expect(r.mode).toBe('hybrid');
    expect(r.results[0].path).toBe('src/garage.ts');
    const docs = double.inputs.filter((t) => t.startsWith('search_document: '));
    expect(docs.length).toBeGreaterThanOrEqual(3);
    expect(double.inputs.filter((t) => t.startsWith('search_query: '))).toContain('search_query: where do I put my automobile');
    expect(double.inputs.every((t) => t.startsWith('search_document: ') || t.startsWith('search_query: '))).toBe(true);
  });

  it('splits a chunk too long for the model and retries with the halves', async () => {
    double = await startDouble(['nomic-embed-text:latest']);
    const s = await start(double.url);
    await until('all chunks have vectors', () => s.status().vectorCoverage === 1);
    const longDocs = double.inputs.filter((t) => t.includes('entry0 ') || t.includes('entry39 '));
    expect(longDocs.some((t) => t.length > 400)).toBe(true);
    expect(longDocs.some((t) => t.length <= 400)).toBe(true);
  });

  it('searches lexically and says why when the Ollama server is down', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const s = await start(`http://127.0.0.1:${closed}`);
    await until('ollama checked', () => !/not checked/.test(s.status().ollama.reason ?? ''));
    expect(s.status().ollama).toMatchObject({ inUse: false, reason: `ollama at http://127.0.0.1:${closed} is unreachable (ECONNREFUSED)` });
    const r = await s.query('parkTheCar');
    expect(r).toMatchObject({ mode: 'lexical' });
    expect(r.results[0].path).toBe('src/garage.ts');
  });

  it('searches lexically and says why when the model is absent', async () => {
    double = await startDouble(['llama3:latest']);
    const s = await start(double.url);
    await until('ollama checked', () => !/not checked/.test(s.status().ollama.reason ?? ''));
    expect(s.status().ollama.reason).toBe(`model nomic-embed-text is not available in ollama at ${double.url} (run: ollama pull nomic-embed-text)`);
    expect(s.status().vectors).toBe(0);
    expect((await s.query('bakeBread')).mode).toBe('lexical');
  });
});
