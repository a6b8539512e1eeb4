/** Valid vectors from independent signers: every provider verifies its vendor's own signature. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIVERY, PROVIDER_IDS, SECRETS, check, defaultTs } from './fixtures.ts';
import { SAMPLES, signedContext } from './samples.ts';
import { hmacHex, recipe, sign } from './signers.ts';

describe('valid vectors from independent signers', () => {
  for (const id of PROVIDER_IDS) {
    for (const s of SAMPLES[id]) {
      it(`${id}: ${s.name}`, () => {
        const headers = sign(id, { body: s.body, ...(s.msgId ? { msgId: s.msgId } : {}), ...(s.event ? { event: s.event } : {}) });
        expect(check(id, headers, s.body)).toStrictEqual({
          ok: true,
          matched: 'current',
          eventType: s.eventType,
          dedupeKey: s.dedupeKey,
          ...signedContext(id, defaultTs(id), s.msgId),
        });
      });
    }
  }
});

describe("GitHub's published test vector", () => {
  const secret = "It's a Secret to Everybody";
  const body = 'Hello, World!';
  const published = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it('the node:crypto recipe reproduces the published digest', () => {
    expect(`sha256=${hmacHex(secret, body)}`).toBe(published);
  });

  it('verifies with the event type from its header and the dedupe key from the bytes (the body is not JSON)', () => {
    const headers = { 'x-hub-signature-256': published, 'x-github-event': 'ping', 'x-github-delivery': DEFAULT_DELIVERY };
    expect(check('github', headers, body, { secrets: { current: secret } })).toStrictEqual({
      ok: true,
      matched: 'current',
      eventType: 'ping',
      dedupeKey: createHash('sha256').update(body).digest('hex'),
    });
  });

  it('fails with the published header but a different secret', () => {
    const headers = { 'x-hub-signature-256': published, 'x-github-event': 'ping', 'x-github-delivery': DEFAULT_DELIVERY };
    const verdict = check('github', headers, body, { secrets: { current: "It's a Secret to Everybody!" } });
    expect(verdict).toMatchObject({ ok: false, code: 'signature_mismatch', status: 401 });
  });
});

describe("the Standard Webhooks spec's published test vector", () => {
  // From the spec's reference libraries' tests: a body without `type`, which the stack still accepts.
  const headers = {
    'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    'webhook-timestamp': '1614265330',
    'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };
  const body = '{"test": 2432232314}';
  const secrets = { current: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };

  it('verifies at its own time: event type unknown, keyed by its message id, unrecognized', () => {
    expect(check('standard-webhooks', headers, body, { secrets, now: 1614265330 })).toStrictEqual({
      ok: true,
      matched: 'current',
      eventType: 'unknown',
      dedupeKey: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      unrecognized: 'event type: missing body field type',
      timestamp: '1614265330',
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    });
    // and is still authenticated: one byte changed fails.
    const verdict = check('standard-webhooks', headers, body.replace('4}', '5}'), { secrets, now: 1614265330 });
    expect(verdict).toMatchObject({ ok: false, code: 'signature_mismatch' });
  });
});

describe('generic: unknown event types are keyed by the SHA-256 of the exact bytes', () => {
  it('uses {type}:{sha256 of the raw body}', () => {
    const body = '{"event":"workspace.renamed","timestamp":"2024-01-15T10:30:00Z","data":{"workspace":{"id":9}}}';
    const verdict = check('generic', sign('generic', { body }), body);
    const digest = createHash('sha256').update(body).digest('hex');
    expect(verdict).toStrictEqual({ ok: true, matched: 'current', eventType: 'workspace.renamed', dedupeKey: `workspace.renamed:${digest}` });
  });
});

describe('fixture self-check: the node:crypto recipes agree with the vendor packages', () => {
  for (const id of ['sully', 'stripe', 'standard-webhooks'] as const) {
    it(`${id}`, () => {
      for (const s of SAMPLES[id]) {
        const input = { body: s.body, secret: SECRETS[id].current, ...(s.msgId ? { msgId: s.msgId } : {}) };
        expect(recipe(id, input)).toStrictEqual(sign(id, input));
      }
    });
  }
});
