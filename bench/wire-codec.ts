/**
 * The frame body codec alone, in one process (no daemon, no Docker, so the machine's load moves it
 * little): an `io/read` answer of 1 MiB and 4 KiB, and an `io/write` request, encoded and decoded
 * as plain JSON (what a plain JSON-RPC client gets, and what llmr sent before protocol 3) and as a
 * tail frame (protocol/wire.ts). Microseconds per message, encode + decode, median of 9 runs.
 *
 *   npm run build && node dist/bench/wire-codec.js
 */
import { Utf8Text, decodeBody, encodeBody } from '../protocol/wire.js';

const KiB = 1024;

function sample(bytes: number, multibyte: boolean): Buffer {
  const line = multibyte ? 'añ€😀 ligne — 行 ✓\n' : 'const value = compute(a, "b\\tc");\n';
  return Buffer.from(line.repeat(Math.floor(bytes / Buffer.byteLength(line)))); // whole lines: valid UTF-8
}

function median(f: () => void, reps: number): number {
  const runs: number[] = [];
  for (let r = 0; r < 9; r += 1) {
    const t = performance.now();
    for (let i = 0; i < reps; i += 1) f();
    runs.push(((performance.now() - t) * 1000) / reps);
  }
  return runs.sort((a, b) => a - b)[4];
}

const cases: { name: string; reps: number; message: (b: Buffer, text: string) => unknown }[] = [
  { name: 'io/read answer', reps: 40, message: (b) => ({ jsonrpc: '2.0', id: 7, result: { path: 'f.txt', content: new Utf8Text(b), size: b.length, lineCount: 1, sha256: 'e'.repeat(64) } }) },
  { name: 'io/write request', reps: 40, message: (_b, text) => ({ jsonrpc: '2.0', id: 8, method: 'io/write', params: { root: '/repo', path: 'f.txt', content: text } }) },
];

process.stdout.write('| message | size | text | plain JSON µs | tail frame µs |\n|---|---:|---|---:|---:|\n');
for (const c of cases) {
  for (const size of [4 * KiB, 1024 * KiB]) {
    for (const multibyte of [false, true]) {
      const bytes = sample(size, multibyte);
      const text = bytes.toString('utf8');
      const reps = size > 64 * KiB ? c.reps : c.reps * 50;
      if (!decodeBody(Buffer.concat(encodeBody(c.message(bytes, text), true, true)), true).ok) throw new Error('sample does not decode');
      const plain = median(() => decodeBody(Buffer.concat(encodeBody(c.message(bytes, text), false)), false), reps);
      const tails = median(() => decodeBody(Buffer.concat(encodeBody(c.message(bytes, text), true, true)), true), reps);
      process.stdout.write(`| ${c.name} | ${size / KiB} KiB | ${multibyte ? 'UTF-8' : 'ASCII'} | ${plain.toFixed(0)} | ${tails.toFixed(0)} |\n`);
    }
  }
}
