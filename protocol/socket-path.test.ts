import { describe, expect, it } from 'vitest';
import { LlmrError } from './errors.js';
import { MAX_SOCKET_PATH_BYTES, checkSocketPath, socketPath } from './socket-path.js';

describe('protocol/socket-path', () => {
  it('prefers LLMR_SOCKET, then XDG_RUNTIME_DIR, then ~/.llmr/run', () => {
    expect(socketPath({ LLMR_SOCKET: '/s.sock', XDG_RUNTIME_DIR: '/run/user/1' }, '/h')).toBe('/s.sock');
    expect(socketPath({ XDG_RUNTIME_DIR: '/run/user/1' }, '/h')).toBe('/run/user/1/llmr/daemon.sock');
    expect(socketPath({}, '/h')).toBe('/h/.llmr/run/daemon.sock');
  });

  it('accepts a path of exactly the sun_path limit and refuses one byte more, naming limit, path and LLMR_SOCKET', () => {
    const fits = `/${'a'.repeat(MAX_SOCKET_PATH_BYTES - 1)}`;
    expect(() => checkSocketPath(fits)).not.toThrow();
    const long = `${fits}b`;
    let err: unknown;
    try { checkSocketPath(long); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(LlmrError);
    const e = err as LlmrError;
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toBe(`socket path ${long} is 108 bytes long; a Unix socket path may have at most 107 bytes (sun_path)`);
    expect(e.details).toContain('LLMR_SOCKET=');
  });

  it('counts bytes, not characters', () => {
    expect(() => checkSocketPath(`/${'é'.repeat(54)}`)).toThrow(/109 bytes/);
  });
});
