/** Forged, tampered and malformed signatures: each case names the exact code and reason. */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { HEX_PROVIDERS, PROVIDER_IDS, SECRETS, SIGNATURE_HEADER, bytes, check, defaultTs, type ProviderId } from './fixtures.ts';
import { sample, signedContext, signedSample } from './samples.ts';
import { hmacHex, sign, signatureOf, withSignature } from './signers.ts';

const MISMATCH = /^signature mismatch: 1 signature checked against the current secret \(no previous secret is set\)$/;

function expectMalformed(verdict: ReturnType<typeof check>, id: ProviderId, detail: RegExp): void {
  expect(verdict).toMatchObject({ ok: false, code: 'malformed_header', status: 401 });
  if (verdict.ok) return;
  expect(verdict.reason).toContain(`malformed header ${SIGNATURE_HEADER[id]}: `);
  expect(verdict.reason).toMatch(detail);
}

function expectMismatch(verdict: ReturnType<typeof check>): void {
  expect(verdict).toMatchObject({ ok: false, code: 'signature_mismatch', status: 401 });
  if (!verdict.ok) expect(verdict.reason).toMatch(MISMATCH);
}

/** Each character moved up by U+0100: a two-byte character whose low byte is the original one. */
const lookAlike = (text: string) => [...text].map((c) => String.fromCharCode(0x100 + c.charCodeAt(0))).join('');

/** What a scheme says a well-formed signature looks like, in the reason. */
const SHAPE: Record<ProviderId, RegExp> = {
  sully: /v1 signature 1 must be 64 lowercase hex characters/,
  suki: /signature must be 64 hex characters/,
  soapnoteapi: /signature must be 64 lowercase hex characters/,
  solatis: /signature must be 64 lowercase hex characters/,
  generic: /signature must be 64 lowercase hex characters/,
  'standard-webhooks': /v1 signature 1 must be base64 of 32 bytes \(44 characters\)/,
  github: /signature must be 64 lowercase hex characters/,
  stripe: /v1 signature 1 must be 64 lowercase hex characters/,
};

describe('the body is authenticated byte for byte', () => {
  for (const id of PROVIDER_IDS) {
    it(`${id}: changing any one byte (first, middle, last) fails`, () => {
      const { headers, body } = signedSample(id);
      const original = Buffer.from(bytes(body as string));
      expect(check(id, headers, original).ok).toBe(true);
      for (const at of [0, original.length >> 1, original.length - 1]) {
        const tampered = Buffer.from(original);
        tampered[at] = (tampered[at] ?? 0) ^ 0x01;
        expectMismatch(check(id, headers, tampered));
      }
    });
  }
});

describe('wrong secret', () => {
  for (const id of PROVIDER_IDS) {
    it(`${id}: a vector signed with another secret fails`, () => {
      const other = id === 'standard-webhooks' ? `whsec_${Buffer.from('an-attacker-chosen-key!!').toString('base64')}` : `${SECRETS[id].current}x`;
      const { headers, body } = signedSample(id, { secret: other });
      expectMismatch(check(id, headers, body));
    });
  }
});

describe('wrong key derivation', () => {
  for (const id of ['sully', 'soapnoteapi', 'stripe'] as const) {
    it(`${id}: a sender that strips whsec_ from the secret does not verify (the key is the string as-is)`, () => {
      const secret = SECRETS[id].current;
      expect(secret.startsWith('whsec_')).toBe(true);
      const { headers, body } = signedSample(id, { secret: secret.slice('whsec_'.length) });
      expectMismatch(check(id, headers, body));
      // And the other way round: the sender signs with the full string, the receiver stored it stripped.
      const full = signedSample(id);
      expectMismatch(check(id, full.headers, full.body, { secrets: { current: secret.slice('whsec_'.length) } }));
    });
  }

  it('sully: a sender that base64-decodes the part after whsec_ does not verify', () => {
    const s = sample('sully');
    const key = Buffer.from(SECRETS.sully.current.slice('whsec_'.length), 'base64');
    const ts = defaultTs('sully');
    const headers = { 'x-sully-signature': `t=${ts},v1=${hmacHex(key, `${ts}.`, s.body)}` };
    expectMismatch(check('sully', headers, s.body));
  });

  it('standard-webhooks: a secret used raw (whole string, or the base64 text) instead of base64-decoded fails', () => {
    const s = sample('standard-webhooks');
    const secret = SECRETS['standard-webhooks'].current;
    for (const raw of [secret, secret.slice('whsec_'.length)]) {
      const signature = new Webhook(raw, { format: 'raw' }).sign(s.msgId ?? '', new Date(Number(defaultTs('standard-webhooks')) * 1000), s.body);
      const headers = { 'webhook-id': s.msgId ?? '', 'webhook-timestamp': defaultTs('standard-webhooks'), 'webhook-signature': signature };
      expectMismatch(check('standard-webhooks', headers, s.body));
    }
  });
});

describe('strict signature decoding', () => {
  for (const id of PROVIDER_IDS) {
    it(`${id}: trailing junk after a valid signature (zz, 00) is malformed, not ignored`, () => {
      const { headers, body } = signedSample(id);
      const valid = signatureOf(id, headers);
      for (const junk of ['zz', '00']) {
        expectMalformed(check(id, withSignature(id, headers, `${valid}${junk}`), body), id, SHAPE[id]);
      }
    });
  }

  for (const id of HEX_PROVIDERS) {
    it(`${id}: short and long hex (62, 63, 65, 66 characters) is malformed`, () => {
      const { headers, body } = signedSample(id);
      const valid = signatureOf(id, headers);
      expect(valid).toMatch(/^[0-9a-f]{64}$/);
      // 63 and 65 are the lenient-decoder trap: Buffer.from(hex) drops a trailing odd nibble.
      for (const text of [valid.slice(0, 62), valid.slice(0, 63), `${valid}a`, `${valid}ab`]) {
        expectMalformed(check(id, withSignature(id, headers, text), body), id, SHAPE[id]);
      }
    });

    it(`${id}: non-hex signatures of the right length are malformed`, () => {
      const { headers, body } = signedSample(id);
      for (const text of ['g'.repeat(64), ' '.repeat(64), `${signatureOf(id, headers).slice(0, 63)}-`]) {
        expectMalformed(check(id, withSignature(id, headers, text), body), id, SHAPE[id]);
      }
    });

    it(`${id}: non-ASCII look-alikes of hex digits are malformed (Node's decoder reads them by their low byte)`, () => {
      const { headers, body } = signedSample(id);
      const valid = signatureOf(id, headers);
      for (const text of [lookAlike(valid), `${valid.slice(0, 10)}${lookAlike(valid.slice(10, 11))}${valid.slice(11)}`]) {
        expect(text).toHaveLength(64);
        // The trap: a decode-then-check-the-length verifier would take these for the valid signature.
        expect(Buffer.from(text, 'hex').equals(Buffer.from(valid, 'hex'))).toBe(true);
        expectMalformed(check(id, withSignature(id, headers, text), body), id, SHAPE[id]);
      }
    });

    it(`${id}: an empty signature is refused`, () => {
      const { headers, body } = signedSample(id);
      const verdict = check(id, withSignature(id, headers, ''), body);
      if (['suki', 'soapnoteapi', 'solatis'].includes(id)) {
        // The whole header is the signature: an empty header is a missing one.
        expect(verdict).toMatchObject({ ok: false, code: 'missing_header', status: 401, reason: `missing header ${SIGNATURE_HEADER[id]}` });
      } else {
        expectMalformed(verdict, id, SHAPE[id]);
      }
    });

    it(`${id}: upper-case hex is ${id === 'suki' ? 'accepted (Suki: "usually lowercase")' : 'rejected'}`, () => {
      const { headers, body } = signedSample(id);
      const upper = withSignature(id, headers, signatureOf(id, headers).toUpperCase());
      const verdict = check(id, upper, body);
      if (id === 'suki') {
        expect(verdict).toStrictEqual({ ok: true, matched: 'current', eventType: 'success', dedupeKey: sample('suki').dedupeKey, ...signedContext('suki', defaultTs('suki')) });
      } else {
        expectMalformed(verdict, id, SHAPE[id]);
      }
    });
  }

  it('suki: mixed-case hex is accepted too', () => {
    const { headers, body } = signedSample('suki');
    const valid = signatureOf('suki', headers);
    const mixed = [...valid].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
    expect(check('suki', withSignature('suki', headers, mixed), body).ok).toBe(true);
  });

  it('generic and github: the sha256= prefix is required, exactly', () => {
    for (const id of ['generic', 'github'] as const) {
      const { headers, body } = signedSample(id);
      const valid = signatureOf(id, headers);
      const name = id === 'generic' ? 'x-webhook-signature' : 'x-hub-signature-256';
      for (const value of [valid, `SHA256=${valid}`, `sha1=${valid}`, ` sha256=${valid}`]) {
        expectMalformed(check(id, { ...headers, [name]: value }, body), id, /expected prefix 'sha256='/);
      }
    }
  });
});

describe('standard-webhooks: base64 variants that a lenient decoder would accept are rejected', () => {
  const { headers, body } = signedSample('standard-webhooks');
  const valid = signatureOf('standard-webhooks', headers);
  const digest = Buffer.from(valid, 'base64');

  it('the untouched signature verifies (control)', () => {
    expect(valid).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(check('standard-webhooks', headers, body).ok).toBe(true);
  });

  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const last = alphabet.indexOf(valid[42] ?? '');
  const nonCanonical = `${valid.slice(0, 42)}${alphabet[last | 1]}=`;
  const variants: [string, string][] = [
    ['without padding', valid.slice(0, 43)],
    ['with double padding', `${valid.slice(0, 43)}==`],
    ['with non-canonical trailing bits', nonCanonical],
    ['with a line break inside', `${valid.slice(0, 20)}\n${valid.slice(20)}`],
    ['as base64url', Buffer.from(digest).toString('base64url')],
    ['of 31 bytes', digest.subarray(0, 31).toString('base64')],
    ['of 33 bytes', Buffer.concat([digest, Buffer.from([0])]).toString('base64')],
    ['in non-ASCII look-alike characters', lookAlike(valid)],
    ['with one non-ASCII look-alike character', `${valid.slice(0, 7)}${lookAlike(valid.slice(7, 8))}${valid.slice(8)}`],
  ];
  for (const [name, text] of variants) {
    it(`${name}`, () => {
      expect(text).not.toBe(valid);
      expectMalformed(check('standard-webhooks', withSignature('standard-webhooks', headers, text), body), 'standard-webhooks', SHAPE['standard-webhooks']);
    });
  }

  it('the non-canonical and look-alike variants decode to the very same bytes (why they must be rejected by shape)', () => {
    expect(Buffer.from(nonCanonical, 'base64').equals(digest)).toBe(true);
    expect(Buffer.from(lookAlike(valid), 'base64').equals(digest)).toBe(true);
  });
});

describe('several signatures in one header: any match is enough, malformed ones are not', () => {
  const forged = (id: ProviderId, n: number) => {
    const other = signedSample(id, { secret: id === 'standard-webhooks' ? `whsec_${Buffer.alloc(24, n).toString('base64')}` : `forged-${n}` }).headers;
    return signatureOf(id, other);
  };

  for (const id of ['sully', 'stripe'] as const) {
    const name = id === 'sully' ? 'x-sully-signature' : 'stripe-signature';
    it(`${id}: repeated v1= where only the last matches verifies`, () => {
      const { headers, body } = signedSample(id);
      const ts = defaultTs(id);
      const value = `t=${ts},v1=${forged(id, 1)},v1=${forged(id, 2)},v1=${signatureOf(id, headers)}`;
      expect(check(id, { [name]: value }, body)).toMatchObject({ ok: true, matched: 'current', timestamp: ts });
    });

    it(`${id}: repeated v1= where none matches names the count`, () => {
      const { body } = signedSample(id);
      const value = `t=${defaultTs(id)},v1=${forged(id, 1)},v1=${forged(id, 2)}`;
      const verdict = check(id, { [name]: value }, body);
      expect(verdict).toMatchObject({ ok: false, code: 'signature_mismatch' });
      if (!verdict.ok) expect(verdict.reason).toContain('2 signatures checked');
    });

    it(`${id}: other schemes (v0=) are ignored and t= may come last`, () => {
      const { headers, body } = signedSample(id);
      const value = `v0=not-a-signature,v1=${signatureOf(id, headers)},t=${defaultTs(id)}`;
      expect(check(id, { [name]: value }, body).ok).toBe(true);
    });

    it(`${id}: only this request's signatures are compared (nothing carries over from the previous request)`, () => {
      const { headers, body } = signedSample(id);
      const ts = defaultTs(id);
      expect(check(id, { [name]: `t=${ts},v1=${forged(id, 1)},v1=${signatureOf(id, headers)}` }, body).ok).toBe(true);
      const verdict = check(id, { [name]: `t=${ts},v1=${forged(id, 1)}` }, body);
      expect(verdict).toMatchObject({ ok: false, code: 'signature_mismatch' });
      if (!verdict.ok) expect(verdict.reason).toContain('1 signature checked');
      expect(check(id, { [name]: `t=${ts},v1=${signatureOf(id, headers)}zz` }, body)).toMatchObject({ ok: false, code: 'malformed_header' });
    });

    it(`${id}: 17 v1= signatures are refused as abuse`, () => {
      const { headers, body } = signedSample(id);
      const many = Array.from({ length: 16 }, (_, i) => `v1=${forged(id, i + 1)}`).join(',');
      expectMalformed(check(id, { [name]: `t=${defaultTs(id)},${many},v1=${signatureOf(id, headers)}` }, body), id, /more than 16 signatures/);
    });

    it(`${id}: a malformed v1= beside the valid one makes the header malformed`, () => {
      const { headers, body } = signedSample(id);
      const value = `t=${defaultTs(id)},v1=${signatureOf(id, headers)},v1=${signatureOf(id, headers)}zz`;
      expectMalformed(check(id, { [name]: value }, body), id, /v1 signature 2 must be 64 lowercase hex characters/);
    });
  }

  it('standard-webhooks: a space-separated list where only the last matches verifies', () => {
    const { headers, body } = signedSample('standard-webhooks');
    const value = `v1,${forged('standard-webhooks', 1)} v1,${forged('standard-webhooks', 2)} ${headers['webhook-signature']}`;
    expect(check('standard-webhooks', { ...headers, 'webhook-signature': value }, body)).toMatchObject({ ok: true, matched: 'current' });
  });

  it("standard-webhooks: only this request's signatures are compared (nothing carries over from the previous request)", () => {
    const { headers, body } = signedSample('standard-webhooks');
    const both = `v1,${forged('standard-webhooks', 1)} ${headers['webhook-signature']}`;
    expect(check('standard-webhooks', { ...headers, 'webhook-signature': both }, body).ok).toBe(true);
    const verdict = check('standard-webhooks', { ...headers, 'webhook-signature': `v1,${forged('standard-webhooks', 1)}` }, body);
    expect(verdict).toMatchObject({ ok: false, code: 'signature_mismatch' });
    if (!verdict.ok) expect(verdict.reason).toContain('1 signature checked');
  });

  it('standard-webhooks: other versions (v1a, asymmetric) are skipped', () => {
    const { headers, body } = signedSample('standard-webhooks');
    const value = `v1a,${'A'.repeat(86)}== ${headers['webhook-signature']}`;
    expect(check('standard-webhooks', { ...headers, 'webhook-signature': value }, body).ok).toBe(true);
  });

  it('standard-webhooks: a list of forged signatures only fails with the count', () => {
    const { headers, body } = signedSample('standard-webhooks');
    const value = `v1,${forged('standard-webhooks', 1)} v1,${forged('standard-webhooks', 2)} v1,${forged('standard-webhooks', 3)}`;
    const verdict = check('standard-webhooks', { ...headers, 'webhook-signature': value }, body);
    expect(verdict).toMatchObject({ ok: false, code: 'signature_mismatch' });
    if (!verdict.ok) expect(verdict.reason).toContain('3 signatures checked');
  });

  it('standard-webhooks: an item without a version is malformed', () => {
    const { headers, body } = signedSample('standard-webhooks');
    const value = `${signatureOf('standard-webhooks', headers)} ${headers['webhook-signature']}`;
    expectMalformed(check('standard-webhooks', { ...headers, 'webhook-signature': value }, body), 'standard-webhooks', /expected space-separated version,signature items/);
  });

  it('standard-webhooks: only non-v1 items is "no v1 signature"', () => {
    const { headers, body } = signedSample('standard-webhooks');
    const value = `v2,${signatureOf('standard-webhooks', headers)}`;
    expectMalformed(check('standard-webhooks', { ...headers, 'webhook-signature': value }, body), 'standard-webhooks', /no v1 signature/);
  });

  for (const id of ['github', 'solatis'] as const) {
    it(`${id}: a plain header does not take a list of signatures`, () => {
      const { headers, body } = signedSample(id);
      const name = id === 'github' ? 'x-hub-signature-256' : 'x-solatis-signature';
      const valid = headers[name] ?? '';
      expectMalformed(check(id, { ...headers, [name]: `${valid},${valid}` }, body), id, SHAPE[id]);
    });
  }
});

describe('re-framing a valid signature under another scheme does not verify', () => {
  it('a Stripe vector sent as Sully (same shape, other secret) fails', () => {
    const { headers, body } = signedSample('stripe', { body: sample('sully').body });
    expectMismatch(check('sully', { 'x-sully-signature': headers['stripe-signature'] }, body));
  });
});
