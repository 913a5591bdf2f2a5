import { describe, expect, it } from 'vitest';
import { Admission } from './envelope.js';

const req = (id: unknown, extra: object = {}): unknown => ({ jsonrpc: '2.0', id, method: 'daemon/status', ...extra });

describe('rpc/envelope', () => {
  it('passes requests, notifications and responses that follow JSON-RPC 2.0', () => {
    const a = new Admission(8);
    expect(a.admit(req(1))).toBeUndefined();
    expect(a.admit(req('abc', { params: {} }))).toBeUndefined();
    expect(a.admit({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 1 } })).toBeUndefined();
    expect(a.admit({ jsonrpc: '2.0', id: 9, result: null })).toBeUndefined();
    expect(a.size).toBe(2);
  });

  it('refuses a missing or other jsonrpc version with -32600', () => {
    const a = new Admission(8);
    expect(a.admit({ id: 1, method: 'm' })).toMatchObject({ id: 1, error: { code: -32600, message: '"jsonrpc" must be "2.0", got none' } });
    expect(a.admit({ jsonrpc: '1.0', id: 2, method: 'm' })).toMatchObject({ id: 2, error: { code: -32600, message: '"jsonrpc" must be "2.0", got "1.0"' } });
    expect(a.admit({ jsonrpc: 2, method: 'm' })).toMatchObject({ id: null, error: { code: -32600 } });
  });

  it('refuses ids that are objects, arrays, booleans, null or non-integers, answering with id null', () => {
    const a = new Admission(8);
    for (const id of [{}, [1], true, 1.5, null, 2 ** 60]) {
      expect(a.admit(req(id)), JSON.stringify(id)).toMatchObject({ id: null, error: { code: -32600, data: { code: 'INVALID_REQUEST' } } });
    }
    expect(a.size).toBe(0);
  });

  it('answers a batch, empty or not, with one clear -32600', () => {
    const a = new Admission(8);
    for (const batch of [[], [req(1), req(2)]]) {
      expect(a.admit(batch)).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batches are not supported: send one JSON-RPC message per frame', data: { code: 'INVALID_REQUEST' } } });
    }
  });

  it('refuses non-objects, a missing or non-string method, and params that are not an object', () => {
    const a = new Admission(8);
    expect(a.admit(5)).toMatchObject({ id: null, error: { code: -32600 } });
    expect(a.admit({ jsonrpc: '2.0', id: 1 })).toMatchObject({ id: 1, error: { code: -32600, message: 'a JSON-RPC request needs a "method"' } });
    expect(a.admit({ jsonrpc: '2.0', id: 2, method: 7 })).toMatchObject({ id: 2, error: { code: -32600 } });
    expect(a.admit(req(3, { params: [1, 2] }))).toMatchObject({ id: 3, error: { code: -32602, data: { code: 'INVALID_PARAMS' } } });
    expect(a.admit(req(4, { params: null }))).toMatchObject({ id: 4, error: { code: -32602 } });
  });

  it('refuses a second request with an id still in flight, and frees the id once answered', () => {
    const a = new Admission(8);
    expect(a.admit(req(7))).toBeUndefined();
    expect(a.admit(req(7))).toMatchObject({ id: 7, error: { code: -32600, message: expect.stringContaining('already in flight') } });
    expect(a.admit(req('7'))).toBeUndefined(); // "7" is another id than 7
    a.answered(7);
    expect(a.admit(req(7))).toBeUndefined();
  });

  it('answers DAEMON_BUSY beyond the in-flight limit', () => {
    const a = new Admission(2);
    expect(a.admit(req(1))).toBeUndefined();
    expect(a.admit(req(2))).toBeUndefined();
    expect(a.admit(req(3))).toMatchObject({ id: 3, error: { code: -33081, data: { code: 'DAEMON_BUSY' } } });
    a.answered(1);
    expect(a.admit(req(3))).toBeUndefined();
  });
});
