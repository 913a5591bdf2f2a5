import { describe, expect, it } from 'vitest';
import { LlmrError } from '../../protocol/errors.js';
import { ACCEPTED_FORMS, applyFilters, normalizeCommand, parseFilter, type PlanStep } from './normalize.js';

const ROOT = '/home/dev/project';

function refusal(fn: () => unknown): LlmrError {
  try {
    fn();
  } catch (err) {
    if (err instanceof LlmrError) return err;
    throw err;
  }
  throw new Error('expected an LlmrError, nothing was thrown');
}

const step = (argv: string[], extra: Partial<PlanStep> = {}): PlanStep => ({ argv, mergeStderr: false, filters: [], ...extra });

describe('daemon/exec/normalize', () => {
  describe('accepted forms', () => {
    it.each([
      ['go test ./...', [step(['go', 'test', './...'])]],
      ['cd /workspace && go test ./...', [step(['go', 'test', './...'])]],
      ['cd /workspace/ && ls', [step(['ls'])]],
      [`cd ${ROOT} && ls`, [step(['ls'])]],
      [`cd ${ROOT}/ && ls`, [step(['ls'])]],
      [`cd '${ROOT}' && ls`, [step(['ls'])]],
      ['cd . && ls', [step(['ls'])]],
      ['cd ./ && ls', [step(['ls'])]],
      ['pytest 2>&1', [step(['pytest'], { mergeStderr: true })]],
      ['pytest -q 2>&1 | tail -5', [step(['pytest', '-q'], { mergeStderr: true, filters: [{ kind: 'tail', lines: 5 }] })]],
      ['cd /workspace && python3 repro.py 2>&1 | tail -5',
        [step(['python3', 'repro.py'], { mergeStderr: true, filters: [{ kind: 'tail', lines: 5 }] })]],
      ['grep -rn X . | head -20', [step(['grep', '-rn', 'X', '.'], { filters: [{ kind: 'head', lines: 20 }] })]],
      ['ls|head -3', [step(['ls'], { filters: [{ kind: 'head', lines: 3 }] })]],
      ['git log | head -n 40 | tail -n 10',
        [step(['git', 'log'], { filters: [{ kind: 'head', lines: 40 }, { kind: 'tail', lines: 10 }] })]],
      ['grep -rn X . && grep -c Y a.txt', [step(['grep', '-rn', 'X', '.']), step(['grep', '-c', 'Y', 'a.txt'])]],
      ['a&&b', [step(['a']), step(['b'])]],
      ['make 2>&1 && go test 2>&1 | tail -3',
        [step(['make'], { mergeStderr: true }), step(['go', 'test'], { mergeStderr: true, filters: [{ kind: 'tail', lines: 3 }] })]],
      [`grep '&&' x.txt`, [step(['grep', '&&', 'x.txt'])]],
      [`grep "a | b" x`, [step(['grep', 'a | b', 'x'])]],
      [`echo '2>&1'`, [step(['echo', '2>&1'])]],
    ])('plans %j', (command, steps) => {
      expect(normalizeCommand(command, [ROOT])).toEqual({ steps, shell: false });
    });
  });

  describe('refused forms name the native alternative', () => {
    it.each([
      ['ls | sh', /^pipe into sh is not allowed: commands run without a shell; only \| head -N and \| tail -N/, /<grep>.*<list>.*<write>/],
      ['ls | grep x', /^pipe into grep x is not allowed/, /search file contents with <grep>/],
      ['cat a | wc -l', /^pipe into wc -l is not allowed/, /<grep>/],
      ['ls | head -c 5', /^pipe into head -c 5 is not allowed/, /<grep>/],
      ['echo x > out.txt', /^output redirection > is not allowed/, /<write>/],
      ['echo x >> out.txt', /^output redirection >> is not allowed/, /<write>/],
      ['echo x2>&1', /^output redirection >& is not allowed/, /<write>/],
      ['go test 1>&2', /^output redirection >& is not allowed/, /<write>/],
      ['go test 2>/dev/null', /^output redirection > is not allowed/, /<write>/],
      ['go test &> log', /^output redirection &> is not allowed/, /<write>/],
      ['go test 2>&1x', /^output redirection >& is not allowed/, /<write>/],
      ["go test '2'>&1", /^output redirection >& is not allowed/, /<write>/],
      ['python3 < in.txt', /^input redirection < is not allowed/, /<open>/],
      ['cat <<EOF', /^input redirection << is not allowed/, /<open>/],
      ['a; b', /^; is not allowed: commands run without a shell; chain commands with &&/, /<grep>/],
      ['a || b', /^shell operator \|\| is not allowed/, /<grep>/],
      ['sleep 5 &', /^shell operator & is not allowed/, /<grep>/],
      ['(cd /workspace && ls)', /^shell operator \( is not allowed/, /<grep>/],
      ['ls |& cat', /^shell operator \|& is not allowed/, /<grep>/],
      ['echo $HOME', /^variable expansion \$HOME is not allowed/, /commands\.exec\.env/],
      ['echo ${HOME}', /^parameter expansion \$\{ is not allowed/, /commands\.exec\.env/],
      ['echo $(id)', /^command substitution \$\( is not allowed/, /run the inner command on its own/],
      ['echo `id`', /^command substitution ` is not allowed/, /run the inner command on its own/],
      ['ls # list', /^shell comment # is not allowed/, /<list>/],
      ['cd /tmp && ls', /^cd \/tmp is not allowed: commands run in the repository root/, /drop the cd/],
      ['cd src && go test', /^cd src is not allowed/, /drop the cd/],
      ['cd .. && ls', /^cd \.\. is not allowed/, /drop the cd/],
      [`cd ${ROOT}/sub && ls`, /^cd \/home\/dev\/project\/sub is not allowed/, /drop the cd/],
      ['cd /workspace', /^cd alone does nothing/, /cd <root> &&/],
      ['cd /workspace 2>&1 && ls', /^cd \/workspace is not allowed/, /drop the cd/],
      ['go test | tail -5 2>&1', /^2>&1 is accepted only at the end of a command, before any \| head/, /<grep>/],
      ['go test 2>&1 -v', /^2>&1 is accepted only at the end of a command/, /<grep>/],
    ])('refuses %j', (command, message, details) => {
      const err = refusal(() => normalizeCommand(command, [ROOT]));
      expect(err.code).toBe('COMMAND_NOT_WHITELISTED');
      expect(err.message).toMatch(message);
      expect(err.details).toMatch(details);
      expect(err.details).toContain(ACCEPTED_FORMS);
    });

    it('leaves a cd that is not leading to the whitelist (it is an ordinary command there)', () => {
      expect(normalizeCommand('ls && cd /workspace && ls', [ROOT]).steps.map((s) => s.argv[0])).toEqual(['ls', 'cd', 'ls']);
    });

    it.each([
      ['&& ls', /&& needs a command on both sides/],
      ['ls &&', /&& needs a command on both sides/],
      ['ls && && ls', /&& needs a command on both sides/],
      ['| head', /a pipe \| needs a command on both sides/],
      ['ls |', /a pipe \| needs a command on both sides/],
      ['2>&1', /2>&1 needs a command before it/],
      ["ls 'x", /unbalanced single quote/],
    ])('refuses %j as INVALID_SYNTAX', (command, message) => {
      const err = refusal(() => normalizeCommand(command, [ROOT]));
      expect(err.code).toBe('INVALID_SYNTAX');
      expect(err.message).toMatch(message);
    });
  });

  describe('head and tail', () => {
    it.each([
      [['head'], { kind: 'head', lines: 10 }],
      [['head', '-3'], { kind: 'head', lines: 3 }],
      [['head', '-n', '3'], { kind: 'head', lines: 3 }],
      [['head', '-n3'], { kind: 'head', lines: 3 }],
      [['tail'], { kind: 'tail', lines: 10 }],
      [['tail', '-5'], { kind: 'tail', lines: 5 }],
      [['tail', '-n', '+2'], { kind: 'tail', lines: 2, fromLine: true }],
      [['tail', '-n+2'], { kind: 'tail', lines: 2, fromLine: true }],
    ])('reads %j', (argv, filter) => {
      expect(parseFilter(argv)).toEqual(filter);
    });

    it.each([[['head', '-c', '5']], [['head', '-n', '+2']], [['tail', '-f']], [['tail', 'file']], [['head', '-n']], [['wc', '-l']], [['head', '-99999999999999999999']]])(
      'does not take %j as a filter', (argv) => {
        expect(parseFilter(argv)).toBeUndefined();
      });

    it('cuts text line by line as head and tail do', () => {
      const text = 'a\nb\nc\nd\n';
      expect(applyFilters(text, [{ kind: 'head', lines: 2 }])).toBe('a\nb\n');
      expect(applyFilters(text, [{ kind: 'tail', lines: 2 }])).toBe('c\nd\n');
      expect(applyFilters('a\nb\nc', [{ kind: 'tail', lines: 2 }])).toBe('b\nc');
      expect(applyFilters(text, [{ kind: 'tail', lines: 2, fromLine: true }])).toBe('b\nc\nd\n');
      expect(applyFilters(text, [{ kind: 'tail', lines: 0 }])).toBe('');
      expect(applyFilters(text, [{ kind: 'head', lines: 0 }])).toBe('');
      expect(applyFilters(text, [{ kind: 'head', lines: 3 }, { kind: 'tail', lines: 1 }])).toBe('c\n');
      expect(applyFilters('', [{ kind: 'tail', lines: 5 }])).toBe('');
    });
  });
});
