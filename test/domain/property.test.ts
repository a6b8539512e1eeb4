/** Property tests: nothing a sender can put in headers or body makes verify throw or pass unsigned. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../lambdas/domain/signature.ts';
import { verify } from '../../lambdas/domain/verification.ts';
import { prepareKeys } from '../../lambdas/domain/keys.ts';
import { NOW, PROVIDER_IDS, SECRETS, TIMESTAMP_UNIT, bytes, check, provider, type ProviderId } from './fixtures.ts';
import { sample, signedSample } from './samples.ts';
import { recipe, signatureOf, withSignature } from './signers.ts';

const AUTH_CODES = ['missing_header', 'malformed_header', 'timestamp_out_of_tolerance', 'signature_mismatch'];

/** Headers each provider reads: signature, timestamp, id, and GitHub's event/delivery. */
const HEADERS: Record<ProviderId, { sig: string; ts?: string; id?: string; extra?: readonly string[] }> = {
  sully: { sig: 'x-sully-signature' },
  suki: { sig: 'x-api-key', ts: 'generated-at' },
  soapnoteapi: { sig: 'x-soapnoteapi-signature', ts: 'x-soapnoteapi-timestamp' },
  solatis: { sig: 'x-solatis-signature' },
  generic: { sig: 'x-webhook-signature' },
  'standard-webhooks': { sig: 'webhook-signature', ts: 'webhook-timestamp', id: 'webhook-id' },
  github: { sig: 'x-hub-signature-256', extra: ['x-github-event', 'x-github-delivery'] },
  stripe: { sig: 'stripe-signature' },
};

const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const b64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64'));
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF=,. tv1-+/_') }),
  fc.constantFrom('', ' ', 't=', 'v1=', 'v1,', 'sha256=', 't=,v1=', ',', '=', 'v1, ', '\u0000', 'null', '0', '-1', '1e9'),
);

/** A timestamp inside the window, in the provider's unit: forces the HMAC comparison to run. */
function freshTs(id: ProviderId): fc.Arbitrary<string> {
  const unit = TIMESTAMP_UNIT[id] === 'ms' ? 1000 : 1;
  return fc.integer({ min: (NOW - 300) * unit, max: (NOW + 300) * unit }).map(String);
}

/** Well-formed, correctly framed, fresh, and forged: the signature bytes are random. */
function forgedSignature(id: ProviderId): fc.Arbitrary<string> {
  switch (id) {
    case 'sully':
    case 'stripe':
      return fc.tuple(freshTs(id), fc.array(hex64, { minLength: 1, maxLength: 4 })).map(([ts, sigs]) => `t=${ts},${sigs.map((s) => `v1=${s}`).join(',')}`);
    case 'standard-webhooks':
      return fc.array(b64, { minLength: 1, maxLength: 4 }).map((sigs) => sigs.map((s) => `v1,${s}`).join(' '));
    case 'generic':
    case 'github':
      return hex64.map((s) => `sha256=${s}`);
    case 'suki':
      return fc.oneof(hex64, hex64.map((s) => s.toUpperCase()));
    default:
      return hex64;
  }
}

const body = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  fc.json().map(bytes),
  fc.string({ unit: 'binary' }).map(bytes),
  fc.constantFrom(...PROVIDER_IDS.map((id) => bytes(sample(id).body))),
);

/** The provider's headers (each present or not, unless `all`), in random casing, among unrelated noise. */
function headersArb(id: ProviderId, value: (name: string) => fc.Arbitrary<string>, all = false): fc.Arbitrary<Record<string, string>> {
  const spec = HEADERS[id];
  const names = [spec.sig, ...(spec.ts ? [spec.ts] : []), ...(spec.id ? [spec.id] : []), ...(spec.extra ?? [])];
  const known = fc.record(Object.fromEntries(names.map((n) => [n, value(n)])), all ? {} : { requiredKeys: [] });
  const noise = fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.string(), { maxKeys: 4 });
  const casing = fc.constantFrom((n: string) => n, (n: string) => n.toUpperCase());
  return fc.tuple(noise, known, casing).map(([extra, headers, recase]) => ({
    ...extra,
    ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [recase(k), v as string])),
  }));
}

const keysOf = (id: ProviderId) => prepareKeys(provider(id), SECRETS[id]);

describe('arbitrary headers and bodies never throw and never verify', () => {
  for (const id of PROVIDER_IDS) {
    it(`${id}: arbitrary strings in every header`, () => {
      const p = provider(id);
      const keys = keysOf(id);
      fc.assert(
        fc.property(headersArb(id, () => text), body, fc.integer({ min: 0, max: 2 ** 40 }), (headers, raw, now) => {
          const verdict = verify(p, headers, raw, keys, now);
          expect(verdict.ok).toBe(false);
          if (!verdict.ok) {
            expect(verdict.status).toBe(401);
            expect(AUTH_CODES).toContain(verdict.code);
            expect(verdict.reason.length).toBeGreaterThan(0);
          }
        }),
        { numRuns: 300 },
      );
    });

    it(`${id}: well-formed, fresh, forged signatures are a signature_mismatch`, () => {
      const p = provider(id);
      const keys = keysOf(id);
      const spec = HEADERS[id];
      const value = (name: string): fc.Arbitrary<string> => {
        if (name === spec.sig) return forgedSignature(id);
        if (name === spec.ts) return freshTs(id);
        return fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);
      };
      const complete = headersArb(id, value, true);
      fc.assert(
        fc.property(complete, body, (headers, raw) => {
          const verdict = verify(p, headers, raw, keys, NOW);
          expect(verdict).toMatchObject({ ok: false, code: 'signature_mismatch', status: 401 });
        }),
        { numRuns: 200 },
      );
    });
  }
});

describe('signatures over raw bytes', () => {
  it('github: any bytes signed with the documented recipe verify, keyed by their SHA-256 whatever the delivery id', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.uuid(), (raw, delivery) => {
        const headers = recipe('github', { body: raw, msgId: delivery, event: 'push' });
        const dedupeKey = createHash('sha256').update(raw).digest('hex');
        expect(check('github', headers, raw)).toStrictEqual({ ok: true, matched: 'current', eventType: 'push', dedupeKey });
      }),
      { numRuns: 200 },
    );
  });

  for (const id of PROVIDER_IDS) {
    it(`${id}: flipping any bit of a valid body fails`, () => {
      const { headers, body: text } = signedSample(id);
      const original = bytes(text as string);
      expect(check(id, headers, original).ok).toBe(true);
      fc.assert(
        fc.property(fc.nat({ max: original.length * 8 - 1 }), (bit) => {
          const tampered = new Uint8Array(original);
          tampered[bit >> 3] = (tampered[bit >> 3] ?? 0) ^ (1 << (bit & 7));
          expect(check(id, headers, tampered)).toMatchObject({ ok: false, code: 'signature_mismatch' });
        }),
        { numRuns: 150 },
      );
    });
  }
});

describe('signature text is decoded strictly and exactly', () => {
  // The shapes as documented, written as regexes: the oracle for the hand-written decoders.
  const SHAPE: Partial<Record<ProviderId, RegExp>> = {
    stripe: /^[0-9a-f]{64}$/,
    solatis: /^[0-9a-f]{64}$/,
    suki: /^[0-9a-fA-F]{64}$/,
    'standard-webhooks': /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/,
  };
  const ids = Object.keys(SHAPE) as ProviderId[];
  // Hex and base64 characters of both cases, their neighbours, base64url, padding, space, and each of
  // those moved up by U+0100 (a two-byte character with the same low byte).
  const ascii = [...'0123456789abcdefABCDEFgGzZ+/=-_ .:\n'];
  const character = fc.constantFrom(...ascii, ...ascii.map((c) => String.fromCharCode(0x100 + c.charCodeAt(0))), '\u00e1', '\uff41');

  for (const id of ids) {
    const p = provider(id);
    const keys = keysOf(id);
    const signedAt = (raw: Uint8Array) => recipe(id, { body: raw, msgId: 'msg_property' });

    it(`${id}: any bytes signed with the documented recipe verify (the decoder reads every digest right)`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 256 }), (raw) => {
          expect(verifySignature(p, signedAt(raw), raw, keys, NOW)).toMatchObject({ ok: true, matched: 'current' });
        }),
        { numRuns: 300 },
      );
    });

    it(`${id}: one character changed is accepted only as the documented shape, and then only if it is the same signature`, () => {
      const raw = new Uint8Array([1, 2, 3]);
      const headers = signedAt(raw);
      const valid = signatureOf(id, headers);
      fc.assert(
        fc.property(fc.nat({ max: valid.length - 1 }), character, (at, c) => {
          const text = `${valid.slice(0, at)}${c}${valid.slice(at + 1)}`;
          const verdict = verifySignature(p, withSignature(id, headers, text), raw, keys, NOW);
          if (!SHAPE[id]!.test(text)) expect(verdict).toMatchObject({ ok: false, code: 'malformed_header' });
          else if (text === valid || (id === 'suki' && text.toLowerCase() === valid)) expect(verdict.ok).toBe(true);
          else expect(verdict).toMatchObject({ ok: false, code: 'signature_mismatch' });
        }),
        { numRuns: 1000 },
      );
    });
  }
});
