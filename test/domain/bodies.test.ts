/** The raw bytes are what is signed; what the body must contain is checked only after that. */
import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { DEFAULT_MSG_ID, JSON_PROVIDERS, PROVIDER_IDS, check, defaultTs, type ProviderId } from './fixtures.ts';
import { sample, signedContext } from './samples.ts';
import { recipe, sign } from './signers.ts';

const sha256 = (body: string | Uint8Array) => createHash('sha256').update(body).digest('hex');

/** Signs `body` with the scheme's independent signer, adding the message id / event headers where needed. */
function signed(id: ProviderId, body: string | Uint8Array, via: 'package' | 'recipe' = 'package') {
  const s = sample(id);
  const input = { body, ...(s.msgId ? { msgId: s.msgId } : {}), ...(s.event ? { event: s.event } : {}) };
  return via === 'package' ? sign(id, input) : recipe(id, input);
}

/** What a recognized-or-not verdict carries besides the identity: the signed timestamp and id. */
function accepted(id: ProviderId, identity: { eventType: string; dedupeKey: string; unrecognized?: string }) {
  return { ok: true, matched: 'current', ...identity, ...signedContext(id, defaultTs(id), sample(id).msgId) };
}

describe('empty body', () => {
  for (const id of PROVIDER_IDS) {
    it(`${id}: a signed empty body ${id === 'github' ? 'verifies (identity from headers)' : 'is accepted, unrecognized: body is empty'}`, () => {
      const verdict = check(id, signed(id, ''), '');
      if (id === 'github') {
        expect(verdict).toStrictEqual({ ok: true, matched: 'current', eventType: 'push', dedupeKey: sha256('') });
      } else {
        expect(verdict).toStrictEqual(
          // Standard Webhooks keys by the signed webhook-id, which an empty body does not change.
          accepted(id, { eventType: 'unknown', dedupeKey: id === 'standard-webhooks' ? DEFAULT_MSG_ID : sha256(''), unrecognized: 'body is empty' }),
        );
      }
    });

    it(`${id}: an empty body does not verify against a signature of a non-empty one`, () => {
      const verdict = check(id, signed(id, sample(id).body), '');
      expect(verdict).toMatchObject({ ok: false, code: 'signature_mismatch', status: 401 });
    });
  }
});

describe('bytes that are not UTF-8 are verified as they are', () => {
  it('github: arbitrary binary bytes signed with the recipe verify: type from the header, key from the bytes', () => {
    const body = new Uint8Array([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x7b, 0x7d]);
    expect(isUtf8(body)).toBe(false);
    const headers = recipe('github', { body, event: 'ping', msgId: 'b1a7e2c0-0000-4000-8000-000000000001' });
    expect(check('github', headers, body)).toStrictEqual({
      ok: true,
      matched: 'current',
      eventType: 'ping',
      dedupeKey: sha256(body), // the delivery id header is not signed: never the key
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
        dedupeKey: id === 'github' ? sha256(latin1) : s.dedupeKey, // github hashes the bytes as sent
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

    it(`${id}: a sender-side signature over re-serialized JSON (the meeting platform's documented sample) fails on the raw bytes`, () => {
      const { body } = sample(id);
      const headers = signed(id, JSON.stringify(JSON.parse(body)));
      expect(check(id, headers, body)).toMatchObject({ ok: false, code: 'signature_mismatch', status: 401 });
    });
  }
});

describe('an authenticated body that cannot be identified is accepted, marked unrecognized (never 4xx)', () => {
  for (const id of JSON_PROVIDERS) {
    for (const body of ['not json at all', '<event type="note.generated"/>', '{"type":', 'type=note.generated&id=1']) {
      it(`${id}: ${JSON.stringify(body)} -> unknown, keyed by its SHA-256, body is not JSON`, () => {
        const dedupeKey = id === 'standard-webhooks' ? DEFAULT_MSG_ID : sha256(body);
        expect(check(id, signed(id, body), body)).toStrictEqual(accepted(id, { eventType: 'unknown', dedupeKey, unrecognized: 'body is not JSON' }));
      });
    }
  }

  it('github does not parse the body at all: text verifies', () => {
    expect(check('github', signed('github', 'not json at all'), 'not json at all')).toStrictEqual({
      ok: true,
      matched: 'current',
      eventType: 'push',
      dedupeKey: sha256('not json at all'),
    });
  });

  // [provider, body, event type, dedupe key (SHA: the body's SHA-256), what could not be read]
  const SHA = Symbol('the body SHA-256');
  const cases: [ProviderId, string, string, string | typeof SHA, string][] = [
    ['sully', '{"type":"note_generation.succeeded","data":{"transcriptionId":"tr_1"}}', 'note_generation.succeeded', SHA, 'dedupe key: missing body field data.id'],
    ['sully', '{"type":"audio_transcription.failed","data":{"id":"job_1"}}', 'audio_transcription.failed', SHA, 'dedupe key: missing body field data.transcriptionId'],
    // The key reads {type}: a stand-in type could collide with a real one, so the bytes key it.
    ['sully', '{"id":"evt_1","data":{"id":"note_1"}}', 'unknown', SHA, 'event type: missing body field type'],
    ['suki', '{"status":"success","encounter_id":"4d753ce1"}', 'success', SHA, 'dedupe key: missing body field session_id'],
    ['suki', '{"session_id":"a953839a","encounter_id":"4d753ce1"}', 'unknown', SHA, 'event type: missing body field status'],
    ['suki', '{"session_id":"","status":"failure"}', 'failure', SHA, 'dedupe key: missing body field session_id'],
    ['soapnoteapi', '{"event":"note.failed","status":"failed"}', 'note.failed', SHA, 'dedupe key: missing body field note_id'],
    ['soapnoteapi', '{"event":"note.generated","note_id":null}', 'note.generated', SHA, 'dedupe key: missing body field note_id'],
    ['solatis', '{"event":"document.analyzed","data":{"document_id":"doc_xyz789"}}', 'document.analyzed', SHA, 'dedupe key: missing body field id'],
    // The key does not read the type: the event id still keys it.
    ['solatis', '{"id":"evt_abc123xyz","data":{}}', 'unknown', 'evt_abc123xyz', 'event type: missing body field event'],
    ['generic', '{"event":"recording.created","timestamp":"2024-01-15T10:00:00Z","data":{}}', 'recording.created', SHA, 'dedupe key: missing body field data.recording.id'],
    ['generic', '{"event":"meeting.started","data":{"meeting":{"id":7}}}', 'meeting.started', SHA, 'dedupe key: missing body field timestamp'],
    ['generic', '{"event":"transcript.updated","timestamp":"t","data":{}}', 'transcript.updated', SHA, 'dedupe key: missing body field data.transcript.id|data.recording.id'],
    ['standard-webhooks', '{"data":{"note_id":"n_1"}}', 'unknown', DEFAULT_MSG_ID, 'event type: missing body field type'],
    ['stripe', '{"object":"event","type":"charge.refunded"}', 'charge.refunded', SHA, 'dedupe key: missing body field id'],
    ['stripe', '{"id":"evt_1","object":"event"}', 'unknown', 'evt_1', 'event type: missing body field type'],
    ['stripe', '{"id":{"nested":true},"type":"charge.refunded"}', 'charge.refunded', SHA, 'dedupe key: body field id is not a string or number'],
    ['stripe', '{"id":"evt_1","type":["charge.refunded"]}', 'unknown', 'evt_1', 'event type: body field type is not a string or number'],
    ['stripe', '{"id":"evt_1","type":"charge refunded"}', 'unknown', 'evt_1', 'event type: not 1-128 printable ASCII characters'],
    ['stripe', '{"object":"event","data":{}}', 'unknown', SHA, 'event type: missing body field type; dedupe key: missing body field id'],
    ['standard-webhooks', `{"type":"${'x'.repeat(129)}"}`, 'unknown', DEFAULT_MSG_ID, 'event type: not 1-128 printable ASCII characters'],
    ['solatis', '[{"id":"evt_1","event":"document.analyzed"}]', 'unknown', SHA, 'event type: missing body field event; dedupe key: missing body field id'],
  ];
  for (const [id, body, eventType, key, unrecognized] of cases) {
    it(`${id}: ${unrecognized}`, () => {
      const dedupeKey = key === SHA ? sha256(body) : key;
      expect(check(id, signed(id, body), body)).toStrictEqual(accepted(id, { eventType, dedupeKey, unrecognized }));
    });
  }

  it('the reason names fields, never values', () => {
    const body = '{"id":{"secret":"Jane Roe"},"type":"Jane Roe"}';
    const verdict = check('stripe', signed('stripe', body), body);
    expect(verdict).toMatchObject({ ok: true, eventType: 'unknown' });
    expect(JSON.stringify(verdict)).not.toContain('Jane');
  });

  it('a forged body with missing fields is 401, never accepted (nothing is parsed before the signature)', () => {
    for (const id of JSON_PROVIDERS) {
      const headers = signed(id, sample(id).body);
      expect(check(id, headers, 'not json at all')).toMatchObject({ ok: false, code: 'signature_mismatch', status: 401 });
    }
  });
});
