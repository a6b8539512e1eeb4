/** Key derivation per provider: raw strings, and whsec_-prefixed base64 for Standard Webhooks. */
import { describe, expect, it } from 'vitest';
import { MIN_KEY_BYTES, SecretFormatError, deriveKey, prepareKeys } from '../../lambdas/domain/keys.ts';
import { SECRETS, check, provider } from './fixtures.ts';
import { signedSample } from './samples.ts';

describe('prepareKeys', () => {
  it('refuses an empty current secret, naming provider and slot', () => {
    expect(() => prepareKeys(provider('sully'), { current: '' })).toThrow(new SecretFormatError('sully current secret is empty'));
  });

  it('treats an empty previous secret as none', () => {
    const keys = prepareKeys(provider('stripe'), { current: SECRETS.stripe.current, previous: '' });
    expect(keys.previous).toBeUndefined();
  });

  for (const bad of ['whsec_', 'whsec_not base64', 'whsec_abc!', 'whsec_MfKQ=r8GKYqr', 'whsec_-_-_']) {
    it(`standard-webhooks refuses ${JSON.stringify(bad)}`, () => {
      expect(() => prepareKeys(provider('standard-webhooks'), { current: bad })).toThrow(
        new SecretFormatError('standard-webhooks current secret must be whsec_ followed by base64'),
      );
    });
  }

  it('standard-webhooks names the previous slot when that one is bad', () => {
    expect(() => prepareKeys(provider('standard-webhooks'), { current: SECRETS['standard-webhooks'].current, previous: 'whsec_%%' })).toThrow(
      'standard-webhooks previous secret must be whsec_ followed by base64',
    );
  });

  it('standard-webhooks accepts the secret without its whsec_ prefix (same key)', () => {
    const { headers, body } = signedSample('standard-webhooks');
    const bare = SECRETS['standard-webhooks'].current.slice('whsec_'.length);
    expect(check('standard-webhooks', headers, body, { secrets: { current: bare } })).toMatchObject({ ok: true, matched: 'current' });
  });

  it('raw providers do not decode: a base64-looking secret is used as its text', () => {
    const { headers, body } = signedSample('solatis', { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    expect(check('solatis', headers, body, { secrets: { current: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } }).ok).toBe(true);
    expect(check('solatis', headers, body, { secrets: { current: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } })).toMatchObject({ ok: false, code: 'signature_mismatch' });
  });
});

describe('minimum key lengths', () => {
  const b64 = (bytes: number) => `whsec_${Buffer.alloc(bytes, 0xa5).toString('base64')}`;

  it('are 24 bytes for whsec-base64 (the Standard Webhooks spec) and 16 for raw secrets', () => {
    expect(MIN_KEY_BYTES).toEqual({ 'whsec-base64': 24, raw: 16 });
  });

  it('standard-webhooks refuses a 1-byte and a 23-byte key, accepts 24 and 64 bytes, and does not echo the value', () => {
    const sw = provider('standard-webhooks');
    expect(() => deriveKey(sw, 'whsec_QQ==')).toThrow(
      new SecretFormatError('standard-webhooks secret is too short: its base64 decodes to 1 bytes, at least 24 are required (Standard Webhooks secrets are 24 to 64 bytes)'),
    );
    expect(() => prepareKeys(sw, { current: b64(23) })).toThrow(/^standard-webhooks current secret is too short: its base64 decodes to 23 bytes/);
    expect(() => prepareKeys(sw, { current: b64(24).slice('whsec_'.length) })).not.toThrow();
    expect(() => prepareKeys(sw, { current: b64(64) })).not.toThrow();
    try {
      deriveKey(sw, 'whsec_QQ==');
    } catch (error) {
      expect((error as Error).message).not.toContain('QQ==');
    }
  });

  it('raw providers refuse 15 bytes and accept 16, counted in UTF-8 bytes', () => {
    for (const id of ['sully', 'suki', 'soapnoteapi', 'solatis', 'generic', 'github', 'stripe']) {
      expect(() => deriveKey(provider(id), 'x'.repeat(15)), id).toThrow(
        new SecretFormatError(`${id} secret is too short: 15 bytes, at least 16 are required (a signing secret as the vendor issues it, or a random one such as openssl rand -hex 32)`),
      );
      expect(() => deriveKey(provider(id), 'x'.repeat(16)), id).not.toThrow();
    }
    expect(() => deriveKey(provider('solatis'), 'é'.repeat(8))).not.toThrow(); // 8 characters, 16 bytes
    expect(() => prepareKeys(provider('stripe'), { current: SECRETS.stripe.current, previous: 'whsec_short' })).toThrow(/^stripe previous secret is too short: 11 bytes/);
  });

  it("accepts every documented or test secret of the vendors' formats", () => {
    for (const [id, secret] of [
      ['github', "It's a Secret to Everybody"], // GitHub's docs
      ['standard-webhooks', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], // the Standard Webhooks spec's example: 24 bytes
      ['solatis', 'your-secret-for-signatures'], // Solatis' registration example
    ] as const) {
      expect(() => deriveKey(provider(id), secret), id).not.toThrow();
    }
  });
});
