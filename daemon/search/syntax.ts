/**
 * tree-sitter parsing for the chunker: web-tree-sitter with the WASM grammars that the npm package
 * tree-sitter-wasms ships, loaded from node_modules (never from the network), each grammar the
 * first time a file of its language is indexed. Parsing is synchronous once a grammar is loaded;
 * the indexer awaits `prepare` for a batch's languages before it opens the batch's transaction.
 * A grammar that fails to load is remembered with its error (its files are chunked by lines, and
 * `llmr status` shows a warning); a file the parser cannot handle (too large, too slow, or not
 * parsed) is chunked by lines too, and counted.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Language, Parser } from 'web-tree-sitter';
import type { IndexStatus } from '../../protocol/workspace.js';
import { grammarOf, outlineOf, type Grammar, type Outline } from './syntax-defs.js';

/** Files above this size are chunked by lines without being parsed. */
const MAX_PARSE_BYTES = 512 * 1024;
/** A parse that takes longer than this is abandoned and the file chunked by lines. */
const PARSE_DEADLINE_MS = 2000;

export interface SyntaxOptions {
  /** Where a grammar's `.wasm` file is (a test seam: the default is the tree-sitter-wasms package). */
  locate?: (grammar: Grammar) => string;
  /** Parse limits (test seams; defaults 512 KiB and 2 s). */
  maxParseBytes?: number;
  parseDeadlineMs?: number;
  log: Logger;
}

export interface Syntax {
  /** Loads the grammars of these paths that are not loaded yet; never rejects (a failure is remembered). */
  prepare(paths: string[]): Promise<void>;
  /** The outline of a file, or undefined: no grammar for it, the grammar failed, or the parse did. */
  outline(rel: string, text: string): Outline | undefined;
  /** The parser's part of `llmr status`. */
  status(): NonNullable<IndexStatus['syntax']>;
}

const require = createRequire(import.meta.url);

/** The default location of a grammar: `tree-sitter-wasms/out/tree-sitter-<grammar>.wasm`. */
export function defaultGrammarPath(grammar: Grammar): string {
  return join(dirname(require.resolve('tree-sitter-wasms/package.json')), 'out', `tree-sitter-${grammar}.wasm`);
}

type TreeSitter = typeof import('web-tree-sitter');
/** web-tree-sitter, imported on first use: with `chunking: lines` it is never loaded. */
let runtime: Promise<TreeSitter> | undefined;
/** Loaded grammars by file, shared by every workspace of the process. */
const languages = new Map<string, Promise<{ ts: TreeSitter; lang: Language }>>();

function initRuntime(): Promise<TreeSitter> {
  runtime ??= import('web-tree-sitter').then(async (ts) => { await ts.Parser.init(); return ts; });
  return runtime;
}

/** The end of the load chain: web-tree-sitter links grammars into one module, so two loads at once can mix up their symbols. */
let lastLoad: Promise<unknown> = Promise.resolve();

function loadLanguage(path: string): Promise<{ ts: TreeSitter; lang: Language }> {
  let p = languages.get(path);
  if (p === undefined) {
    p = lastLoad.then(initRuntime, initRuntime).then(async (ts) => ({ ts, lang: await ts.Language.load(path) }));
    lastLoad = p.catch(() => undefined);
    languages.set(path, p);
    p.catch(() => languages.delete(path)); // a later service may try again; this one remembers the failure
  }
  return p;
}

interface Loaded { parser: Parser }

/** Parses with the size and time limits; undefined when the parser gave up. */
function parseLimited(parser: Parser, text: string, maxBytes: number, deadlineMs: number): ReturnType<Parser['parse']> | undefined {
  if (Buffer.byteLength(text) > maxBytes) return undefined;
  const deadline = performance.now() + deadlineMs;
  // the callback's return value cancels the parse when true (web-tree-sitter's documented contract)
  const progressCallback = (() => performance.now() > deadline) as unknown as () => void;
  return parser.parse(text, null, { progressCallback }) ?? undefined;
}

/** The outline of one file, or undefined when the parser gave up or failed (the file is then chunked by lines). */
function outlineWith(parser: Parser, g: Grammar, rel: string, text: string, opts: SyntaxOptions): Outline | undefined {
  let tree: ReturnType<typeof parseLimited>;
  try {
    tree = parseLimited(parser, text, opts.maxParseBytes ?? MAX_PARSE_BYTES, opts.parseDeadlineMs ?? PARSE_DEADLINE_MS);
    return tree == null ? undefined : outlineOf(tree, g);
  } catch (err) {
    opts.log.debug({ err, path: rel }, 'tree-sitter parse failed; chunked by lines');
    parser.reset();
    return undefined;
  } finally {
    tree?.delete();
  }
}

/** A tree-sitter front end for one search service. */
export function createSyntax(opts: SyntaxOptions): Syntax {
  const locate = opts.locate ?? defaultGrammarPath;
  const loaded = new Map<Grammar, Loaded>();
  const failed = new Map<Grammar, string>();
  const pending = new Map<Grammar, Promise<void>>();
  let lineFallbacks = 0;

  const load = (g: Grammar): Promise<void> => {
    let p = pending.get(g);
    if (p === undefined) {
      const path = locate(g);
      p = loadLanguage(path).then(({ ts, lang }) => {
        const parser = new ts.Parser();
        parser.setLanguage(lang);
        loaded.set(g, { parser });
      }, (err: unknown) => {
        const reason = `grammar ${g} failed to load from ${path}: ${(err as Error)?.message ?? String(err)}`;
        failed.set(g, reason);
        opts.log.warn({ err, grammar: g, path }, 'tree-sitter grammar failed to load; its files are chunked by lines');
      });
      pending.set(g, p);
    }
    return p;
  };

  return {
    async prepare(paths) {
      const wanted = new Set<Grammar>();
      for (const p of paths) {
        const g = grammarOf(p);
        if (g !== undefined && !loaded.has(g) && !failed.has(g)) wanted.add(g);
      }
      for (const g of wanted) await load(g); // one at a time (see lastLoad)
    },
    outline(rel, text) {
      const g = grammarOf(rel);
      const l = g === undefined ? undefined : loaded.get(g);
      if (g === undefined || l === undefined) return undefined;
      const o = outlineWith(l.parser, g, rel, text, opts);
      if (o === undefined) lineFallbacks++;
      return o;
    },
    status() {
      return {
        parser: 'tree-sitter',
        grammars: [...loaded.keys()].sort(),
        failed: [...failed.entries()].sort().map(([grammar, error]) => ({ grammar, error })),
        lineFallbacks,
      };
    },
  };
}
