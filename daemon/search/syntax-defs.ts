/**
 * What a parse tree says about a file's structure: the definitions (name, first line, how many
 * definitions enclose it) and the lines where a statement or member starts, the places a chunk
 * that has grown too long is best cut. Per grammar, a table of the node types that define a
 * name; the walk goes down into containers (classes, modules, impl blocks) to find their members
 * and only a little way into function bodies (their statements are cut points, not definitions).
 */
import type { Node, Tree, TreeCursor } from 'web-tree-sitter';

/** A grammar of tree-sitter-wasms, by its file name (`tree-sitter-<name>.wasm`). */
export type Grammar = 'rust' | 'java' | 'kotlin' | 'c' | 'cpp' | 'python' | 'ruby' | 'javascript' | 'typescript' | 'tsx' | 'go' | 'elixir';

const EXT_GRAMMAR: Record<string, Grammar> = {
  rs: 'rust', java: 'java', kt: 'kotlin', kts: 'kotlin', c: 'c', h: 'cpp', cc: 'cpp', cpp: 'cpp', cxx: 'cpp', hpp: 'cpp', hh: 'cpp',
  py: 'python', pyi: 'python', rb: 'ruby', js: 'javascript', mjs: 'javascript', cjs: 'javascript', jsx: 'javascript',
  ts: 'typescript', mts: 'typescript', cts: 'typescript', tsx: 'tsx', go: 'go', ex: 'elixir', exs: 'elixir',
};

/** The grammar for a path, by extension, or undefined. */
export function grammarOf(rel: string): Grammar | undefined {
  const dot = rel.lastIndexOf('.');
  return dot < 0 ? undefined : EXT_GRAMMAR[rel.slice(dot + 1).toLowerCase()];
}

/** `container`: its members are definitions too; `function`: its body holds statements, not members. */
type Kind = 'container' | 'function';

const JS: Record<string, Kind> = {
  function_declaration: 'function', generator_function_declaration: 'function', method_definition: 'function',
  class_declaration: 'container', abstract_class_declaration: 'container', interface_declaration: 'container',
  enum_declaration: 'container', type_alias_declaration: 'function', internal_module: 'container', module: 'container',
  variable_declarator: 'function', assignment_expression: 'function', public_field_definition: 'function',
  function_signature: 'function', abstract_method_signature: 'function',
};

const C: Record<string, Kind> = {
  function_definition: 'function', struct_specifier: 'container', class_specifier: 'container', union_specifier: 'container',
  enum_specifier: 'container', namespace_definition: 'container', type_definition: 'function', preproc_function_def: 'function',
};

const KINDS: Record<Grammar, Record<string, Kind>> = {
  rust: {
    function_item: 'function', function_signature_item: 'function', struct_item: 'container', enum_item: 'container',
    union_item: 'container', trait_item: 'container', impl_item: 'container', mod_item: 'container', macro_definition: 'function', type_item: 'function',
  },
  java: {
    class_declaration: 'container', interface_declaration: 'container', enum_declaration: 'container', record_declaration: 'container',
    annotation_type_declaration: 'container', method_declaration: 'function', constructor_declaration: 'function',
  },
  kotlin: { class_declaration: 'container', object_declaration: 'container', function_declaration: 'function', companion_object: 'container' },
  c: C,
  cpp: C,
  python: { function_definition: 'function', class_definition: 'container' },
  ruby: { method: 'function', singleton_method: 'function', class: 'container', module: 'container' },
  javascript: JS,
  typescript: JS,
  tsx: JS,
  go: { function_declaration: 'function', method_declaration: 'function', type_declaration: 'container' },
  elixir: {},
};

const ELIXIR_CONTAINERS = new Set(['defmodule', 'defprotocol', 'defimpl']);
const ELIXIR_FUNCTIONS = new Set(['def', 'defp', 'defmacro', 'defmacrop', 'defguard', 'defguardp', 'defdelegate', 'defstruct', 'defexception']);
const NAME_TYPE = /^(?:identifier|type_identifier|simple_identifier|field_identifier|property_identifier|constant|name|scope_resolution|qualified_identifier|destructor_name|operator_name|private_property_identifier|alias|package_identifier|namespace_identifier)$/;
/** Values that make `const x = …` (or `a.b = …`) a definition. */
const FUNCTION_VALUE = /^(?:arrow_function|function|function_expression|generator_function|class)$/;
/** Nodes never searched for definitions (literals and comments). */
const OPAQUE = /(?:^|_)(?:string|comment|heredoc|regex)(?:_|$)|^template_string$|^jsx_/;

export interface Outline {
  /** Definitions by first line (0-based row): the name and how many definitions enclose it. */
  defs: Map<number, { name: string; depth: number }>;
  /** Rows where a top-level statement, a member or a statement of a definition's body starts. */
  boundaries: Set<number>;
  /**
   * Row ranges (inclusive) the tree does not describe: parse errors and the bodies of item-level
   * macro invocations (`cfg_rt! { pub fn … }`), whose definitions the line heuristics find instead.
   */
  opaque: Array<[number, number]>;
}

/** The last segment of a qualified name (`Foo::bar` → `bar`), as a definition names it. */
function lastSegment(text: string): string {
  const t = text.trim();
  const i = t.lastIndexOf('::');
  return i >= 0 ? t.slice(i + 2) : t;
}

function declaratorName(node: Node): Node | null {
  let d = node.childForFieldName('declarator');
  for (let guard = 0; d !== null && !NAME_TYPE.test(d.type) && guard < 8; guard++) {
    d = d.childForFieldName('declarator') ?? d.childForFieldName('name') ?? d.namedChildren.find((c) => c !== null && NAME_TYPE.test(c.type)) ?? null;
  }
  return d;
}

function typeName(node: Node): Node | null {
  let t = node.childForFieldName('type');
  for (let guard = 0; t !== null && t.type !== 'type_identifier' && guard < 4; guard++) t = t.childForFieldName('type') ?? t.childForFieldName('name');
  return t;
}

/** The name a definition node defines, or undefined when it is not one after all. */
function nameOf(node: Node, grammar: Grammar): string | undefined {
  const type = node.type;
  if (type === 'variable_declarator' || type === 'public_field_definition') {
    const value = node.childForFieldName('value');
    if (value === null || !FUNCTION_VALUE.test(value.type)) return undefined;
  }
  if (type === 'assignment_expression') {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (left?.type !== 'member_expression' || right === null || (!FUNCTION_VALUE.test(right.type) && !/^(?:module\.)?exports\./.test(left.text))) return undefined;
    return left.childForFieldName('property')?.text;
  }
  if (type === 'type_declaration') return node.namedChildren.find((c) => c?.type === 'type_spec')?.childForFieldName('name')?.text;
  if (type === 'impl_item') return typeName(node)?.text;
  if ((type === 'struct_specifier' || type === 'class_specifier' || type === 'union_specifier' || type === 'enum_specifier') && node.childForFieldName('body') === null) return undefined;
  const n = node.childForFieldName('name') ?? (grammar === 'c' || grammar === 'cpp' ? declaratorName(node) : null)
    ?? node.namedChildren.find((c) => c !== null && NAME_TYPE.test(c.type)) ?? null;
  if (n === null) return undefined;
  const text = lastSegment(n.type === 'qualified_identifier' ? (n.childForFieldName('name')?.text ?? n.text) : n.text);
  return /^[\p{L}_$~][\p{L}\p{N}_$.:?!~]*$/u.test(text) ? text : undefined;
}

/** Elixir definitions are calls (`defmodule A do`, `def f(x)`): the kind and name, if this call is one. */
function elixirDef(node: Node): { kind: Kind; name: string } | undefined {
  const target = node.childForFieldName('target') ?? node.namedChild(0);
  if (target?.type !== 'identifier') return undefined;
  const which = target.text;
  const container = ELIXIR_CONTAINERS.has(which);
  if (!container && !ELIXIR_FUNCTIONS.has(which)) return undefined;
  const args = node.namedChildren.find((c) => c?.type === 'arguments');
  let head: Node | null | undefined = args?.namedChild(0);
  for (let guard = 0; head && head.type !== 'identifier' && head.type !== 'alias' && guard < 4; guard++) {
    head = head.type === 'binary_operator' ? head.childForFieldName('left') : (head.childForFieldName('target') ?? head.namedChild(0));
  }
  const name = head?.text ?? (which === 'defstruct' || which === 'defexception' ? which : undefined);
  return name === undefined ? undefined : { kind: container ? 'container' : 'function', name };
}

const MAX_DEPTH = 2;
/** One-line statements looked into for a definition (`const f = () => 1;`, `exports.x = y;`). */
const STATEMENT = /(?:statement|declaration)$/;
const MAX_TREE_DEPTH = 40;

interface WalkState { grammar: Grammar; kinds: Record<string, Kind>; out: Outline }

/** Visits the children of the cursor's node. `defDepth`: definitions around; `inBody`: levels inside a function's body. */
function visit(c: TreeCursor, s: WalkState, defDepth: number, inBody: number, treeDepth: number): void {
  if (!c.gotoFirstChild()) return;
  do {
    if (!c.nodeIsNamed) continue;
    const type = c.nodeType;
    const row = c.startPosition.row;
    const multiLine = c.endPosition.row > row;
    if (inBody <= 2) s.out.boundaries.add(row);
    if (inBody === 0 && (type === 'ERROR' || type === 'macro_invocation' || type === 'macro_call')) {
      if (multiLine) s.out.opaque.push([row, c.endPosition.row]);
      continue;
    }
    if (inBody > 0 || OPAQUE.test(type)) {
      if (inBody < 2 && multiLine) visit(c, s, defDepth, inBody + 1, treeDepth + 1);
      continue;
    }
    let def: { kind: Kind; name: string } | undefined;
    if (s.grammar === 'elixir' ? type === 'call' : s.kinds[type] !== undefined) {
      const node = c.currentNode;
      if (s.grammar === 'elixir') def = elixirDef(node);
      else {
        const name = nameOf(node, s.grammar);
        // `module.exports = class X {` and `const A = class {`: a class all the same
        const value = type === 'assignment_expression' ? node.childForFieldName('right') : type === 'variable_declarator' ? node.childForFieldName('value') : null;
        if (name !== undefined) def = { kind: value?.type === 'class' ? 'container' : s.kinds[type], name: value?.type === 'class' ? (value.childForFieldName('name')?.text ?? name) : name };
      }
    }
    // a method of an object literal is named, but it is a value, not a definition a chunk starts with
    const depth = type === 'method_definition' && c.currentNode.parent?.type === 'object' ? defDepth + MAX_DEPTH : defDepth;
    if (def !== undefined && !s.out.defs.has(row)) s.out.defs.set(row, { name: def.name, depth });
    if (treeDepth >= MAX_TREE_DEPTH || (!multiLine && (def !== undefined || !STATEMENT.test(type)))) continue;
    if (def === undefined) visit(c, s, defDepth, 0, treeDepth + 1);
    else if (def.kind === 'function' || defDepth >= MAX_DEPTH) visit(c, s, defDepth + 1, 1, treeDepth + 1);
    else visit(c, s, defDepth + 1, 0, treeDepth + 1);
  } while (c.gotoNextSibling());
  c.gotoParent();
}

/** The outline of a parsed file. */
export function outlineOf(tree: Tree, grammar: Grammar): Outline {
  const out: Outline = { defs: new Map(), boundaries: new Set(), opaque: [] };
  const cursor = tree.walk();
  try {
    visit(cursor, { grammar, kinds: KINDS[grammar], out }, 0, 0, 0);
  } finally {
    cursor.delete();
  }
  return out;
}
