/**
 * Argument checks of the MCP tools against their own schemas (the subset `tools.ts` uses). Every
 * problem names the field: `INVALID_PARAMS: edits[0].old_string must be a string`.
 */
import { LlmrError } from '../../protocol/errors.js';
import type { PropSpec, ToolSpec } from './tools.js';

type Obj = Record<string, unknown>;

function checkValue(value: unknown, spec: PropSpec, field: string): unknown {
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') throw bad(field, 'must be a string', value);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw bad(field, 'must be true or false', value);
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw bad(field, 'must be an integer', value);
      if (spec.minimum !== undefined && value < spec.minimum) throw bad(field, `must be at least ${spec.minimum}`, value);
      if (spec.maximum !== undefined && value > spec.maximum) throw bad(field, `must be at most ${spec.maximum}`, value);
      return value;
    case 'array': {
      // a lone string where a list of strings is expected is taken as a list of one
      const list = typeof value === 'string' && spec.items?.type === 'string' ? [value] : value;
      if (!Array.isArray(list)) throw bad(field, 'must be an array', value);
      if (spec.minItems !== undefined && list.length < spec.minItems) throw bad(field, `needs at least ${spec.minItems} item${spec.minItems === 1 ? '' : 's'}`, value);
      const items = spec.items;
      if (items === undefined) return list;
      return list.map((v, i) => (items.type === 'string' ? checkValue(v, { type: 'string', description: '' }, `${field}[${i}]`) : checkObject(v, items.properties, items.required, `${field}[${i}]`)));
    }
  }
}

function bad(field: string, what: string, value: unknown): LlmrError {
  const shown = JSON.stringify(value);
  return new LlmrError('INVALID_PARAMS', `${field} ${what}, got ${shown === undefined ? 'nothing' : shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}`);
}

function checkObject(value: unknown, properties: Record<string, PropSpec>, required: string[], prefix: string): Obj {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad(prefix === '' ? 'arguments' : prefix, 'must be an object', value);
  const obj = value as Obj;
  const at = (k: string): string => (prefix === '' ? k : `${prefix}.${k}`);
  for (const k of required) if (obj[k] === undefined) throw new LlmrError('INVALID_PARAMS', `${at(k)} is required`);
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) {
    const spec = properties[k];
    if (spec === undefined) throw new LlmrError('INVALID_PARAMS', `${at(k)} is not an argument of this tool; known: ${Object.keys(properties).join(', ')}`);
    if (v !== undefined && v !== null) out[k] = checkValue(v, spec, at(k));
  }
  return out;
}

/** The arguments of a call, checked against the tool's input schema. */
export function checkArgs(tool: ToolSpec, args: unknown): Obj {
  return checkObject(args ?? {}, tool.inputSchema.properties, tool.inputSchema.required, '');
}
