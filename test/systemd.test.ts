import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const units = ['systemd/llmr.socket', 'systemd/llmr.service'];

describe('systemd units', () => {
  it('pass systemd-analyze verify as user units', () => {
    const runtime = mkdtempSync(path.join(os.tmpdir(), 'llmr-xdg-'));
    try {
      const r = spawnSync('systemd-analyze', ['verify', '--user', ...units], {
        encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtime },
      });
      expect(r.error, 'systemd-analyze must be installed (apt-get install systemd)').toBeUndefined();
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    } finally {
      rmSync(runtime, { recursive: true, force: true });
    }
  });

  it('hands the inherited socket to the daemon process itself', async () => {
    const { readFileSync } = await import('node:fs');
    const service = readFileSync('systemd/llmr.service', 'utf8');
    const socket = readFileSync('systemd/llmr.socket', 'utf8');
    expect(service).toMatch(/^ExecStart=\/usr\/bin\/env llmrd /m);
    expect(socket).toMatch(/^SocketMode=0600$/m);
    expect(socket).toMatch(/^DirectoryMode=0700$/m);
    expect(socket).toMatch(/^ListenStream=%t\/llmr\/daemon\.sock$/m);
  });

  it('finds llmrd and node where Volta, fnm and nvm (current symlink) put them', async () => {
    const { mkdirSync, readFileSync, symlinkSync, writeFileSync } = await import('node:fs');
    const service = readFileSync('systemd/llmr.service', 'utf8');
    const unitPath = /^Environment=PATH=(.*)$/m.exec(service)?.[1];
    expect(unitPath).toBeDefined();
    for (const bin of ['.volta/bin', '.local/share/fnm/aliases/default/bin', '.nvm/current/bin']) {
      const home = mkdtempSync(path.join(os.tmpdir(), 'llmr-unit-home-'));
      try {
        mkdirSync(path.join(home, bin), { recursive: true });
        symlinkSync(process.execPath, path.join(home, bin, 'node'));
        writeFileSync(path.join(home, bin, 'llmrd'), '#!/bin/sh\n', { mode: 0o755 }); // stands in for the installed llmrd (no build needed)
        const PATH = (unitPath ?? '').replaceAll('%h', home);
        const r = spawnSync('/usr/bin/env', ['sh', '-c', 'command -v llmrd; command -v node'], { encoding: 'utf8', env: { PATH } });
        expect(r.stdout, bin).toBe(`${path.join(home, bin, 'llmrd')}\n${path.join(home, bin, 'node')}\n`);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    }
  });
});
