/** The raw bytes are what is signed; what the body must contain is checked only after that. */
import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { JSON_PROVIDERS, PROVIDER_IDS, check, defaultTs, type ProviderId } from './fixtures.ts';
import { sample, signedContext } from './samples.ts';
import { recipe, sign } from './signers.ts';

/** Signs `body` with the scheme's independent signer, adding the message id / event headers where needed. */
function signed(id: ProviderId, body: string | Uint8Array, via: 'package' | 'recipe' = 'package') {
  const s = sample(id);
  const input = { body, ...(s.msgId ? { msgId: s.msgId } : {}), ...(s.event ? { event: s.event } : {}) };
  return via === 'package' ? sign(id, input) : recipe(id, input);
}

describe('empty body', () => {
  for (const id of PROVIDER_IDS) {
    it(`${id}: a signed empty body ${id === 'github' ? 'verifies (identity from headers)' : 'is 400 body_not_json'}`, () => {
      const verdict = check(id, signed(id, ''), '');
      if (id === 'github') {
        expect(verdict).toStrictEqual({ ok: true, matched: 'current', eventType: 'push', dedupeKey: sample('github').dedupeKey });
      } else {
        expect(verdict).toStrictEqual({
          ok: false,
          code: 'body_not_json',
          status: 400,
          reason: 'body is empty, but the event type or dedupe key is read from it',
        });
      }
    });

    it(`${id}: an empty body does not verify against a signature of a non-empty one`, () => {
      const verdict = check(id, signed(id, sample(id).body), '');
      expect(verdict).toMatchObject({ ok: false, code: 'signature_mismatch', status: 401 });
    });
  }
});

describe('bytes that are not UTF-8 are verified as they are', () => {
  it('github: arbitrary binary bytes signed with the recipe verify, keys from headers', () => {
    const body = new Uint8Array([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x7b, 0x7d]);
    expect(isUtf8(body)).toBe(false);
    const headers = recipe('github', { body, event: 'ping', msgId: 'b1a7e2c0-0000-4000-8000-000000000001' });
    expect(check('github', headers, body)).toStrictEqual({
      ok: true,
      matched: 'current',
      eventType: 'ping',
      dedupeKey: 'b1a7e2c0-0000-4000-8000-000000000001',
    });
  });

  for (const id of PROVIDER_IDS) {
    it(`${id}: a Latin-1 "é" inside the JSON (byte 0xE9) verifies over the raw bytes`, () => {
      const s = sample(id);
      const latin1 = new Uint8Array(Buffer.from(s.body, 'latin1'));
      expect(s.body).toContain('é');
      expect(Buffer.from(latin1).toString('latin1')).toBe(s.body); // every character fits in one byte
      expect(isUtf8(latin1)).toBe(false);
      expect(check(id, signed(id, latin1, 'recipe'), latin1)).toStrictEqual({
        ok: true,
        matched: 'current',
        eventType: s.eventType,
        dedupeKey: s.dedupeKey,
        ...signedContext(id, defaultTs(id), s.msgId),
      });
    });

    it(`${id}: a signature over the lossy UTF-8 decoding of those bytes does not verify`, () => {
      const latin1 = new Uint8Array(Buffer.from(sample(id).body, 'latin1'));
      const lossy = Buffer.from(latin1).toString('utf8'); // 0xE9 -> U+FFFD, three bytes
      expect(check(id, signed(id, lossy, 'recipe'), latin1)).toMatchObject({ ok: false, code: 'signature_mismatch' });
    });
  }
});

describe('bodies handed over as views into a larger buffer', () => {
  for (const id of PROVIDER_IDS) {
    it(`${id}: only the view's bytes are verified and parsed (pooled Buffer from base64)`, () => {
      const s = sample(id);
      const raw = Buffer.from(s.body, 'utf8');
      const pool = new Uint8Array(raw.length + 64).fill(0x7b); // '{' junk around the body
      pool.set(raw, 32);
      const view = pool.subarray(32, 32 + raw.length);
      expect(view.byteOffset).toBe(32);
      expect(check(id, signed(id, s.body), view)).toStrictEqual({
        ok: true,
        matched: 'current',
        eventType: s.eventType,
        dedupeKey: s.dedupeKey,
        ...signedContext(id, defaultTs(id), s.msgId),
      });
    });
  }
});

describe('non-ASCII identifiers', () => {
  it('solatis: a UTF-8 event id is kept exactly in the dedupe key', () => {
    const body = '{"id":"evt_Ménière_ß_東京","event":"document.analyzed"}';
    expect(check('solatis', signed('solatis', body), body)).toStrictEqual({
      ok: true,
      matched: 'current',
      eventType: 'document.analyzed',
      dedupeKey: 'evt_Ménière_ß_東京',
    });
  });

  it('solatis: stray non-UTF-8 bytes in an authenticated id decode leniently (U+FFFD), never fail', () => {
    const body = new Uint8Array(Buffer.from('{"id":"evt_Ménière","event":"document.analyzed"}', 'latin1'));
    expect(isUtf8(body)).toBe(false);
    expect(check('solatis', signed('solatis', body, 'recipe'), body)).toMatchObject({ ok: true, dedupeKey: 'evt_M\uFFFDni\uFFFDre' });
  });
});

describe('JSON re-serialized by the receiver does not verify', () => {
  for (const id of PROVIDER_IDS) {
    it(`${id}: JSON.stringify(JSON.parse(raw)) differs in whitespace and fails`, () => {
      const { body } = sample(id);
      const reserialized = JSON.stringify(JSON.parse(body));
      expect(reserialized).not.toBe(body);
      const headers = signed(id, body);
      expect(check(id, headers, body).ok).toBe(true);
      expect(check(id, headers, reserialized)).toMatchObject({ ok: false, code: 'signature_mismatch', status: 401 });
    });

    it(`${id}: a sender-side signature over re-serialized JSON (seed 004's sample) fails on the raw bytes`, () => {
      const { body } = sample(id);
      const headers = signed(id, JSON.stringify(JSON.parse(body)));
      expect(check(id, headers, body)).toMatchObject({ ok: false, code: 'signature_mismatch', status: 401 });
    });
  }
});

describe('an authenticated body that cannot be identified is 400', () => {
  for (const id of JSON_PROVIDERS) {
    for (const body of ['not json at all', '<event type="note.generated"/>', '{"type":', 'type=note.generated&id=1']) {
      it(`${id}: ${JSON.stringify(body)} -> body_not_json`, () => {
        expect(check(id, signed(id, body), body)).toStrictEqual({
          ok: false,
          code: 'body_not_json',
          status: 400,
          reason: 'body is not JSON, but the event type or dedupe key is read from it',
        });
      });
    }
  }

  it('github does not parse the body at all: text verifies', () => {
    expect(check('github', signed('github', 'not json at all'), 'not json at all')).toMatchObject({ ok: true, eventType: 'push' });
  });

  const cases: [ProviderId, string, 'field_missing' | 'field_invalid', string][] = [
    ['sully', '{"type":"note_generation.succeeded","data":{"transcriptionId":"tr_1"}}', 'field_missing', 'dedupe key: missing body field data.id'],
    ['sully', '{"type":"audio_transcription.failed","data":{"id":"job_1"}}', 'field_missing', 'dedupe key: missing body field data.transcriptionId'],
    ['sully', '{"id":"evt_1","data":{"id":"note_1"}}', 'field_missing', 'event type: missing body field type'],
    ['suki', '{"status":"success","encounter_id":"4d753ce1"}', 'field_missing', 'dedupe key: missing body field session_id'],
    ['suki', '{"session_id":"a953839a","encounter_id":"4d753ce1"}', 'field_missing', 'event type: missing body field status'],
    ['suki', '{"session_id":"","status":"failure"}', 'field_missing', 'dedupe key: missing body field session_id'],
    ['soapnoteapi', '{"event":"note.failed","status":"failed"}', 'field_missing', 'dedupe key: missing body field note_id'],
    ['soapnoteapi', '{"event":"note.generated","note_id":null}', 'field_missing', 'dedupe key: missing body field note_id'],
    ['solatis', '{"event":"document.analyzed","data":{"document_id":"doc_xyz789"}}', 'field_missing', 'dedupe key: missing body field id'],
    ['solatis', '{"id":"evt_abc123xyz","data":{}}', 'field_missing', 'event type: missing body field event'],
    ['generic', '{"event":"recording.created","timestamp":"2024-01-15T10:00:00Z","data":{}}', 'field_missing', 'dedupe key: missing body field data.recording.id'],
    ['generic', '{"event":"meeting.started","data":{"meeting":{"id":7}}}', 'field_missing', 'dedupe key: missing body field timestamp'],
    ['generic', '{"event":"transcript.updated","timestamp":"t","data":{}}', 'field_missing', 'dedupe key: missing body field data.transcript.id|data.recording.id'],
    ['standard-webhooks', '{"data":{"note_id":"n_1"}}', 'field_missing', 'event type: missing body field type'],
    ['stripe', '{"object":"event","type":"charge.refunded"}', 'field_missing', 'dedupe key: missing body field id'],
    ['stripe', '{"id":"evt_1","object":"event"}', 'field_missing', 'event type: missing body field type'],
    ['stripe', '{"id":{"nested":true},"type":"charge.refunded"}', 'field_invalid', 'dedupe key: body field id is not a string or number'],
    ['stripe', '{"id":"evt_1","type":["charge.refunded"]}', 'field_invalid', 'event type: body field type is not a string or number'],
    ['stripe', '{"id":"evt_1","type":"charge refunded"}', 'field_invalid', 'event type must be 1-128 printable ASCII characters'],
    ['standard-webhooks', `{"type":"${'x'.repeat(129)}"}`, 'field_invalid', 'event type must be 1-128 printable ASCII characters'],
    ['solatis', `{"event":"document.analyzed","id":"${'e'.repeat(1025)}"}`, 'field_invalid', 'dedupe key is longer than 1024 characters'],
    ['solatis', '[{"id":"evt_1","event":"document.analyzed"}]', 'field_missing', 'event type: missing body field event'],
  ];
  for (const [id, body, code, reason] of cases) {
    it(`${id}: ${code} - ${reason}`, () => {
      expect(check(id, signed(id, body), body)).toStrictEqual({ ok: false, code, status: 400, reason });
    });
  }

  it('a forged body with missing fields is 401, never 400 (nothing is parsed before the signature)', () => {
    for (const id of JSON_PROVIDERS) {
      const headers = signed(id, sample(id).body);
      expect(check(id, headers, 'not json at all')).toMatchObject({ ok: false, code: 'signature_mismatch', status: 401 });
    }
  });
});
