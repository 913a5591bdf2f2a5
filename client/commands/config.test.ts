import { describe, expect, it } from 'vitest';
import { formatExplain, formatPaths, showDuration, showSize } from './config.js';

describe('client/commands/config', () => {
  it('shows sizes and durations the way the config writes them', () => {
    expect([showSize(1024 * 1024), showSize(100 * 1024), showSize(1000), showSize(2 * 1024 ** 3)]).toEqual(['1m', '100k', '1000', '2g']);
    expect([showDuration(300_000), showDuration(30_000), showDuration(250), showDuration(1500)]).toEqual(['5m', '30s', '250ms', '1500ms']);
  });

  it('prints the files, the environment and one aligned line per key with its source', () => {
    const r = {
      userFile: '/h/.config/llmr/config.yaml', userFileExists: false, repositoryFile: '/r/llm-runtime.config.yaml', repositoryFileExists: true,
      environment: ['LLMR_POOL_SIZE'],
      values: [
        { key: 'commands.exec.timeout_seconds', value: 20, type: 'seconds', source: 'repository' as const, where: '/r/llm-runtime.config.yaml' },
        { key: 'container_pool.size', value: 2, type: 'int', source: 'environment' as const, where: 'LLMR_POOL_SIZE' },
        { key: 'container_pool.idle_timeout', value: 300_000, type: 'duration', source: 'default' as const },
      ],
    };
    expect(formatPaths(r)).toBe('user:        /h/.config/llmr/config.yaml (not present)\nrepository:  /r/llm-runtime.config.yaml\n');
    const text = formatExplain(r);
    expect(text).toContain('environment: LLMR_POOL_SIZE (read when the daemon started; after a change: llmr daemon stop)\n');
    expect(text).toContain('commands.exec.timeout_seconds  20s  repository (/r/llm-runtime.config.yaml)\n');
    expect(text).toContain('container_pool.size            2    environment (LLMR_POOL_SIZE)\n');
    expect(text).toContain('container_pool.idle_timeout    5m   default\n');
  });
});
