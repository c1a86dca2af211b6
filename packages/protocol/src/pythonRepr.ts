/**
 * Python's `str()` and `repr()` for the values a synapse carries, so that the body hash we compute
 * equals the one the reference SDK computes over `str(model_dump()[field])`.
 *
 * JavaScript cannot tell `7` from `7.0`; Python can, and renders them differently. The renderer
 * therefore walks the field's zod schema alongside the value: a number under a schema without an
 * integer check renders as a Python float. Without a schema, integral numbers render as ints.
 */
import type { z } from 'zod';

/** Python's `repr(float)`: shortest round-trip digits, exponent form when exp < -4 or exp >= 16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest digits that round-trip, as Python does.
  const [mantissa = '', expPart = '0'] = Math.abs(x).toExponential().split('e');
  const exp = Number(expPart);
  const digits = mantissa.replace('.', '');
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const expSign = exp < 0 ? '-' : '+';
    const expAbs = String(Math.abs(exp)).padStart(2, '0');
    return `${sign}${digits[0]}${frac}e${expSign}${expAbs}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intLen = exp + 1;
  if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

// Python's str.isprintable(): false for categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs except ' '.
const NON_PRINTABLE = /[\p{C}\p{Zl}\p{Zp}\p{Zs}]/u;

function escapeCodePoint(cp: number): string {
  if (cp < 0x100) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** Python's `repr(str)`: single quotes unless the text has `'` and no `"`. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i) as number;
    i += cp > 0xffff ? 2 : 1;
    const ch = String.fromCodePoint(cp);
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp === 0x20) out += ' ';
    else if (cp >= 0xd800 && cp <= 0xdfff) out += escapeCodePoint(cp);
    else if (NON_PRINTABLE.test(ch)) out += escapeCodePoint(cp);
    else out += ch;
  }
  return out + quote;
}

type Schema = z.ZodType | undefined;

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
}

function defOf(schema: Schema): SchemaDef | undefined {
  return schema ? ((schema as unknown as { def: SchemaDef }).def ?? undefined) : undefined;
}

/** Strips wrappers that do not change how a present value renders. */
function unwrap(schema: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 16; i++) {
    const def = defOf(s);
    if (!def) return s;
    if (
      def.type === 'optional' ||
      def.type === 'nullable' ||
      def.type === 'default' ||
      def.type === 'prefault' ||
      def.type === 'readonly' ||
      def.type === 'catch' ||
      def.type === 'nonoptional'
    ) {
      s = def.innerType;
    } else if (def.type === 'pipe') {
      s = def.out;
    } else {
      return s;
    }
  }
  return s;
}

function isFloatSchema(schema: Schema): boolean | undefined {
  const s = unwrap(schema);
  const def = defOf(s);
  if (!def) return undefined;
  if (def.type === 'number') return !(s as unknown as { isInt?: boolean }).isInt;
  // Unions (int | float) and untyped values: pydantic keeps the JSON value's type; follow the value.
  return undefined;
}

function renderNumber(x: number, schema: Schema): string {
  if (isFloatSchema(schema) === true) return pyFloatRepr(x);
  return Number.isInteger(x) ? String(x) : pyFloatRepr(x);
}

/** `repr()` of a value nested in a container. */
export function pyRepr(value: unknown, schema?: z.ZodType): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return renderNumber(value, schema);
  if (typeof value === 'string') return pyStrRepr(value);
  const s = unwrap(schema);
  const def = defOf(s);
  if (Array.isArray(value)) {
    const el = def?.type === 'array' ? def.element : undefined;
    return `[${value.map((v) => pyRepr(v, el)).join(', ')}]`;
  }
  if (value instanceof Map) {
    const vt = def?.type === 'record' || def?.type === 'map' ? def.valueType : undefined;
    const parts = [...value.entries()].map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v, vt)}`);
    return `{${parts.join(', ')}}`;
  }
  if (typeof value === 'object') {
    const shape =
      def?.type === 'object'
        ? (s as unknown as { shape: Record<string, z.ZodType> }).shape
        : undefined;
    const obj = value as Record<string, unknown>;
    if (shape) {
      // A nested model dumps every declared field, in declaration order, absent ones as None.
      const parts = Object.keys(shape).map((k) => `${pyStrRepr(k)}: ${pyRepr(obj[k], shape[k])}`);
      return `{${parts.join(', ')}}`;
    }
    const vt = def?.type === 'record' ? def.valueType : undefined;
    const parts = Object.entries(obj).map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v, vt)}`);
    return `{${parts.join(', ')}}`;
  }
  throw new TypeError(`cannot render a ${typeof value} as a Python value`);
}

/** Python's `str()` of a field value: like repr, except a top-level string renders bare. */
export function pyStr(value: unknown, schema?: z.ZodType): string {
  if (typeof value === 'string') return value;
  return pyRepr(value, schema);
}
