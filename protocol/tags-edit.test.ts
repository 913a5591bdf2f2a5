import { describe, expect, it } from 'vitest';
import { prng } from '../test/support/prng.js';
import { parseEditBlocks } from './edit-blocks.js';
import { TagParser, parseTags, type ParsedItem } from './tags.js';

const EDIT = '<edit src/a.py>\n<<<<<<< SEARCH\ndef f():\n    return 1\n=======\ndef f():\n    return 2\n>>>>>>> REPLACE\n</edit>';

function feed(chunks: string[]): ParsedItem[] {
  const p = new TagParser({ maxBodyBytes: 64, maxArgBytes: 16 });
  return [...chunks.flatMap((c) => p.push(c)), ...p.end()];
}

describe('protocol/tags (edit, list, grep)', () => {
  it('parses an edit with its SEARCH/REPLACE blocks as whole lines', () => {
    expect(parseTags(EDIT)).toEqual([{ kind: 'edit', arg: 'src/a.py', line: 1, path: 'src/a.py', blocks: [{ search: 'def f():\n    return 1\n', replace: 'def f():\n    return 2\n' }] }]);
  });

  it('parses several blocks, fences between them and an empty REPLACE (deletion)', () => {
    const body = '```python\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\n\n<<<<<<< SEARCH\nc\n=======\n>>>>>>> REPLACE\n';
    expect(parseEditBlocks(body)).toEqual({ blocks: [{ search: 'a\n', replace: 'b\n' }, { search: 'c\n', replace: '' }] });
  });

  it('reports malformed edit bodies as INVALID_SYNTAX naming the problem', () => {
    const cases: Array<[string, RegExp]> = [
      ['<edit a>\nhello\n</edit>', /text outside a SEARCH\/REPLACE block at line 1/],
      ['<edit a>\n<<<<<<< SEARCH\nx\n</edit>', /has no ======= line/],
      ['<edit a>\n<<<<<<< SEARCH\nx\n=======\ny\n</edit>', /has no >>>>>>> REPLACE line/],
      ['<edit a>\n<<<<<<< SEARCH\n=======\ny\n>>>>>>> REPLACE\n</edit>', /SEARCH part of the block at line 1 of the edit is empty/],
      ['<edit a>\n\n</edit>', /has no <<<<<<< SEARCH/],
    ];
    for (const [text, message] of cases) {
      const [item] = parseTags(text);
      expect(item, text).toMatchObject({ kind: 'error', tag: 'edit', code: 'INVALID_SYNTAX', message: expect.stringMatching(message) });
    }
  });

  it('reports an unterminated edit as INVALID_SYNTAX and keeps parsing after an invalid one', () => {
    expect(parseTags('<edit a.py>\n<<<<<<< SEARCH\nx')).toEqual([{ kind: 'error', tag: 'edit', arg: 'a.py', line: 1, code: 'INVALID_SYNTAX', message: '<edit a.py> has no closing </edit>' }]);
    const items = parseTags('<edit >\nbody</edit><list .>');
    expect(items.map((i) => i.kind)).toEqual(['error', 'list']);
  });

  it('parses list and grep, with the grep path after --', () => {
    expect(parseTags('<list .> <list src/> <grep def \\w+\\(> <grep TODO|FIXME -- src/lib>')).toEqual([
      { kind: 'list', arg: '.', line: 1, path: '.' },
      { kind: 'list', arg: 'src/', line: 1, path: 'src/' },
      { kind: 'grep', arg: 'def \\w+\\(', line: 1, pattern: 'def \\w+\\(' },
      { kind: 'grep', arg: 'TODO|FIXME -- src/lib', line: 1, pattern: 'TODO|FIXME', path: 'src/lib' },
    ]);
    expect(parseTags('<grep x -- >')[0]).toMatchObject({ kind: 'error', code: 'INVALID_SYNTAX' });
    expect(parseTags('<list>')[0]).toMatchObject({ kind: 'error', message: '<list> tag needs a path' });
    expect(parseTags('<grep foo')[0]).toMatchObject({ kind: 'error', code: 'INVALID_SYNTAX', message: '<grep tag not closed before end of input' });
  });

  it('keeps names exact and case-sensitive', () => {
    expect(parseTags('<editor x> <EDIT x> <listing y> <grepx z> <Grep q>')).toEqual([]);
  });

  it('keeps tags inside an edit body inert', () => {
    const [item] = parseTags('<edit a>\n<<<<<<< SEARCH\n<open x>\n=======\n<exec rm -rf />\n>>>>>>> REPLACE\n</edit>');
    expect(item).toMatchObject({ kind: 'edit', blocks: [{ search: '<open x>\n', replace: '<exec rm -rf />\n' }] });
  });

  it('gives the same items however edit/list/grep soup is split into chunks', () => {
    const fragments = ['<edit ', '</edit>', '<list ', '<grep ', ' -- ', '<<<<<<< SEARCH\n', '=======\n', '>>>>>>> REPLACE\n', 'a', '\n', '>', '<', '</ed', '<gr', 'é', '🌍'];
    const random = prng(7);
    for (let k = 0; k < 400; k++) {
      let text = '';
      for (let n = Math.floor(random() * 30); n > 0; n--) text += fragments[Math.floor(random() * fragments.length)];
      const whole = feed([text]);
      expect(feed(text.split('')), text).toEqual(whole);
      const cut = Math.floor(random() * text.length);
      expect(feed([text.slice(0, cut), text.slice(cut)]), text).toEqual(whole);
    }
  });

  it('parses a large edit body in linear time', () => {
    const block = '<<<<<<< SEARCH\nold line\n=======\nnew line\n>>>>>>> REPLACE\n';
    const run = (n: number) => {
      const text = `<edit a>\n${block.repeat(n)}</edit>`;
      return (): void => {
        const p = new TagParser();
        const items = [];
        for (let i = 0; i < text.length; i += 100) items.push(...p.push(text.slice(i, i + 100)));
        items.push(...p.end());
        if (items.length !== 1 || items[0]?.kind !== 'edit' || items[0].blocks.length !== n) throw new Error(`expected one edit of ${n} blocks`);
      };
    };
    // timed alternately, fastest of seven, so that a busy machine slows both sizes alike
    const small = run(1_000);
    const large = run(8_000);
    small();
    let bestSmall = Infinity;
    let bestLarge = Infinity;
    for (let k = 0; k < 7; k++) {
      let t = performance.now(); small(); bestSmall = Math.min(bestSmall, performance.now() - t);
      t = performance.now(); large(); bestLarge = Math.min(bestLarge, performance.now() - t);
    }
    expect(bestLarge / Math.max(bestSmall, 1)).toBeLessThan(28);
  });
});
