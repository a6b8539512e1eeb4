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

  it('verifies with the event type and dedupe key from the headers (the body is not JSON)', () => {
    const headers = { 'x-hub-signature-256': published, 'x-github-event': 'ping', 'x-github-delivery': DEFAULT_DELIVERY };
    expect(check('github', headers, body, { secrets: { current: secret } })).toStrictEqual({
      ok: true,
      matched: 'current',
      eventType: 'ping',
      dedupeKey: DEFAULT_DELIVERY,
    });
  });

  it('fails with the published header but a different secret', () => {
    const headers = { 'x-hub-signature-256': published, 'x-github-event': 'ping', 'x-github-delivery': DEFAULT_DELIVERY };
    const verdict = check('github', headers, body, { secrets: { current: "It's a Secret to Everybody!" } });
    expect(verdict).toMatchObject({ ok: false, code: 'signature_mismatch', status: 401 });
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
