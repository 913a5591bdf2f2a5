/**
 * Names that lie: a written path must look like what it is. Characters that reorder, hide or
 * control how a name is displayed are refused in written paths, as a class:
 * - `Cc`: C0 controls (U+0000–U+001F), DEL and C1 controls (U+0080–U+009F);
 * - `Cf`: format characters, which render as nothing: the bidirectional embeddings and overrides
 *   (U+202A–U+202E), isolates (U+2066–U+2069), marks (U+200E, U+200F, U+061C), zero-width
 *   characters (U+200B–U+200D, U+2060, U+FEFF), soft hyphen, tag characters, …;
 * - `Zl`/`Zp`: the line and paragraph separators U+2028, U+2029;
 * - lone surrogates (not encodable as UTF-8, so the file would get another name than asked for).
 */
import { LlmrError } from '../../protocol/errors.js';

const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

/** `U+202E` for a character. */
const codePoint = (ch: string): string => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** The path with every unsafe character shown as `<U+XXXX>`, for messages. */
export function showUnsafe(p: string): string {
  return p.replace(new RegExp(UNSAFE.source, 'gu'), (ch) => `<${codePoint(ch)}>`);
}

/** Printable ASCII holds none of the unsafe classes (and is most paths): one cheap test first. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** The first unsafe character of `p` as `U+XXXX`, or undefined. */
export function unsafeCharacter(p: string): string | undefined {
  if (PRINTABLE_ASCII.test(p)) return undefined;
  const m = UNSAFE.exec(p);
  return m === null ? undefined : codePoint(m[0]);
}

/** Throw PATH_UNSAFE_NAME when a path to be written holds an unsafe character. */
export function assertSafeName(p: string): void {
  const bad = unsafeCharacter(p);
  if (bad === undefined) return;
  throw new LlmrError('PATH_UNSAFE_NAME', `path ${showUnsafe(p)} contains the invisible or control character ${bad}; written paths may not`,
    'write to a path of visible characters only (control, bidirectional-override and zero-width characters make a name look like another)');
}
