/**
 * Distinct events get distinct dedupe keys: numbers by their source text, values encoded so that
 * they cannot run into each other, and keys past DynamoDB's 1024-byte sort key limit fitted to it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as domain from '../../lambdas/domain/dedupe-key.ts';
import { prepareKeys } from '../../lambdas/domain/keys.ts';
import { defineProvider, type ProviderDefinition } from '../../lambdas/domain/provider.ts';
import { providerDeclarations } from '../../providers/index.ts';
import { verify } from '../../lambdas/domain/verification.ts';
import { NOW, bytes, check } from './fixtures.ts';
import { sign } from './signers.ts';

const MAX_BYTES = 1024; // DynamoDB's sort key limit, in UTF-8 bytes (dynalite counts characters instead)
const utf8Length = (text: string) => Buffer.byteLength(text, 'utf8');

/** The dedupe key the stack gives a signed body. */
function keyOf(id: 'solatis' | 'stripe' | 'sully' | 'generic', body: string): string {
  const verdict = check(id, sign(id, { body }), body);
  if (!verdict.ok) throw new Error(`${id}: ${verdict.code}`);
  return verdict.dedupeKey;
}

describe('JSON numbers are keyed by their source text', () => {
  it('ids beyond 2^53 that JSON.parse reads as the same number get different keys', () => {
    const a = keyOf('solatis', '{"event":"document.analyzed","id":9007199254740993}');
    const b = keyOf('solatis', '{"event":"document.analyzed","id":9007199254740992}');
    expect(a).toBe('9007199254740993');
    expect(b).toBe('9007199254740992');
  });

  it('1000 and 1e3 are different ids', () => {
    expect(keyOf('stripe', '{"type":"charge.refunded","id":1000}')).toBe('1000');
    expect(keyOf('stripe', '{"type":"charge.refunded","id":1e3}')).toBe('1e3');
  });

  it('inside a composite key (generic: a numeric meeting id)', () => {
    const body = (id: string) => `{"event":"meeting.started","timestamp":"2026-01-01T00:00:00Z","data":{"meeting":{"id":${id}}}}`;
    expect(keyOf('generic', body('12345678901234567890'))).toBe('meeting.started:12345678901234567890:2026-01-01T00:00:00Z');
    expect(keyOf('generic', body('12345678901234567891'))).not.toBe(keyOf('generic', body('12345678901234567890')));
  });

  it('a number the old String(Number) wrote in another form (1e400 was refused, 1.50 became 1.5)', () => {
    expect(keyOf('stripe', '{"type":"charge.refunded","id":1e400}')).toBe('1e400');
    expect(keyOf('stripe', '{"type":"charge.refunded","id":1.50}')).toBe('1.50');
  });
});

describe('values cannot run into each other', () => {
  const sully = (id: string, type: string) => keyOf('sully', JSON.stringify({ type, data: { id } }));

  it('{type}:{body:data.id} with type "a:b", id "c" differs from type "a", id "b:c"; ordinary ids read as before', () => {
    const left = sully('c', 'a:b');
    const right = sully('b:c', 'a');
    expect(left).not.toBe(right);
    expect(left).toBe('a%3Ab:c');
    expect(right).toBe('a:b:c'); // the last value needs no escape for its colon
    // Only what must be escaped is: the keys of ordinary ids do not change.
    expect(sully('note_8c1d2e3f4a5b', 'note_generation.succeeded')).toBe('note_generation.succeeded:note_8c1d2e3f4a5b');
    expect(keyOf('stripe', '{"type":"charge.refunded","id":"evt_123"}')).toBe('evt_123');
    const uuid = 'a953839a-ddcd-407d-b9b0-3ed4b6be4be2';
    expect(keyOf('solatis', JSON.stringify({ event: 'document.analyzed', id: uuid }))).toBe(uuid);
  });

  it('a percent sign is escaped too, so an escape cannot be forged by a value', () => {
    expect(sully('c', 'a%3Ab')).toBe('a%253Ab:c');
    expect(sully('c', 'a%3Ab')).not.toBe(sully('c', 'a:b'));
  });

  // A provider of its own: three values, literal text of several characters, several rules.
  const definition: ProviderDefinition = {
    ...providerDeclarations.find((d) => d.id === 'solatis')!,
    id: 'keys',
    eventType: '{body:t}',
    dedupeKey: [
      { when: 'x.*', key: '{type}|{body:a}::{body:b}' },
      { key: '{type}:{body:a}/{body:b}.end' },
    ],
  };
  const provider = defineProvider(definition);
  const keys = prepareKeys(provider, { current: 'dedupe-test-secret' });
  const keyFor = (t: string, a: string, b: string): string => {
    const body = JSON.stringify({ t, a, b });
    const verdict = verify(provider, sign('solatis', { body, secret: 'dedupe-test-secret' }), bytes(body), keys, NOW);
    if (!verdict.ok || verdict.unrecognized) throw new Error('expected a recognized event');
    return verdict.dedupeKey;
  };
  // Short values from an alphabet dense in the literal text's characters, the escape character and
  // hex digits, so that near-collisions are common.
  const value = fc.string({ unit: fc.constantFrom(...'x.:|/%3A7Cend'), minLength: 1, maxLength: 6 });
  const type = fc.string({ unit: fc.constantFrom(...'x.:|/%3A'), minLength: 1, maxLength: 6 });

  it('property: the same text split differently between the values gives a different key', () => {
    // The collisions plain concatenation makes: move the boundary between values across a separator.
    const positions = (text: string, c: string, after: number) => [...text].flatMap((x, k) => (x === c && k > after ? [k] : []));
    fc.assert(
      fc.property(type.filter((t) => !t.startsWith('x.')), value, value, fc.nat(), fc.nat(), (t, a, b, i, j) => {
        const text = `${t}:${a}/${b}`;
        const colons = positions(text, ':', -1);
        const colon = colons[i % colons.length]!;
        const slashes = positions(text, '/', colon);
        fc.pre(slashes.length > 0);
        const slash = slashes[j % slashes.length]!;
        const other: [string, string, string] = [text.slice(0, colon), text.slice(colon + 1, slash), text.slice(slash + 1)];
        fc.pre(other.every((v) => v !== '') && !other[0].startsWith('x.') && other.some((v, k) => v !== [t, a, b][k]));
        expect(keyFor(...other)).not.toBe(keyFor(t, a, b));
      }),
      { numRuns: 1000 },
    );
  });

  it('property: escaping is decodable (the proof in dedupe-key.ts, run backwards on one template)', () => {
    fc.assert(
      fc.property(type.filter((t) => !t.startsWith('x.')), value, value, (t, a, b) => {
        const key = keyFor(t, a, b);
        // Atoms: %XX or one character. The type ends at the first single ':'; a at the first single '/'.
        const atoms = key.match(/%[0-9A-F]{2}|[^]/g)!;
        const first = atoms.indexOf(':');
        const second = atoms.indexOf('/', first + 1);
        const decode = (list: string[]) => decodeURIComponent(list.join(''));
        expect(decode(atoms.slice(0, first))).toBe(t);
        expect(decode(atoms.slice(first + 1, second))).toBe(a);
        expect(decode(atoms.slice(second + 1, -4))).toBe(b);
        expect(atoms.slice(-4).join('')).toBe('.end');
      }),
      { numRuns: 1000 },
    );
  });

  describe('defineProvider refuses templates the encoding cannot keep apart', () => {
    const refuse = (dedupeKey: ProviderDefinition['dedupeKey'], message: string) =>
      expect(() => defineProvider({ ...definition, dedupeKey })).toThrow(`provider 'keys': dedupeKey ${message}`);

    it('two tokens with no literal text between them', () => refuse('{type}{body:a}', "'{type}{body:a}': separate every two tokens with literal text"));
    it('a % in literal text', () => refuse('{type}%{body:a}', "'{type}%{body:a}': literal text must be printable ASCII without %"));
    it('non-ASCII literal text', () => refuse('{type}→{body:a}', "'{type}→{body:a}': literal text must be printable ASCII without %"));
    it('several rules, one not led by {type} and literal text', () =>
      refuse([{ when: 'x.*', key: '{type}:{body:a}' }, { key: '{body:a}:{type}' }], "'{body:a}:{type}': with several rules, every key starts with {type} and literal text"));
  });
});

describe('keys longer than the ledger sort key allows', () => {
  // 'é' and 'è' are two bytes each: 750 of them are 1,500 bytes in 750 characters, under a 1024-character check.
  const longId = (last: 'é' | 'è') => `${'é'.repeat(749)}${last}`;
  const body = (id: string) => JSON.stringify({ event: 'document.analyzed', id });

  it('a 1,500-byte multi-byte id gives a key of at most 1024 bytes; another differing only at the end, another key', () => {
    expect(domain.MAX_DEDUPE_KEY_BYTES).toBe(MAX_BYTES);
    expect(utf8Length(longId('é'))).toBe(1500);
    expect(longId('é').length).toBeLessThan(1024);
    const a = keyOf('solatis', body(longId('é')));
    const b = keyOf('solatis', body(longId('è')));
    expect(utf8Length(a)).toBeLessThanOrEqual(MAX_BYTES);
    expect(utf8Length(b)).toBeLessThanOrEqual(MAX_BYTES);
    expect(a.startsWith('é'.repeat(100))).toBe(true);
    expect(a).not.toBe(b);
    expect(keyOf('solatis', body(longId('é')))).toBe(a); // deterministic: a redelivery finds its entry
  });

  it('an id of 1,025 ASCII characters is no longer refused', () => {
    const key = keyOf('solatis', body('e'.repeat(1025)));
    expect(utf8Length(key)).toBeLessThanOrEqual(MAX_BYTES);
  });

  it('property: fitted keys fit, end on a character boundary, keep short keys and keep long ones apart', () => {
    const char = fc.constantFrom('a', ':', '%', 'é', '東', '𝄞'); // 1, 1, 1, 2, 3 and 4 bytes
    const text = fc.string({ unit: char, maxLength: 1400 });
    fc.assert(
      fc.property(text, char, char, (key, x, y) => {
        const fitted = domain.fitDedupeKey(key);
        expect(utf8Length(fitted)).toBeLessThanOrEqual(MAX_BYTES);
        if (utf8Length(key) <= MAX_BYTES) expect(fitted).toBe(key);
        else {
          const cut = fitted.lastIndexOf('%~');
          expect(key.startsWith(fitted.slice(0, cut))).toBe(true); // a whole-character prefix: no U+FFFD
          expect(fitted.slice(cut + 2)).toMatch(/^[0-9a-f]{64}$/);
          expect(utf8Length(fitted)).toBeGreaterThan(MAX_BYTES - 4);
        }
        if (x !== y) expect(domain.fitDedupeKey(key + x)).not.toBe(domain.fitDedupeKey(key + y));
      }),
      { numRuns: 500 },
    );
  });
});
