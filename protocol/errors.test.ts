import { describe, expect, it } from 'vitest';
import { ERROR_CODES, EXIT, INTERNAL_MESSAGE, LlmrError, asLlmrError, exitStatus, isErrorCode, renderError, rpcNumber, type ErrorCode } from './errors.js';

const codes = Object.keys(ERROR_CODES) as ErrorCode[];
/** JSON-RPC 2.0 §5.1 (and LSP's -32800): the standard numbers llmr uses, each with its standard meaning. */
const STANDARD: Record<number, ErrorCode> = {
  [-32700]: 'PARSE_ERROR', [-32600]: 'INVALID_REQUEST', [-32602]: 'INVALID_PARAMS', [-32603]: 'INTERNAL', [-32800]: 'CANCELLED',
};

describe('protocol/errors', () => {
  it('gives every code an integer number and an exit status from EXIT', () => {
    const statuses = new Set<number>(Object.values(EXIT));
    for (const code of codes) {
      expect(Number.isInteger(rpcNumber(code)), code).toBe(true);
      expect(statuses.has(exitStatus(code)), code).toBe(true);
      expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/);
    }
  });

  it('uses each number once', () => {
    const numbers = codes.map(rpcNumber);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('keeps application numbers out of the JSON-RPC reserved range except the standard ones', () => {
    for (const code of codes) {
      const n = rpcNumber(code);
      if (n in STANDARD) expect(STANDARD[n], `${code} ${n}`).toBe(code);
      else expect(n, code).toBeLessThanOrEqual(-33000);
      expect(n >= -32099 && n <= -32000, `${code} ${n} is in the server-error range`).toBe(false);
    }
    for (const [n, code] of Object.entries(STANDARD)) expect(rpcNumber(code)).toBe(Number(n));
  });

  it('moved the old application numbers down by 1000', () => {
    expect(rpcNumber('COMMAND_NOT_FOUND')).toBe(-33001);
    expect(rpcNumber('INVALID_SYNTAX')).toBe(-33002);
    expect(rpcNumber('PATH_OUTSIDE_REPO')).toBe(-33010);
    expect(rpcNumber('AUDIT_TAMPERED')).toBe(-33072);
  });

  it('renders the error block with optional details, command and extra lines', () => {
    expect(renderError({ code: 'FILE_NOT_FOUND', message: 'a.txt is missing' }, '<open a.txt>')).toBe(
      '=== ERROR: FILE_NOT_FOUND ===\nMessage: a.txt is missing\nCommand: <open a.txt>\n=== END ERROR ===\n');
    expect(renderError({ code: 'EXEC_FAILED', message: 'exit 1', details: 'see output' }, '<exec make>', ['Exit code: 1'])).toBe(
      '=== ERROR: EXEC_FAILED ===\nMessage: exit 1\nDetails: see output\nCommand: <exec make>\nExit code: 1\n=== END ERROR ===\n');
    expect(renderError({ code: 'INTERNAL', message: 'm', details: '' })).toBe('=== ERROR: INTERNAL ===\nMessage: m\n=== END ERROR ===\n');
  });

  it('turns anything that is not an LlmrError into INTERNAL with the fixed message', () => {
    const e = asLlmrError(new Error('secret /home/x'));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toBe(INTERNAL_MESSAGE);
    expect(JSON.stringify(e.toData())).not.toContain('secret');
    const own = new LlmrError('PATH_EXCLUDED', '.env is excluded', 'by default');
    expect(asLlmrError(own)).toBe(own);
    expect(own.toData()).toEqual({ code: 'PATH_EXCLUDED', details: 'by default' });
  });

  it('recognises only the table\'s codes', () => {
    expect(isErrorCode('PATH_EXCLUDED')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('__proto__')).toBe(false);
    expect(isErrorCode(-33001)).toBe(false);
  });
});
