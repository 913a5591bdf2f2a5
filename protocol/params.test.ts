import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RequestType, RequestType0 } from 'vscode-jsonrpc';
import * as protocol from './index.js';
import { ExecParamsSchema, NoParamsSchema, PARAMS_SCHEMAS, ReadParamsSchema, checkParams } from './params.js';

const problem = (method: string, params: unknown): string => {
  const r = checkParams(PARAMS_SCHEMAS[method], method, params);
  return r.ok ? 'ok' : `${r.problem.field} | ${r.problem.message}`;
};

describe('protocol/params', () => {
  it('has a schema for every request method protocol/ declares', () => {
    const methods = Object.values(protocol)
      .filter((v): v is RequestType<unknown, unknown, unknown> => v instanceof RequestType || v instanceof RequestType0)
      .map((t) => t.method);
    expect(methods.length).toBeGreaterThan(8);
    for (const m of methods) expect(Object.keys(PARAMS_SCHEMAS), m).toContain(m);
  });

  it('names an unknown field, and says which fields the method takes', () => {
    expect(problem('exec/run', { argv: 'ls' })).toBe('argv | exec/run: unknown field "argv" (exec/run takes root, command, stdin, timeoutMs, streamToken)');
    expect(problem('daemon/status', { verbose: true })).toBe('verbose | daemon/status: unknown field "verbose" (daemon/status takes no params)');
    expect(problem('io/read', { root: '/r', path: 'a', lines: { from: 1, to: 2, step: 1 } })).toBe('lines.step | io/read: unknown field "lines.step"');
  });

  it('names a missing or mistyped field', () => {
    expect(problem('exec/run', { root: '/r' })).toBe('command | exec/run: field "command" is missing');
    expect(problem('io/read', { root: '/r', path: 1 })).toBe('path | io/read: field "path" expected string, received number');
    expect(problem('io/read', { root: '/r', path: 'a', lines: { from: 1.5, to: 2 } })).toMatch(/^lines\.from \| io\/read: field "lines.from" /);
    expect(problem('io/read', null)).toBe('params | io/read: params expected object, received null');
    expect(problem('exec/run', { root: '/r', command: 'ls', timeoutMs: -5 })).toMatch(/^timeoutMs \|/);
  });

  it('refuses __proto__ and constructor keys as unknown fields, without touching prototypes', () => {
    const params = JSON.parse('{"root":"/r","path":"a","__proto__":{"polluted":true}}') as unknown;
    expect(problem('io/read', params)).toMatch(/^__proto__ \| io\/read: unknown field "__proto__"/);
    expect(problem('io/write', { root: '/r', path: 'a', content: '', constructor: { prototype: {} } })).toMatch(/^constructor \|/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts an absent params member or {} for methods that take none', () => {
    expect(problem('daemon/status', {})).toBe('ok');
    expect(problem('daemon/shutdown', {})).toBe('ok');
    expect(NoParamsSchema.safeParse({}).success).toBe(true);
  });

  it('returns the parsed params typed as the protocol types', () => {
    const r = checkParams(ReadParamsSchema, 'io/read', { root: '/r', path: 'a', lines: { from: 1, to: 3 } });
    const typed: protocol.ReadParams | undefined = r.ok ? r.value : undefined;
    expect(typed).toEqual({ root: '/r', path: 'a', lines: { from: 1, to: 3 } });
    const e: protocol.ExecParams = { root: '/r', command: 'ls' };
    expect(ExecParamsSchema.safeParse(e).success).toBe(true);
  });

  it('keeps zod out of the client at run time: other protocol modules import it and params.ts as types only', () => {
    for (const f of readdirSync(new URL('.', import.meta.url)).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts') && n !== 'params.ts')) {
      const text = readFileSync(new URL(f, import.meta.url), 'utf8');
      expect(text, f).not.toMatch(/import\s+\{[^}]*\}\s+from\s+'(zod|\.\/params\.js)'/);
      expect(text, f).not.toMatch(/export \* from '\.\/params\.js'/);
    }
  });
});
