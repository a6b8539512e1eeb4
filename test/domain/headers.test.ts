/** Required headers, header-name casing and the framing of the `t=,v1=` header. */
import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS, check, defaultTs, type ProviderId } from './fixtures.ts';
import { sample, signedContext, signedSample } from './samples.ts';
import { signatureOf } from './signers.ts';

interface MissingCase {
  readonly header: string;
  readonly code: 'missing_header';
  readonly status: 401;
  readonly reason: string;
}

const missing = (header: string): MissingCase => ({ header, code: 'missing_header', status: 401, reason: `missing header ${header}` });

/** Every header each scheme requires, and what its absence answers. */
const REQUIRED: Record<ProviderId, readonly MissingCase[]> = {
  sully: [missing('x-sully-signature')],
  suki: [missing('x-api-key'), missing('generated-at')],
  soapnoteapi: [missing('x-soapnoteapi-signature'), missing('x-soapnoteapi-timestamp')],
  solatis: [missing('x-solatis-signature')],
  generic: [missing('x-webhook-signature')],
  'standard-webhooks': [missing('webhook-signature'), missing('webhook-timestamp'), missing('webhook-id')],
  github: [missing('x-hub-signature-256')],
  stripe: [missing('stripe-signature')],
};

/** Headers a sender sends outside the signed content: their absence never refuses a signed request. */
const UNSIGNED: Partial<Record<ProviderId, readonly string[]>> = {
  github: ['x-github-event', 'x-github-delivery'],
};

describe('missing headers', () => {
  for (const id of PROVIDER_IDS) {
    for (const c of REQUIRED[id]) {
      it(`${id}: without ${c.header} -> ${c.code}`, () => {
        const { headers, body } = signedSample(id);
        expect(headers).toHaveProperty(c.header);
        const { [c.header]: _dropped, ...rest } = headers;
        expect(check(id, rest, body)).toStrictEqual({ ok: false, code: c.code, status: c.status, reason: c.reason });
        // An empty value is as good as none.
        expect(check(id, { ...rest, [c.header]: '' }, body)).toStrictEqual({ ok: false, code: c.code, status: c.status, reason: c.reason });
      });
    }
  }

  it('github: without x-github-event the signed body is accepted as unknown, unrecognized', () => {
    const { headers, body } = signedSample('github');
    const { 'x-github-event': _dropped, ...rest } = headers;
    const expected = {
      ok: true,
      matched: 'current',
      eventType: 'unknown',
      dedupeKey: sample('github').dedupeKey,
      unrecognized: 'event type: missing header x-github-event',
    };
    expect(check('github', rest, body)).toStrictEqual(expected);
    expect(check('github', { ...rest, 'x-github-event': '' }, body)).toStrictEqual(expected);
  });

  it('github: without x-github-delivery nothing changes (it is not signed, so not read)', () => {
    const { headers, body } = signedSample('github');
    const { 'x-github-delivery': _dropped, ...rest } = headers;
    const s = sample('github');
    expect(check('github', rest, body)).toStrictEqual({ ok: true, matched: 'current', eventType: s.eventType, dedupeKey: s.dedupeKey });
  });

  it('every header the independent signer sends is covered above', () => {
    for (const id of PROVIDER_IDS) {
      expect(Object.keys(signedSample(id).headers).sort()).toStrictEqual([...REQUIRED[id].map((c) => c.header), ...(UNSIGNED[id] ?? [])].sort());
    }
  });
});

describe('header names are matched case-insensitively', () => {
  const titleCase = (name: string) => name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => `${dash}${c.toUpperCase()}`);
  const recase: [string, (name: string) => string][] = [
    ['Title-Case', titleCase],
    ['UPPER-CASE', (name) => name.toUpperCase()],
    ['vendor casing', (name) => titleCase(name).replace('Github', 'GitHub').replace('Soapnoteapi', 'SoapNoteAPI').replace('Api-Key', 'API-Key')],
    ['aLtErNaTiNg', (name) => [...name].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('')],
  ];
  for (const id of PROVIDER_IDS) {
    it(`${id}`, () => {
      const { headers, body } = signedSample(id);
      const s = sample(id);
      for (const [, f] of recase) {
        const renamed = Object.fromEntries(Object.entries(headers).map(([k, v]) => [f(k), v]));
        expect(Object.keys(renamed).some((k) => k !== k.toLowerCase())).toBe(true);
        expect(check(id, renamed, body)).toStrictEqual({
          ok: true,
          matched: 'current',
          eventType: s.eventType,
          dedupeKey: s.dedupeKey,
          ...signedContext(id, defaultTs(id), s.msgId),
        });
      }
    });
  }
});

describe('t=,v1= header framing (sully, stripe)', () => {
  for (const id of ['sully', 'stripe'] as const) {
    const name = id === 'sully' ? 'x-sully-signature' : 'stripe-signature';
    const malformed = (value: string, detail: RegExp, what = `malformed header ${name}: `) => {
      const { body } = signedSample(id);
      const verdict = check(id, { [name]: value }, body);
      expect(verdict).toMatchObject({ ok: false, code: 'malformed_header', status: 401 });
      if (!verdict.ok) {
        expect(verdict.reason).toContain(what);
        expect(verdict.reason).toMatch(detail);
      }
    };
    const sig = () => signatureOf(id, signedSample(id).headers);

    it(`${id}: no t=`, () => malformed(`v1=${sig()}`, /no t= timestamp/));
    it(`${id}: no v1=`, () => malformed(`t=${defaultTs(id)},v0=${sig()}`, /no v1= signature/));
    it(`${id}: two t=`, () => malformed(`t=${defaultTs(id)},t=${defaultTs(id)},v1=${sig()}`, /more than one t=/));
    it(`${id}: a bare signature without pairs`, () => malformed(sig(), /expected comma-separated key=value pairs/));
    it(`${id}: an empty item`, () => malformed(`t=${defaultTs(id)},,v1=${sig()}`, /expected comma-separated key=value pairs/));
    it(`${id}: a non-numeric t=`, () => malformed(`t=now,v1=${sig()}`, /: expected unix seconds as digits$/, `malformed timestamp in ${name}`));
  }
});
