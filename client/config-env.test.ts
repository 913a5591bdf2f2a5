import { describe, expect, it } from 'vitest';
import { clientConfigEnv, envMismatchWarning } from './config-env.js';

describe('client/config-env', () => {
  it('sends every LLMR_ variable but the socket, empty ones included', () => {
    const env = { LLMR_SOCKET: '/s', LLMR_POOL_SIZE: '3', LLMR_LOG_LEVEL: '', LLMR_TEST_X: '1', HOME: '/h', XLLMR_A: 'b', PATH: undefined };
    expect(clientConfigEnv(env)).toEqual({ LLMR_POOL_SIZE: '3', LLMR_LOG_LEVEL: '', LLMR_TEST_X: '1' });
  });

  it('says nothing when the daemon reports no difference or an old daemon reports nothing', () => {
    expect(envMismatchWarning([])).toBeUndefined();
    expect(envMismatchWarning(undefined)).toBeUndefined();
  });

  it('names the differing variables and how to apply them', () => {
    expect(envMismatchWarning(['LLMR_LOG_LEVEL', 'LLMR_POOL_SIZE'])).toBe(
      "llmr: LLMR_LOG_LEVEL, LLMR_POOL_SIZE differ from the running daemon's environment (it read its own at start); restart it to apply them: llmr daemon stop",
    );
    expect(envMismatchWarning(['LLMR_POOL_SIZE'])).toBe(
      "llmr: LLMR_POOL_SIZE differs from the running daemon's environment (it read its own at start); restart it to apply it: llmr daemon stop",
    );
  });
});
