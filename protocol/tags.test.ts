import { describe, expect, it } from 'vitest';
import { prng } from '../test/support/prng.js';
import { TagParser, commandLabel, parseTags, type ParsedItem, type TagParserOptions } from './tags.js';


function feed(chunks: string[], options?: TagParserOptions): ParsedItem[] {
  const parser = new TagParser(options);
  const items = chunks.flatMap((c) => parser.push(c));
  return [...items, ...parser.end()];
}

function randomSplit(text: string, random: () => number): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; ) {
    const n = Math.floor(random() * 12);
    chunks.push(text.slice(i, i + n));
    i += n;
  }
  return chunks;
}

/** Parses `text` whole, one UTF-16 unit at a time and in random splits; all must equal `expected`. */
function expectParse(text: string, expected: unknown[], options?: TagParserOptions): void {
  expect(parseTags(text, options)).toEqual(expected);
  expect(feed(Array.from({ length: text.length }, (_, i) => text[i]), options)).toEqual(expected);
  const random = prng(text.length + 1);
  for (let k = 0; k < 8; k++) expect(feed(randomSplit(text, random), options)).toEqual(expected);
}

const open = (path: string, line = 1) => ({ kind: 'open', arg: path, path, line });
const write = (path: string, content: string, line = 1) => ({ kind: 'write', arg: path, path, content, line });
const exec = (command: string, line = 1, stdin?: string) =>
  stdin === undefined ? { kind: 'exec', arg: command, command, line } : { kind: 'exec', arg: command, command, stdin, line };
const search = (query: string, line = 1) => ({ kind: 'search', arg: query, query, line });
const syntax = (tag: string, arg: string, message: string, line = 1) =>
  ({ kind: 'error', tag, arg, line, code: 'INVALID_SYNTAX', message });

describe('protocol/tags', () => {
  describe('rule 1: tag names and plain text', () => {
    it('parses each tag kind', () => {
      expectParse('<open a.go><write b.txt>x</write><exec ls><search foo bar>', [
        open('a.go'), write('b.txt', 'x'), exec('ls'), search('foo bar'),
      ]);
    });

    it('accepts a tab after the name', () => {
      expectParse('<open\ta.go>', [open('a.go')]);
    });

    it('treats words that merely start with a tag name as plain text (prefix matching defect)', () => {
      expectParse('<opened the door>\n<writer notes>\nblah\n<executive summary>\n<searching for>\n<openfoo.txt>\n', []);
    });

    it('ignores upper-case names, a lone < and unknown tags', () => {
      expectParse('<OPEN x>\n<Open x>\na < b\n<invalid command>\n<\n<open\nREADME.md>\n', []);
    });

    it('reports a tag with no argument as INVALID_SYNTAX naming what is missing', () => {
      expectParse('<open> <open > <exec>\n<search \t >', [
        syntax('open', '', '<open> tag needs a path'),
        syntax('open', '', '<open> tag needs a path'),
        syntax('exec', '', '<exec> tag needs a command'),
        syntax('search', '', '<search> tag needs a query', 2),
      ]);
      expect(parseTags('<write>')[0]).toMatchObject({ code: 'INVALID_SYNTAX', message: '<write> tag needs a path' });
    });

    it('returns every command of a line in input order (only-first-command-per-line defect)', () => {
      expectParse('text <open a.go> more <open b.go>\n', [open('a.go'), open('b.go')]);
      expectParse('<write a.txt>hi</write> <open b.txt>\n', [write('a.txt', 'hi'), open('b.txt')]);
      expectParse('<open go.mod> <open README.md> <open Makefile>', [open('go.mod'), open('README.md'), open('Makefile')]);
    });

    it('does not let an argument-less <open> swallow the following text (pending open defect)', () => {
      expectParse('<open>\nsome text <b>\n<open c>', [syntax('open', '', '<open> tag needs a path'), open('c', 3)]);
    });

    it('skips the body of a <write> whose path is missing, so tags in it stay inert', () => {
      expectParse('<write>\n<exec rm -rf />\n</write><open a>', [syntax('write', '', '<write> tag needs a path'), open('a', 3)]);
      expectParse('<write >\nnever closed <open b>', [syntax('write', '', '<write> tag needs a path')]);
    });
  });

  describe('rule 2: arguments', () => {
    it('trims arguments and ends them at the first >', () => {
      expectParse('<open  src/main.go  >', [open('src/main.go')]);
      expectParse('<open a<open b>\n', [open('a<open b')]);
      expectParse('<search  "x y" \t>', [search('"x y"')]);
    });

    it('rejects a newline inside an argument and resumes after it (multi-line exec defect)', () => {
      const items = parseTags('<exec go test\n; rm -rf />\n');
      expect(items).toEqual([syntax('exec', 'go test', '<exec tag not closed before end of line')]);
      expect(items.some((i) => i.kind === 'exec')).toBe(false);
      expectParse('<open a\n<open b>\n<open c\r\n', [
        syntax('open', 'a', '<open tag not closed before end of line'),
        open('b', 2),
        syntax('open', 'c', '<open tag not closed before end of line', 3),
      ]);
    });

    it('reports an argument longer than maxArgBytes and keeps scanning after its >', () => {
      const long = 'a/'.repeat(40);
      const items = parseTags(`<open ${long}> <open ok>`, { maxArgBytes: 64 });
      expect(items[0]).toMatchObject({ kind: 'error', tag: 'open', code: 'INVALID_SYNTAX', message: '<open tag argument longer than 64 bytes' });
      expect(items[1]).toEqual(open('ok'));
      expectParse(`<open ${long}> <open ok>`, items, { maxArgBytes: 64 });
      expectParse(`<open ${'x'.repeat(64)}>`, [open('x'.repeat(64))], { maxArgBytes: 65 });
    });

    it('counts argument bytes in UTF-8', () => {
      expect(parseTags('<open ééé>', { maxArgBytes: 6 })[0].kind).toBe('error');
      expect(parseTags('<open éé>', { maxArgBytes: 6 })[0]).toEqual(open('éé'));
    });

    it('keeps only a bounded prefix of an over-long argument', () => {
      const items = parseTags(`<exec ${'y'.repeat(1_000_000)}\n<open z>`);
      expect(items[0]).toMatchObject({ tag: 'exec', message: '<exec tag argument longer than 4096 bytes' });
      expect(items[0].arg.length).toBeLessThan(100);
      expect(items[1]).toEqual(open('z', 2));
    });

    it('reports a tag still open at end of input', () => {
      expectParse('x <search foo', [syntax('search', 'foo', '<search tag not closed before end of input')]);
    });
  });

  describe('rule 3: write bodies', () => {
    it('drops exactly one newline after > and keeps the rest byte for byte (trimmed body defect)', () => {
      expectParse('<write t.txt>\n  indented\n</write>\n', [write('t.txt', '  indented\n')]);
      expectParse('<write t.txt>\n\n  two\n\n</write>', [write('t.txt', '\n  two\n\n')]);
      expectParse('<write t.txt>\r\na\r\nb\r\n</write>', [write('t.txt', 'a\r\nb\r\n')]);
      expectParse('<write t.txt>\r\r\n</write>', [write('t.txt', '\r\r\n')]);
      expectParse('<write t.txt> lead</write>', [write('t.txt', ' lead')]);
    });

    it('keeps tags inside the body inert and ends at the first </write>', () => {
      expectParse('<write a.txt>\n<open x>\n<exec rm -rf />\n</write>\n', [write('a.txt', '<open x>\n<exec rm -rf />\n')]);
      expectParse('<write x.txt>a</write></write>\n<open y>', [write('x.txt', 'a'), open('y', 2)]);
    });

    it('reports a write with no closing tag at end of input', () => {
      expectParse('<write a.txt>\nhello\n', [
        { kind: 'error', tag: 'write', arg: 'a.txt', line: 1, code: 'INVALID_SYNTAX', message: '<write a.txt> has no closing </write>' },
      ]);
    });

    it('reports an oversized body once and never parses tags inside it (oversized resume defect)', () => {
      const body = `${'z'.repeat(40)}<open inside><exec rm -rf />\n`;
      const expected = [
        { kind: 'error', tag: 'write', arg: 'big', line: 1, code: 'FILE_TOO_LARGE', message: '<write big> body larger than 32 bytes' },
        open('after', 2),
      ];
      expectParse(`<write big>${body}</write><open after>`, expected, { maxBodyBytes: 32 });
      expectParse(`<write big>${body}`, [expected[0]], { maxBodyBytes: 32 });
    });

    it('applies the body limit to UTF-8 bytes of the content after the dropped newline', () => {
      const content = 'Hello 世界 🌍'; // 17 bytes
      expectParse(`<write a>\n${content}</write>`, [write('a', content)], { maxBodyBytes: 17 });
      expect(parseTags(`<write a>\n${content}</write>`, { maxBodyBytes: 16 })[0]).toMatchObject({ code: 'FILE_TOO_LARGE' });
    });
  });

  describe('rule 4: exec', () => {
    it('takes the body as stdin when </exec> comes before any other tag (broken stdin defect)', () => {
      expectParse("<exec python3>\nprint('hi')\n</exec>\n", [exec('python3', 1, "print('hi')\n")]);
      expectParse('<exec cat>hello</exec>', [exec('cat', 1, 'hello')]);
      expectParse('<exec cat>\r\n</exec>', [exec('cat', 1, '')]);
      expectParse('<exec cat>a <b> </write> <opened> c</exec><open x>', [exec('cat', 1, 'a <b> </write> <opened> c'), open('x')]);
    });

    it('is a plain exec when another tag starts first, and that tag is parsed normally', () => {
      expectParse('<exec ls>\n\n<open z>\n</exec>', [exec('ls'), open('z', 3)]);
      expectParse('<exec ls><exec pwd>\nin</exec>', [exec('ls'), exec('pwd', 1, 'in')]);
      expectParse('<exec ls>x<open>', [exec('ls'), syntax('open', '', '<open> tag needs a path')]);
    });

    it('returns a plain exec at the very end of input, with or without newline (lost trailing exec defect)', () => {
      expectParse('<exec python3>', [exec('python3')]);
      expectParse('<exec go test>\n', [exec('go test')]);
      expectParse('<exec go test>\nsome words </exe', [exec('go test')]);
    });

    it('becomes a plain exec when the look-ahead exceeds maxBodyBytes and scans what follows as text', () => {
      const text = `<exec cat>\n${'q'.repeat(20)}</exec><open a>`;
      expectParse(text, [exec('cat'), open('a', 2)], { maxBodyBytes: 19 });
      expectParse(text, [exec('cat', 1, 'q'.repeat(20)), open('a', 2)], { maxBodyBytes: 20 });
    });

    it('treats a stray closing tag as plain text', () => {
      expectParse('</exec></write><open a></exec>', [open('a')]);
    });
  });

  describe('rule 5: open line ranges', () => {
    it('splits #L suffixes off the path', () => {
      expectParse('<open a.go#L10-L40><open b.go#L7><open c.go#L3-9><open d#e.go>', [
        { kind: 'open', arg: 'a.go#L10-L40', path: 'a.go', lines: { from: 10, to: 40 }, line: 1 },
        { kind: 'open', arg: 'b.go#L7', path: 'b.go', lines: { from: 7, to: 7 }, line: 1 },
        { kind: 'open', arg: 'c.go#L3-9', path: 'c.go', lines: { from: 3, to: 9 }, line: 1 },
        open('d#e.go'),
      ]);
    });

    it('rejects ranges that start before line 1 or end before they start', () => {
      expectParse('<open a#L0><open a#L5-L4><open #L3>', [
        syntax('open', 'a#L0', '<open a#L0> line range must start at line 1 or later'),
        syntax('open', 'a#L5-L4', '<open a#L5-L4> line range ends before it starts'),
        syntax('open', '#L3', '<open #L3> needs a path before the #L line range'),
      ]);
    });
  });

  it('rule 6: numbers each item with the line its < was on', () => {
    expectParse('a\n\nb <open x>\n<write w>\n1\n2\n</write> <exec ls>\nz\n<search q>', [
      open('x', 3), write('w', '1\n2\n', 4), exec('ls', 7), search('q', 9),
    ]);
  });

  describe('§8.4 scanner corpus, adapted to the new rules', () => {
    const cases: [string, unknown[]][] = [
      ['<open README.md>\n', [open('README.md')]],
      ['<write test.txt>hello world</write>\n', [write('test.txt', 'hello world')]],
      ['<write config.yaml>\nserver:\n  port: 8080\n  host: localhost\n</write>\n',
        [write('config.yaml', 'server:\n  port: 8080\n  host: localhost\n')]],
      ['<exec go test>\n', [exec('go test')]],
      ['<search TODO comments>\n', [search('TODO comments')]],
      ['<open file1.go>\n<open file2.go>\n<exec go test>\n', [open('file1.go'), open('file2.go', 2), exec('go test', 3)]],
      ['', []],
      ['Just some regular text without commands\n', []],
      ['<write empty.txt></write>\n', [write('empty.txt', '')]],
      ['Some text before\n<open file.go>\nSome text after\n', [open('file.go', 2)]],
      ['<write test.txt>Content with <brackets> and special chars: !@#$%</write>\n',
        [write('test.txt', 'Content with <brackets> and special chars: !@#$%')]],
      ['<open internal/config/types.go>\n', [open('internal/config/types.go')]],
      ['<exec ls -la>\n', [exec('ls -la')]],
      ['<open a.go>\n<open b.go>\n<open c.go>\n', [open('a.go'), open('b.go', 2), open('c.go', 3)]],
      ['<write test.html><div><p>Hello</p></div></write>\n', [write('test.html', '<div><p>Hello</p></div>')]],
      [`<open ${'a/'.repeat(50)}file.go>\n`, [open(`${'a/'.repeat(50)}file.go`)]],
      ['a < b and <open c>\n', [open('c')]],
      ['<open safe.txt; cat /etc/passwd>', [open('safe.txt; cat /etc/passwd')]],
    ];
    it.each(cases)('parses %j', (input, expected) => expectParse(input, expected));
  });

  describe('§8.6 write content fidelity', () => {
    const contents = ['Hello 世界 🌍', 'line1\nline2\r\nline3', 'col1\tcol2\tcol3', 'before\x00after', '!@#$%^&*()', 'last line\n', ' \t '];
    it.each(contents)('round-trips %j exactly', (content) => {
      expectParse(`<write f.txt>${content}</write>`, [write('f.txt', content)]);
      expectParse(`<write f.txt>\n${content}</write>`, [write('f.txt', content)]);
      expectParse(`<exec cat>${content}</exec>`, [exec('cat', 1, content)]);
    });
  });

  describe('commandLabel', () => {
    it('renders a command as its tag with the whole argument', () => {
      const [a, b, c, d] = parseTags('<open a.go#L1-L2><write x>1</write><exec ls -la>\n</exec><search foo>');
      expect([a, b, c, d].map(commandLabel)).toEqual(['<open a.go#L1-L2>', '<write x>', '<exec ls -la>', '<search foo>']);
    });

    it('renders an error item by its tag and a bare tag when the argument is empty', () => {
      const items = parseTags('<open><exec a\n');
      expect(items.map(commandLabel)).toEqual(['<open>', '<exec a>']);
    });
  });
});
