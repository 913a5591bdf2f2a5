import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './db.js';
import { forwardSpecs, resolveSpec } from './forwards.js';
import { buildChunks } from './indexer.js';
import { rankLexical } from './ranker.js';
import { parseQuery } from './tokens.js';

let store: Store | undefined;
afterEach(() => { store?.close(); store = undefined; });

function indexOf(files: Record<string, string>): Store {
  const s = openStore(':memory:').store;
  for (const [rel, text] of Object.entries(files)) {
    s.putFile(rel, { size: text.length, mtime: 0, hash: rel, lines: text.split('\n').length, skip: null }, buildChunks(rel, text));
  }
  store = s;
  return s;
}

const rank = (s: Store, query: string): string[] => rankLexical(s, parseQuery(query)).map((f) => f.path);

const BASE_H = '#ifndef LIB_BASE_H_\n#define LIB_BASE_H_\n\n// Stores format arguments.\ntemplate <typename Context> class basic_format_args {\n  int size_;\n};\n\n#endif\n';
const CORE_H = '#include "base.h"\n\n// Kept for compatibility: the API moved.\n#ifdef LIB_HEAVY\n#  include "heavy.h"\n#endif\n';

describe('forwarding files', () => {
  it('reads what a header that only includes, or a module that only re-exports, forwards to', () => {
    expect(forwardSpecs('include/lib/core.h', CORE_H)).toEqual(['base.h', 'heavy.h']);
    expect(forwardSpecs('lib/SingleEntryPlugin.js', '"use strict";\n\nmodule.exports = require("./EntryPlugin");\n')).toEqual(['./EntryPlugin']);
    expect(forwardSpecs('src/index.ts', "/* the public API */\nexport * from './api.js';\nexport { x } from './x.js';\n")).toEqual(['./api.js', './x.js']);
    // any code or valued macro of its own makes it a file in its own right
    expect(forwardSpecs('include/lib/uv.h', '#include "base.h"\nint uv_run(void);\n')).toEqual([]);
    expect(forwardSpecs('include/lib/config.h', '#include "base.h"\n#define LIB_LEVEL 2\n')).toEqual([]);
    expect(forwardSpecs('lib/x.py', 'from .base import *\n')).toEqual([]);
  });

  it('resolves a spec beside the including file, else by a unique path suffix', () => {
    const paths = new Set(['include/lib/base.h', 'include/lib/core.h', 'lib/EntryPlugin.js', 'src/api.ts']);
    expect(resolveSpec('include/lib/core.h', 'base.h', paths)).toBe('include/lib/base.h');
    expect(resolveSpec('src/other.c', 'lib/base.h', paths)).toBe('include/lib/base.h');
    expect(resolveSpec('include/lib/core.h', 'stdio.h', paths)).toBeUndefined();
    expect(resolveSpec('lib/SingleEntryPlugin.js', './EntryPlugin', paths)).toBe('lib/EntryPlugin.js');
    expect(resolveSpec('src/index.ts', './api.js', paths)).toBe('src/api.ts');
    expect(resolveSpec('src/index.ts', 'api', paths)).toBeUndefined(); // a package name
  });

  it('lists a forwarding header right after the file it forwards to, though no query word is in it', () => {
    const s = indexOf({
      'include/lib/base.h': BASE_H,
      'include/lib/core.h': CORE_H,
      'include/lib/args.h': '#include "base.h"\n// dynamic format arguments\nclass dynamic_args {};\n',
    });
    expect(rank(s, 'basic_format_args')).toEqual(['include/lib/base.h', 'include/lib/core.h', 'include/lib/args.h']);
    expect(rank(s, 'dynamic format arguments')[0]).toBe('include/lib/args.h'); // a file with code of its own is no forwarder
  });

  it('does not take an umbrella header that includes many files, or a test, for a forwarder', () => {
    const parts = ['a', 'b', 'c', 'd'];
    const files: Record<string, string> = Object.fromEntries(parts.map((p) => [`include/lib/${p}.h`, `// part ${p} of basic_format_args\nint ${p}(void);\n`]));
    files['include/lib/all.h'] = parts.map((p) => `#include "${p}.h"\n`).join('');
    files['test/forward.h'] = '#include "include/lib/a.h"\n';
    const s = indexOf(files);
    expect(rank(s, 'basic_format_args')).toEqual(['include/lib/a.h', 'include/lib/b.h', 'include/lib/c.h', 'include/lib/d.h']);
  });
});
