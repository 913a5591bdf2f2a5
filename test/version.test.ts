import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LLMR_VERSION } from '../protocol/daemon.js';

describe('version', () => {
  it('keeps LLMR_VERSION equal to the package version', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(LLMR_VERSION).toBe(pkg.version);
  });
});
