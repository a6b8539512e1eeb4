/** numberSource: the exact text of a JSON number at a path, agreeing with JSON.parse on what is there. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ARRAY_INDEX, numberSource } from '../../lambdas/domain/json-source.ts';

describe('numberSource', () => {
  const cases: [string, string, string[], string | undefined][] = [
    ['a top-level number', ' 1e3 ', [], '1e3'],
    ['beyond 2^53', '{"id":9007199254740993}', ['id'], '9007199254740993'],
    ['as written, not as parsed', '{"a":{"b":-0.10E+02}}', ['a', 'b'], '-0.10E+02'],
    ['whitespace everywhere', ' { "a" :\n\t[ 1 , { "b" : 2 } ] } ', ['a', '1', 'b'], '2'],
    ['a key given twice: the last wins', '{"id":1,"x":{},"id":2}', ['id'], '2'],
    ['the last occurrence wins even without the field', '{"a":{"b":1},"a":{"c":2}}', ['a', 'b'], undefined],
    ['an escaped key', '{"\\u0069d":7}', ['id'], '7'],
    ['a key with an escaped quote', '{"a\\"b":8}', ['a"b'], '8'],
    ['strings with brackets, quotes and backslashes are skipped', '{"s":"}]\\"{[\\\\","t":["\\\\",{"u":"]"}],"id":9}', ['id'], '9'],
    ['an array element', '{"a":[10,20,30]}', ['a', '2'], '30'],
    ['no such index', '{"a":[10]}', ['a', '1'], undefined],
    ['arrays are read by canonical index only', '{"a":[10,20]}', ['a', '01'], undefined],
    ['not `length`', '{"a":[10,20]}', ['a', 'length'], undefined],
    ['a string is not a number', '{"id":"12"}', ['id'], undefined],
    ['null', '{"id":null}', ['id'], undefined],
    ['through a scalar', '{"a":true}', ['a', 'b'], undefined],
    ['an empty object', '{}', ['a'], undefined],
    ['an empty array', '{"a":[]}', ['a', '0'], undefined],
    ['__proto__ is an ordinary key, as JSON.parse makes it', '{"__proto__":{"id":5}}', ['__proto__', 'id'], '5'],
  ];
  for (const [name, text, path, expected] of cases) {
    it(name, () => {
      JSON.parse(text); // the precondition: text JSON.parse accepts
      expect(numberSource(text, path)).toBe(expected);
    });
  }

  /** JSON.parse's reading of the path, as template.ts reads it. */
  function parsedAt(value: unknown, path: readonly string[]): unknown {
    let node = value;
    for (const segment of path) {
      if (node === null || typeof node !== 'object') return undefined;
      if (Array.isArray(node) && !ARRAY_INDEX.test(segment)) return undefined;
      node = Object.hasOwn(node, segment) ? (node as Record<string, unknown>)[segment] : undefined;
    }
    return node;
  }

  /** Every path in a value, so that the property reaches deep numbers, not only top-level misses. */
  function paths(value: unknown, prefix: string[] = []): string[][] {
    const out = [prefix];
    if (value !== null && typeof value === 'object') {
      for (const key of Object.keys(value)) out.push(...paths((value as Record<string, unknown>)[key], [...prefix, key]));
    }
    return out;
  }

  it('agrees with JSON.parse at every path of arbitrary JSON, whitespace and escapes included', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        // Indented output puts whitespace around every token; JSON.stringify escapes what must be.
        const text = pretty ? JSON.stringify(value, null, '\t') : JSON.stringify(value);
        for (const path of [...paths(value), ['missing'], [...paths(value).at(-1)!, 'x']]) {
          const parsed = parsedAt(JSON.parse(text), path);
          const source = numberSource(text, path);
          if (typeof parsed === 'number') {
            expect(source).toBeDefined();
            expect(Number(source)).toBe(parsed);
          } else {
            expect(source).toBeUndefined();
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('returns each number exactly as written', () => {
    const lexeme = fc
      .tuple(fc.boolean(), fc.stringMatching(/^(?:0|[1-9][0-9]{0,25})$/), fc.option(fc.stringMatching(/^[0-9]{1,5}$/)), fc.option(fc.stringMatching(/^[eE][+-]?[0-9]{1,3}$/)))
      .map(([minus, int, frac, exp]) => `${minus ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp ?? ''}`);
    fc.assert(
      fc.property(lexeme, fc.string(), (number, noise) => {
        const text = `{"noise":${JSON.stringify(noise)},"data":{"id":${number}},"tail":[${number}]}`;
        expect(numberSource(text, ['data', 'id'])).toBe(number);
        expect(numberSource(text, ['tail', '0'])).toBe(number);
      }),
      { numRuns: 300 },
    );
  });
});
