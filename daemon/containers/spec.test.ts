import { describe, expect, it } from 'vitest';
import { buildSpec, type SpecInput } from './spec.js';

const base: SpecInput = {
  kind: 'io-read', root: '/repo:with,odd chars', uid: 1000, gid: 1001, image: 'llmr-io:latest', instance: 'abc',
  limits: { memoryBytes: 64 << 20, nanoCpus: 1e9, pidsLimit: 32, tmpfsBytes: 1 << 20 }, lifetimeSeconds: 600,
};

describe('containers/spec', () => {
  it('runs as the repository owner with the repository read-only for reads', () => {
    const s = buildSpec(base);
    expect(s.user).toBe('1000:1001');
    expect(s.readonlyRootfs).toBe(true);
    expect(s.mounts).toEqual([{ source: '/repo:with,odd chars', target: '/workspace', readOnly: true }]);
    expect(s.tmpfs['/tmp']).toMatch(/noexec/);
    expect(s.labels['llmr.kind']).toBe('io-read');
    expect(s.labels['llmr.daemon']).toBe('abc');
  });

  it('caps the helper lifetime with fixed argv, never a shell string', () => {
    const s = buildSpec(base);
    expect(s.entrypoint).toEqual(['/usr/local/bin/llmr-helper']); // the image's baked helper (llmr's own images)
    expect(s.cmd).toEqual(['/workspace', '--socket', '/.llmr-sock/s', '--lifetime', '600']);
  });

  it('tells the exec helper which paths are masks and the identities of the mask sources', () => {
    const s = buildSpec({
      ...base, kind: 'exec', maskFiles: ['.env', 'a b/x.key'], maskDirs: ['.git'], emptyFile: '/s/f', emptyDir: '/s/d',
      maskIds: { file: '2049:11', dir: '2049:12' },
    });
    expect(s.cmd).toEqual(['/workspace', '--socket', '/.llmr-sock/s', '--lifetime', '600', '--masks', '2049:11', '2049:12', 'f:.env', 'f:a b/x.key', 'd:.git']);
    expect(buildSpec({ ...base, maskFiles: ['.env'], maskIds: { file: '1:1', dir: '1:2' } }).cmd).toHaveLength(5); // io: no masks
    expect(buildSpec({ ...base, kind: 'exec', reusable: true }).cmd).toEqual(['/workspace', '--socket', '/.llmr-sock/s', '--lifetime', '600', '--reusable']);
    expect(buildSpec({ ...base, reusable: true }).cmd).not.toContain('--reusable'); // io containers never clean
  });

  it('mounts llmr\'s own helper read-only as the entrypoint, which caps its own life (no timeout in the image)', () => {
    const s = buildSpec({ ...base, kind: 'exec', helperBinary: '/data/llmr/helper/llmr-helper', maskFiles: ['.env'], emptyFile: '/s/f', emptyDir: '/s/d', maskIds: { file: '1:2', dir: '1:3' } });
    expect(s.entrypoint).toEqual(['/.llmr-helper']);
    expect(s.cmd).toEqual(['/workspace', '--socket', '/.llmr-sock/s', '--lifetime', '600', '--masks', '1:2', '1:3', 'f:.env']);
    expect(s.mounts).toContainEqual({ source: '/data/llmr/helper/llmr-helper', target: '/.llmr-helper', readOnly: true });
    expect(s.readonlyRootfs).toBe(true);
    expect(buildSpec(base).entrypoint).toEqual(['/usr/local/bin/llmr-helper']);
  });

  it('mounts the repository writable for writes with .git re-mounted read-only', () => {
    const s = buildSpec({ ...base, kind: 'io-write', readOnlyPaths: ['.git'] });
    expect(s.mounts).toEqual([
      { source: base.root, target: '/workspace', readOnly: false },
      { source: `${base.root}/.git`, target: '/workspace/.git', readOnly: true },
    ]);
  });

  it('masks excluded files and directories in exec containers and lets /tmp hold executables', () => {
    const s = buildSpec({ ...base, kind: 'exec', maskFiles: ['.env'], maskDirs: ['secrets'], emptyDir: '/state/empty', emptyFile: '/state/empty-file', maskVersion: 'v1' });
    expect(s.mounts).toContainEqual({ source: '/state/empty-file', target: '/workspace/.env', readOnly: true });
    expect(s.mounts).toContainEqual({ source: '/state/empty', target: '/workspace/secrets', readOnly: true });
    expect(s.tmpfs['/tmp']).toMatch(/(^|,)exec,/);
    expect(s.labels['llmr.masks']).toBe('v1');
  });
});
