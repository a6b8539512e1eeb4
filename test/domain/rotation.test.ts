/** Secret rotation: the previous secret verifies during the overlap, and the verdict says which matched. */
import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS, SECRETS, check, defaultTs } from './fixtures.ts';
import { sample, signedContext, signedSample } from './samples.ts';

describe('current and previous secrets', () => {
  for (const id of PROVIDER_IDS) {
    const both = { current: SECRETS[id].current, previous: SECRETS[id].previous };

    it(`${id}: a vector signed with the previous secret only matches 'previous'`, () => {
      const s = sample(id);
      const { headers, body } = signedSample(id, { secret: SECRETS[id].previous });
      expect(check(id, headers, body, { secrets: both })).toStrictEqual({
        ok: true,
        matched: 'previous',
        eventType: s.eventType,
        dedupeKey: s.dedupeKey,
        ...signedContext(id, defaultTs(id), s.msgId),
      });
    });

    it(`${id}: a vector signed with the current secret matches 'current' while a previous one is set`, () => {
      const { headers, body } = signedSample(id);
      expect(check(id, headers, body, { secrets: both })).toMatchObject({ ok: true, matched: 'current' });
    });

    it(`${id}: the previous secret no longer verifies once it is removed`, () => {
      const { headers, body } = signedSample(id, { secret: SECRETS[id].previous });
      expect(check(id, headers, body, { secrets: { current: SECRETS[id].current } })).toStrictEqual({
        ok: false,
        code: 'signature_mismatch',
        status: 401,
        reason: 'signature mismatch: 1 signature checked against the current secret (no previous secret is set)',
      });
    });

    it(`${id}: with both secrets set, a third secret fails and the reason says both were tried`, () => {
      const third = id === 'standard-webhooks' ? `whsec_${Buffer.alloc(24, 7).toString('base64')}` : 'a-third-secret';
      const { headers, body } = signedSample(id, { secret: third });
      expect(check(id, headers, body, { secrets: both })).toStrictEqual({
        ok: false,
        code: 'signature_mismatch',
        status: 401,
        reason: 'signature mismatch: 1 signature checked against the current or the previous secret',
      });
    });
  }

  it('stripe: during a roll Stripe sends one v1= per secret; either order verifies', () => {
    const current = signedSample('stripe').headers['stripe-signature'] ?? '';
    const previous = signedSample('stripe', { secret: SECRETS.stripe.previous }).headers['stripe-signature'] ?? '';
    const v1 = (header: string) => header.slice(header.indexOf('v1='));
    const ts = defaultTs('stripe');
    const body = sample('stripe').body;
    for (const header of [`t=${ts},${v1(previous)},${v1(current)}`, `t=${ts},${v1(current)},${v1(previous)}`]) {
      // Only the previous secret configured: the previous signature matches wherever it sits.
      expect(check('stripe', { 'stripe-signature': header }, body, { secrets: { current: 'whsec_unrelated_secret', previous: SECRETS.stripe.previous } })).toMatchObject({
        ok: true,
        matched: 'previous',
      });
      expect(check('stripe', { 'stripe-signature': header }, body)).toMatchObject({ ok: true, matched: 'current' });
    }
  });
});
