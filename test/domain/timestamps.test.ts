/** Two-sided tolerance at the exact boundary, units, and timestamp syntax. */
import { describe, expect, it } from 'vitest';
import { NOW, TIMESTAMPED, TIMESTAMP_UNIT, check, type ProviderId } from './fixtures.ts';
import { sample, signedContext } from './samples.ts';
import { recipe, sign } from './signers.ts';

const TOLERANCE = 300;

/** A vector signed (correctly) at `ts`, as the sender writes it on the wire. */
function signedAt(id: ProviderId, ts: number | string) {
  const s = sample(id);
  return { headers: sign(id, { body: s.body, ts, ...(s.msgId ? { msgId: s.msgId } : {}) }), body: s.body, s };
}

const inUnit = (id: ProviderId, seconds: number) => (TIMESTAMP_UNIT[id] === 'ms' ? seconds * 1000 : seconds);

describe('tolerance is two-sided and inclusive at 300 s', () => {
  for (const id of TIMESTAMPED) {
    for (const offset of [-TOLERANCE, TOLERANCE, 0]) {
      it(`${id}: signed ${offset} s from now verifies`, () => {
        const ts = inUnit(id, NOW + offset);
        const { headers, body, s } = signedAt(id, ts);
        expect(check(id, headers, body)).toStrictEqual({
          ok: true,
          matched: 'current',
          eventType: s.eventType,
          dedupeKey: s.dedupeKey,
          ...signedContext(id, String(ts), s.msgId),
        });
      });
    }

    it(`${id}: signed 301 s ago is stale`, () => {
      const { headers, body } = signedAt(id, inUnit(id, NOW - TOLERANCE - 1));
      expect(check(id, headers, body)).toStrictEqual({
        ok: false,
        code: 'timestamp_out_of_tolerance',
        status: 401,
        reason: 'timestamp outside tolerance by 1 s (301 s old; tolerance 300 s)',
      });
    });

    it(`${id}: signed 301 s in the future is refused`, () => {
      const { headers, body } = signedAt(id, inUnit(id, NOW + TOLERANCE + 1));
      expect(check(id, headers, body)).toStrictEqual({
        ok: false,
        code: 'timestamp_out_of_tolerance',
        status: 401,
        reason: 'timestamp outside tolerance by 1 s (301 s in the future; tolerance 300 s)',
      });
    });

    it(`${id}: the clock moving past the window turns a valid vector stale`, () => {
      const { headers, body } = signedAt(id, inUnit(id, NOW));
      expect(check(id, headers, body, { now: NOW + TOLERANCE }).ok).toBe(true);
      expect(check(id, headers, body, { now: NOW + TOLERANCE + 1 })).toMatchObject({ ok: false, code: 'timestamp_out_of_tolerance' });
      expect(check(id, headers, body, { now: NOW - TOLERANCE - 1 })).toMatchObject({ ok: false, code: 'timestamp_out_of_tolerance' });
    });
  }

  it('suki: milliseconds are honoured to the millisecond at the boundary', () => {
    for (const [ms, ok] of [
      [(NOW - TOLERANCE) * 1000, true],
      [(NOW - TOLERANCE) * 1000 - 1, false],
      [(NOW + TOLERANCE) * 1000, true],
      [(NOW + TOLERANCE) * 1000 + 1, false],
    ] as const) {
      const { headers, body } = signedAt('suki', ms);
      const verdict = check('suki', headers, body);
      expect(verdict.ok).toBe(ok);
      if (!verdict.ok) expect(verdict.reason).toMatch(/^timestamp outside tolerance by 1 s \(301 s (old|in the future); tolerance 300 s\)$/);
    }
  });
});

describe('seconds and milliseconds are not interchangeable', () => {
  it('suki given seconds (a correctly signed value) is far too old', () => {
    const { headers, body } = signedAt('suki', NOW);
    const verdict = check('suki', headers, body);
    expect(verdict).toMatchObject({ ok: false, code: 'timestamp_out_of_tolerance', status: 401 });
    if (!verdict.ok) expect(verdict.reason).toMatch(/ s old; tolerance 300 s\)$/);
  });

  for (const id of TIMESTAMPED.filter((p) => TIMESTAMP_UNIT[p] === 's')) {
    it(`${id} given milliseconds (a correctly signed value) is far in the future`, () => {
      const { headers, body } = signedAt(id, NOW * 1000);
      const verdict = check(id, headers, body);
      expect(verdict).toMatchObject({ ok: false, code: 'timestamp_out_of_tolerance', status: 401 });
      if (!verdict.ok) expect(verdict.reason).toMatch(/ s in the future; tolerance 300 s\)$/);
    });
  }
});

describe('timestamps must be plain digits, verbatim', () => {
  const bad = ['', ' 1767225600', '1767225600 ', '+1767225600', '-1767225600', '1767225600.0', '1.7672256e9', '0x69559a00', '１７６７２２５６００', '12345678901234567'];
  for (const id of TIMESTAMPED) {
    it(`${id}: non-digit or over-long timestamps are malformed even when signed`, () => {
      const s = sample(id);
      for (const ts of bad) {
        const headers = recipe(id, { body: s.body, ts, ...(s.msgId ? { msgId: s.msgId } : {}) });
        const verdict = check(id, headers, s.body);
        expect(verdict.ok).toBe(false);
        if (verdict.ok) continue;
        if (ts === '' && (id === 'suki' || id === 'soapnoteapi' || id === 'standard-webhooks')) {
          expect(verdict).toMatchObject({ code: 'missing_header', reason: expect.stringMatching(/^missing header /) });
        } else if (ts.trim() !== ts && (id === 'sully' || id === 'stripe')) {
          // The t=,v1= parser trims items, so the signed text (with the space) no longer matches.
          expect(verdict).toMatchObject({ code: 'signature_mismatch', reason: expect.stringMatching(/^signature mismatch: /) });
        } else {
          expect(verdict.code).toBe('malformed_header');
          expect(verdict.reason).toMatch(new RegExp(`^malformed timestamp in .*: expected unix ${TIMESTAMP_UNIT[id] === 'ms' ? 'milliseconds' : 'seconds'} as digits$`));
        }
      }
    });
  }

  it('15- and 16-digit timestamps are read as Number() reads them (in the tolerance message)', () => {
    for (const id of TIMESTAMPED) {
      const s = sample(id);
      for (const ts of ['987654321098765', '9876543210987654', '9007199254740993']) {
        const headers = recipe(id, { body: s.body, ts, ...(s.msgId ? { msgId: s.msgId } : {}) });
        const seconds = TIMESTAMP_UNIT[id] === 'ms' ? Number(ts) / 1000 : Number(ts);
        const verdict = check(id, headers, s.body);
        expect(verdict).toMatchObject({ ok: false, code: 'timestamp_out_of_tolerance' });
        if (!verdict.ok) expect(verdict.reason).toContain(`(${Math.ceil(seconds - NOW)} s in the future;`);
      }
    }
  });

  it('standard-webhooks: leading zeros are signed verbatim (never re-formatted)', () => {
    const s = sample('standard-webhooks');
    const ts = `000${NOW}`;
    const headers = recipe('standard-webhooks', { body: s.body, ts, msgId: s.msgId ?? '' });
    expect(check('standard-webhooks', headers, s.body)).toMatchObject({ ok: true, timestamp: ts });
    // A signature over the normalized number does not match the verbatim header.
    const normalized = sign('standard-webhooks', { body: s.body, ts: NOW, msgId: s.msgId ?? '' });
    expect(check('standard-webhooks', { ...normalized, 'webhook-timestamp': ts }, s.body)).toMatchObject({ ok: false, code: 'signature_mismatch' });
  });

  for (const id of ['sully', 'stripe'] as const) {
    it(`${id}: a space after the comma between pairs is tolerated`, () => {
      const { headers, body } = signedAt(id, NOW);
      const name = id === 'sully' ? 'x-sully-signature' : 'stripe-signature';
      const spaced = (headers[name] ?? '').replace(',', ', ');
      expect(spaced).toContain(', v1=');
      expect(check(id, { [name]: spaced }, body)).toMatchObject({ ok: true, timestamp: String(NOW) });
    });
  }
});
