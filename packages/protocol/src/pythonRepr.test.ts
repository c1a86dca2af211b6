import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runPython } from '../test/support/python';
import { pyFloatRepr, pyStr, pyStrRepr } from './pythonRepr';

describe('pyFloatRepr', () => {
  it.each([
    [1, '1.0'],
    [0.1, '0.1'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1.5e-7, '1.5e-07'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [123456789012345680, '1.2345678901234568e+17'],
    [-0, '-0.0'],
    [0, '0.0'],
    [-2.5, '-2.5'],
    [7.5, '7.5'],
    [1 / 3, '0.3333333333333333'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NaN, 'nan'],
  ])('%s → %s', (x, expected) => {
    expect(pyFloatRepr(x)).toBe(expected);
  });
});

describe('pyStrRepr', () => {
  it.each([
    ['user', "'user'"],
    ["it's", `"it's"`],
    [`it's "x"`, `'it\\'s "x"'`],
    ['a\nb\tc\\', "'a\\nb\\tc\\\\'"],
    ['\u0000\u007f\u00a0', "'\\x00\\x7f\\xa0'"],
    ['é ü 日本', "'é ü 日本'"],
    ['\u2028\u200b', "'\\u2028\\u200b'"],
  ])('%j', (s, expected) => {
    expect(pyStrRepr(s)).toBe(expected);
  });
});

describe('pyStr with schemas', () => {
  it('renders by the declared type, not the JS value', () => {
    expect(pyStr(7, z.number())).toBe('7.0');
    expect(pyStr(7, z.int())).toBe('7');
    expect(pyStr([1, 2.5], z.array(z.number()))).toBe('[1.0, 2.5]');
    expect(pyStr(['user'])).toBe("['user']");
    expect(pyStr(true)).toBe('True');
    expect(pyStr(null)).toBe('None');
    expect(pyStr({ k: 1 })).toBe("{'k': 1}");
    expect(pyStr({ b: 2 }, z.object({ a: z.number().optional(), b: z.number() }))).toBe(
      "{'a': None, 'b': 2.0}",
    );
    expect(pyStr('bare')).toBe('bare');
  });
});

// ---- property test against CPython's str() ----

type PyType =
  | 'int'
  | 'float'
  | 'str'
  | 'bool'
  | ['list', PyType]
  | ['dict', PyType]
  | ['opt', PyType];

const leafType = fc.constantFrom<PyType>('int', 'float', 'str', 'bool');
const pyType: fc.Arbitrary<PyType> = fc.letrec<{ t: PyType }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafType,
    fc.tuple(fc.constant('list' as const), tie('t')),
    fc.tuple(fc.constant('dict' as const), tie('t')),
    fc.tuple(fc.constant('opt' as const), tie('t')),
  ),
})).t;

// Characters whose Unicode category is the same in Python 3.11 (Unicode 14) and Node 20's ICU:
// controls, quotes, escapes, Latin-1, Greek, Cyrillic, CJK, format and separator characters,
// private use, noncharacters, lone surrogates and old emoji.
const tricky = [
  ...'\'"\\\n\r\t\u0000\u0001\u001f\u007f\u0080\u009f\u00a0\u00ad\u00e9 ~aZ09',
  '\u0391',
  '\u03c9',
  '\u0416',
  '\u4e2d',
  '\u65e5',
  '\u2028',
  '\u2029',
  '\u200b',
  '\u200e',
  '\ufeff',
  '\u3000',
  '\ue000',
  '\uffff',
  '\ufffe',
  '\ud800',
  '\udfff',
  '\u{1f600}',
  '\u{1f64f}',
  '\u{10ffff}',
];
const text = fc.oneof(
  fc.string({ unit: fc.constantFrom(...tricky), maxLength: 12 }),
  fc.string({ maxLength: 12 }),
);
const float = fc.oneof(
  fc.double({ noNaN: false }),
  fc.constantFrom(0, -0, 1e-5, 1e16, 1e15, 0.1, 123.456, 1e-4, 9999999999999998),
);

function valueFor(t: PyType): fc.Arbitrary<unknown> {
  if (t === 'int') return fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 });
  if (t === 'float') return float;
  if (t === 'str') return text;
  if (t === 'bool') return fc.boolean();
  const [kind, inner] = t;
  if (kind === 'opt') return fc.option(valueFor(inner), { nil: null });
  if (kind === 'list') return fc.array(valueFor(inner), { maxLength: 4 });
  return fc.uniqueArray(fc.tuple(text, valueFor(inner)), { maxLength: 4, selector: ([k]) => k });
}

function schemaOf(t: PyType): z.ZodType {
  if (t === 'int') return z.int();
  if (t === 'float') return z.number();
  if (t === 'str') return z.string();
  if (t === 'bool') return z.boolean();
  const [kind, inner] = t;
  if (kind === 'opt') return schemaOf(inner).nullable();
  if (kind === 'list') return z.array(schemaOf(inner));
  return z.record(z.string(), schemaOf(inner));
}

/** JS value for our renderer (dicts as Maps: JS objects reorder integer-like keys). */
function jsValue(t: PyType, v: unknown): unknown {
  if (v === null || typeof t === 'string') return v;
  const [kind, inner] = t;
  if (kind === 'opt') return jsValue(inner, v);
  if (kind === 'list') return (v as unknown[]).map((x) => jsValue(inner, x));
  return new Map((v as [string, unknown][]).map(([k, x]) => [k, jsValue(inner, x)]));
}

/** The wire form for the oracle: floats as strings so -0.0, nan and inf survive JSON. */
function oracleValue(t: PyType, v: unknown): unknown {
  if (v === null) return null;
  if (t === 'float') return Object.is(v, -0) ? '-0.0' : String(v);
  if (typeof t === 'string') return v;
  const [kind, inner] = t;
  if (kind === 'opt') return oracleValue(inner, v);
  if (kind === 'list') return (v as unknown[]).map((x) => oracleValue(inner, x));
  return (v as [string, unknown][]).map(([k, x]) => [k, oracleValue(inner, x)]);
}

describe('pyStr equals CPython str() (property, oracle: .venv python)', () => {
  it('on 600 random typed values', async () => {
    const cases = fc.sample(
      pyType.chain((t) => valueFor(t).map((v) => ({ t, v }))),
      { numRuns: 600, seed: 20261122 },
    );
    const input = cases
      .map(({ t, v }) => JSON.stringify({ type: t, value: oracleValue(t, v) }))
      .join('\n');
    const lines = (await runPython('pystr_oracle.py', `${input}\n`)).trim().split('\n');
    expect(lines).toHaveLength(cases.length);
    cases.forEach(({ t, v }, i) => {
      const expected = JSON.parse(lines[i] as string) as string;
      expect({ t, got: pyStr(jsValue(t, v), schemaOf(t)) }).toEqual({ t, got: expected });
    });
  });
});
