/** Key derivation per provider: raw strings, and whsec_-prefixed base64 for Standard Webhooks. */
import { describe, expect, it } from 'vitest';
import { SecretFormatError, prepareKeys } from '../../lambdas/domain/keys.ts';
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
