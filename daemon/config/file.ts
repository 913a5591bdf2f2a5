/**
 * Reading one YAML config file into flat `{ key, value }` entries, checking every key against
 * the key table. Values are checked later, by the loader, with the same rules for every layer.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { isInside } from '../paths/inside.js';
import { legacyReason } from './legacy.js';
import { isSection, keySpec, KEYS, keysUnder } from './schema.js';
import { showValue } from './values.js';

/** A config file larger than this is refused (config files are a few KiB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export interface Problem { message: string; hint?: string }
export interface FileEntry { key: string; value: unknown }
export interface FileLayer { entries: FileEntry[]; problems: Problem[]; read: boolean }

function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes(String((err as { code?: unknown }).code));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Where a key that does not exist was probably meant to go; `value` is what the file holds under it. */
export function unknownKeyHint(key: string, value?: unknown): string {
  const leaf = key.slice(key.lastIndexOf('.') + 1);
  let same = KEYS.filter((spec) => spec.key.endsWith(`.${leaf}`)).map((spec) => spec.key);
  if (same.length === 0 && isPlainObject(value)) {
    // an unknown section: look for a section with a similar name holding the same keys
    const children = Object.keys(value);
    same = KEYS.map((spec) => spec.key.slice(0, spec.key.lastIndexOf('.')))
      .filter((section, i, all) => all.indexOf(section) === i && section.includes(leaf))
      .filter((section) => children.some((child) => keySpec(`${section}.${child}`) !== undefined));
  }
  if (same.length > 0) return `did you mean ${same.join(' or ')}?`;
  const parent = key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : '';
  if (parent !== '' && isSection(parent)) return `keys under ${parent}: ${keysUnder(parent).map((k) => k.slice(parent.length + 1)).join(', ')}`;
  return `top-level sections: ${[...new Set(KEYS.map((spec) => spec.key.split('.')[0]))].join(', ')}`;
}

function walk(node: Record<string, unknown>, prefix: string, file: string, layer: FileLayer): void {
  for (const [name, value] of Object.entries(node)) {
    const key = prefix === '' ? name : `${prefix}.${name}`;
    const legacy = legacyReason(key);
    if (legacy !== undefined) {
      layer.problems.push({ message: `${key} in ${file} is not supported by llmr: ${legacy}` });
    } else if (keySpec(key) !== undefined) {
      layer.entries.push({ key, value });
    } else if (isSection(key)) {
      if (isPlainObject(value)) walk(value, key, file, layer);
      else if (value !== null) layer.problems.push({ message: `${key} in ${file} is a section; expected a mapping of keys, got ${showValue(value)}` });
    } else {
      layer.problems.push({ message: `unknown key ${key} in ${file}`, hint: unknownKeyHint(key, value) });
    }
  }
}

async function readText(file: string, root: string | undefined, layer: FileLayer): Promise<string | undefined> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return undefined;
    layer.problems.push({ message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` });
    return undefined;
  }
  if (!stat.isFile()) return fail(layer, `cannot read ${file}: not a regular file`);
  if (stat.size > MAX_CONFIG_BYTES) return fail(layer, `cannot read ${file}: ${stat.size} bytes is larger than ${MAX_CONFIG_BYTES}`);
  try {
    if (root !== undefined) {
      if (!isInside(await fs.realpath(root), await fs.realpath(file))) return fail(layer, `cannot read ${file}: it is a symlink to a file outside the repository`);
    }
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    return fail(layer, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function fail(layer: FileLayer, message: string): undefined {
  layer.problems.push({ message });
  return undefined;
}

/**
 * Read and check one config file. A missing file is no layer; an unreadable, unparsable or
 * invalid file yields problems. `root`, when given, must contain the file's real path.
 */
export async function readConfigFile(file: string, root?: string): Promise<FileLayer> {
  const layer: FileLayer = { entries: [], problems: [], read: false };
  const text = await readText(file, root, layer);
  if (text === undefined) return layer;
  layer.read = true;
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const at = err.linePos?.[0];
    const what = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    const where = at === undefined ? '' : ` at line ${at.line}, column ${at.col}`;
    layer.problems.push({ message: `cannot parse ${file}${where}: ${what}` });
    return layer;
  }
  let tree: unknown;
  try {
    tree = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    layer.problems.push({ message: `cannot parse ${file}: ${err instanceof Error ? err.message : String(err)}` });
    return layer;
  }
  if (tree === null || tree === undefined) return layer;
  if (!isPlainObject(tree)) {
    layer.problems.push({ message: `${file} must hold a mapping of config keys, not ${Array.isArray(tree) ? 'a list' : showValue(tree)}` });
    return layer;
  }
  walk(tree, '', file, layer);
  return layer;
}
