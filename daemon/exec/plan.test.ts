import { describe, expect, it } from 'vitest';
import { KEYS } from '../config/schema.js';
import { LlmrError, type ErrorCode } from '../../protocol/errors.js';
import type { ExecParams, ExecResult } from '../../protocol/exec.js';
import { networkPrefix } from './network.js';
import { planCommand } from './policy.js';
import { runPlan, shapeStep } from './plan-run.js';
import { AGENT_PROFILE, EXEC_PROFILES, effectiveWhitelist } from './profiles.js';

const ORIGINAL = ['go test', 'go build', 'npm test', 'make'];
const agent = { whitelist: effectiveWhitelist('agent', ORIGINAL), allowShell: false, roots: ['/home/dev/p'] };
const original = { whitelist: effectiveWhitelist('original', ORIGINAL), allowShell: false };

async function failure(p: Promise<unknown> | (() => unknown)): Promise<LlmrError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof LlmrError) return err;
    throw err;
  }
  throw new Error('expected an LlmrError');
}

async function expectCode(fn: () => unknown, code: ErrorCode, message: RegExp): Promise<LlmrError> {
  const err = await failure(fn);
  expect(err.code).toBe(code);
  expect(err.message).toMatch(message);
  return err;
}

describe('daemon/exec profiles and plans', () => {
  it('offers the agent profile by default and keeps the original list available', () => {
    const profile = KEYS.find((k) => k.key === 'commands.exec.profile');
    expect(profile?.default).toBe('agent');
    expect(profile?.values).toEqual([...EXEC_PROFILES]);
    expect(KEYS.find((k) => k.key === 'commands.exec.whitelist')?.default).toEqual(ORIGINAL);
    expect(effectiveWhitelist('original', ORIGINAL)).toEqual(ORIGINAL);
    const merged = effectiveWhitelist('agent', [...ORIGINAL, 'cargo test']);
    expect(merged.slice(0, AGENT_PROFILE.length)).toEqual(AGENT_PROFILE);
    expect(merged.filter((e) => e === 'go test')).toHaveLength(1);
    expect(merged.at(-1)).toBe('cargo test');
  });

  it.each([
    'python3 repro.py', 'python3 -m pytest -q', 'pytest tests/', 'go test ./...', 'go vet ./...', 'npm test', 'npm run lint',
    'grep -rn TODO .', 'sed -n 1,20p a.go', 'cat a.txt', 'head -5 a', 'tail -n 3 a', 'find . -name *.py', 'ls -la', 'wc -l a',
    'diff a b', 'git status', 'git diff --stat', 'git log -5', 'git show HEAD', 'git blame a.go', 'rm -f /tmp/x', 'mv a b',
    'cp a b', 'mkdir -p /tmp/scratch',
  ])('lets the agent profile run %j', (command) => {
    expect(planCommand(command, agent).steps).toHaveLength(1);
  });

  it.each(['python3 repro.py', 'grep -rn TODO .', 'git status', 'rm -f x'])('keeps %j out of the original profile', async (command) => {
    await expectCode(() => planCommand(command, original), 'COMMAND_NOT_WHITELISTED', /^command not in whitelist: /);
  });

  it.each(['sh -c id', 'bash', 'git commit -m x', 'git push', 'sudo ls', 'env ls', 'xargs rm'])('keeps %j out of the agent profile', async (command) => {
    const err = await failure(() => planCommand(command, agent));
    expect(['COMMAND_NOT_WHITELISTED', 'NETWORK_DISABLED']).toContain(err.code);
  });

  it('checks every step of a chain before anything runs, naming the one refused', async () => {
    expect(planCommand('cd /home/dev/p && go test ./... && git diff 2>&1 | tail -5', agent).steps.map((s) => s.argv[0])).toEqual(['go', 'git']);
    const err = await expectCode(() => planCommand('ls && cat /etc/passwd && sh -c id', agent), 'COMMAND_NOT_WHITELISTED', /^command not in whitelist: sh -c id \(command 3 of 3\)$/);
    expect(err.details).toMatch(/^whitelist: python3, /);
    await expectCode(() => planCommand('go test && FOO=1 make', agent), 'COMMAND_NOT_WHITELISTED', /environment assignments are not allowed: FOO=/);
    await expectCode(() => planCommand('ls | sh', agent), 'COMMAND_NOT_WHITELISTED', /^pipe into sh is not allowed/);
  });

  it('keeps one sh -c step when allow_shell is on, gated by its first command', async () => {
    const plan = planCommand('go test ./... | grep FAIL; echo done', { ...agent, allowShell: true });
    expect(plan).toEqual({ shell: true, steps: [{ argv: ['sh', '-c', 'go test ./... | grep FAIL; echo done'], mergeStderr: false, filters: [] }] });
    await expectCode(() => planCommand('bash -c id', { ...agent, allowShell: true }), 'COMMAND_NOT_WHITELISTED', /not in whitelist/);
  });

  describe('network', () => {
    it.each([
      ['pip install requests', 'pip install'], ['pip3 install -r requirements.txt', 'pip3 install'],
      ['python3 -m pip install -e .', 'python3 -m pip install'], ['npm install', 'npm install'], ['npm i left-pad', 'npm i'],
      ['npm ci', 'npm ci'], ['go mod download', 'go mod download'], ['go get example.com/x@v1', 'go get'],
      ['go install example.com/cmd@latest', 'go install …@version'], ['git clone https://x/y', 'git clone'], ['curl -O x', 'curl'],
    ])('refuses %j before it runs, in one line saying the network is off', async (command, prefix) => {
      const err = await expectCode(() => planCommand(command, agent), 'NETWORK_DISABLED', new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} needs the network, but <exec> commands run with the network off`));
      expect(err.message).not.toContain('\n');
      expect(err.message).toMatch(/install dependencies on the host into the repository/);
    });

    it('lets exactly the network_commands prefixes through, as networked steps, and no others', async () => {
      const net = { ...original, networkCommands: ['npm ci', 'pip install -r requirements.txt'] };
      expect(planCommand('npm ci --no-audit', net).steps).toEqual([{ argv: ['npm', 'ci', '--no-audit'], mergeStderr: false, filters: [], networked: true }]);
      expect(planCommand('pip install -r requirements.txt', net).steps[0].networked).toBe(true);
      const err = await expectCode(() => planCommand('pip install requests', net), 'NETWORK_DISABLED', /^pip install needs the network/);
      expect(err.details).toMatch(/commands\.exec\.network_commands in your user config/);
      await expectCode(() => planCommand('npm ci && curl -O x', net), 'NETWORK_DISABLED', /^curl needs the network/);
      expect(planCommand('go test', net).steps[0].networked).toBeUndefined();
      await expectCode(() => planCommand('npm cix', net), 'COMMAND_NOT_WHITELISTED', /not in whitelist/);
      await expectCode(() => planCommand('npm ci', { ...net, allowShell: true }), 'NETWORK_DISABLED', /^npm ci needs the network/);
    });

    it('refuses a networked step of a chain before the first step runs', async () => {
      await expectCode(() => planCommand('cd . && go test && npm install', agent), 'NETWORK_DISABLED', /^npm install needs the network/);
    });

    it.each([['pip install --no-index -r req.txt'], ['npm install --offline'], ['go install ./cmd/tool'], ['npm test'], ['git log']])(
      'lets %j through as offline', (command) => {
        expect(networkPrefix(command.split(' '))).toBeUndefined();
      });
  });

  describe('running a plan', () => {
    const ok = (stdout: string, stderr = '', exitCode = 0): ExecResult => ({ exitCode, durationMs: 1, stdout, stderr, omittedBytes: 0 });
    const params: ExecParams = { root: '/r', command: 'x', stdin: 'in', timeoutMs: 5000 };

    it('runs steps in order, gives stdin to the first only, stops at the first failure, keeps all output', async () => {
      const plan = planCommand('go test && make 2>&1 | tail -1 && go build', agent);
      const seen: { argv: string[]; stdin?: string; timeoutMs?: number }[] = [];
      const results = [ok('t1\nt2\n', 'w\n'), ok('m1\nm2\n', 'E\n', 2), ok('never')];
      const r = await runPlan(plan, params, 5000, async (step, p) => {
        seen.push({ argv: step.argv, stdin: p.stdin, timeoutMs: p.timeoutMs });
        return results[seen.length - 1];
      });
      expect(seen.map((s) => s.argv.join(' '))).toEqual(['go test', 'make']);
      expect(seen.map((s) => s.stdin)).toEqual(['in', undefined]);
      expect(seen.every((s) => (s.timeoutMs ?? 0) > 0 && (s.timeoutMs ?? 0) <= 5000)).toBe(true);
      expect(r).toEqual({ exitCode: 2, durationMs: 1, stdout: 't1\nt2\nE\n', stderr: 'w\n', omittedBytes: 0 });
    });

    it('merges stderr for 2>&1 and filters only that step', () => {
      const step = { argv: ['x'], mergeStderr: true, filters: [{ kind: 'head' as const, lines: 1 }] };
      expect(shapeStep(step, ok('a\nb\n', 'tail-of-capped-stderr\n'))).toMatchObject({ stdout: 'a\n', stderr: '' });
      expect(shapeStep({ ...step, mergeStderr: false }, ok('a\nb\n', 'e\n'))).toMatchObject({ stdout: 'a\n', stderr: 'e\n' });
    });

    it('keeps the output of earlier steps in the error of a later one', async () => {
      const plan = planCommand('go test && make', agent);
      let n = 0;
      const err = await failure(runPlan(plan, params, 5000, async () => {
        n += 1;
        if (n === 1) return ok('first\n');
        throw new LlmrError('COMMAND_TIMEOUT', 'command timed out', undefined, { output: { stdout: 'second\n', stderr: '', durationMs: 9 } });
      }));
      expect(err.code).toBe('COMMAND_TIMEOUT');
      expect(err.output).toEqual({ stdout: 'first\nsecond\n', stderr: '', durationMs: 9 });
    });
  });
});
