/** The queue message (docs/architecture.md, "Queue message"): envelope, attributes, size, claim-check key. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../../lambdas/contract/envelope.ts';
import { claimCheckKey, claimCheckMessage, inlineMessage, messageBytes, type EventToEnqueue } from '../../lambdas/verifier/enqueue.ts';

const AT = Date.parse('2026-03-19T23:59:59.999Z');

function event(body: Uint8Array | string, overrides: Partial<EventToEnqueue> = {}): EventToEnqueue {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return {
    provider: 'sully',
    queueUrl: 'https://sqs.example/q',
    eventType: 'note_generation.succeeded',
    dedupeKey: 'note_generation.succeeded:note_1',
    receivedAt: AT,
    signedTimestamp: '1767225600',
    bodySha256: createHash('sha256').update(bytes).digest('hex'),
    body: bytes,
    ...overrides,
  };
}

describe('inlineMessage', () => {
  it('carries a UTF-8 body as text in a valid v1 envelope, with the three attributes', () => {
    const message = inlineMessage(event('{"type":"x","text":"Ménière"}'));
    expect(parseEnvelope(message.body)).toEqual({
      v: 1,
      provider: 'sully',
      eventType: 'note_generation.succeeded',
      dedupeKey: 'note_generation.succeeded:note_1',
      receivedAt: '2026-03-19T23:59:59.999Z',
      signedTimestamp: '1767225600',
      body: '{"type":"x","text":"Ménière"}',
      bodySha256: event('{"type":"x","text":"Ménière"}').bodySha256,
    });
    expect(message.attributes).toEqual({
      provider: { DataType: 'String', StringValue: 'sully' },
      eventType: { DataType: 'String', StringValue: 'note_generation.succeeded' },
      dedupeKey: { DataType: 'String', StringValue: 'note_generation.succeeded:note_1' },
    });
  });

  it('carries bytes that are not UTF-8 as bodyBase64, exactly', () => {
    const raw = Buffer.from([0xc3, 0x28, 0x00, 0xff]);
    const envelope = parseEnvelope(inlineMessage(event(raw)).body);
    expect(envelope.body).toBeUndefined();
    expect(Buffer.from(envelope.bodyBase64!, 'base64').equals(raw)).toBe(true);
  });

  it('omits signedTimestamp for schemes without one', () => {
    const { signedTimestamp: _, ...withoutTimestamp } = event('{}');
    expect(parseEnvelope(inlineMessage(withoutTimestamp).body)).not.toHaveProperty('signedTimestamp');
  });

  it('escapes U+FFFE/U+FFFF (refused by SQS) in the JSON, keeping the text exact', () => {
    const text = 'a\uffffb\ufffe';
    const message = inlineMessage(event(text));
    expect(message.body).not.toMatch(/[\ufffe\uffff]/);
    expect(parseEnvelope(message.body).body).toBe(text);
  });

  it('replaces characters SQS refuses in attribute values only; the envelope keeps the exact dedupe key', () => {
    const dedupeKey = 'note\u0001:\ud800x';
    const message = inlineMessage(event('{}', { dedupeKey }));
    expect(message.attributes.dedupeKey!.StringValue).toBe('note\ufffd:\ufffdx');
    expect(parseEnvelope(message.body).dedupeKey).toBe(dedupeKey);
  });
});

describe('messageBytes', () => {
  it('counts the serialized body (after JSON escaping) and every attribute name, type and value', () => {
    const message = inlineMessage(event('"\n'.repeat(100)));
    const attributes = Object.entries(message.attributes).reduce((n, [k, v]) => n + k.length + 'String'.length + Buffer.byteLength(v.StringValue!), 0);
    expect(messageBytes(message)).toBe(Buffer.byteLength(message.body) + attributes);
    expect(Buffer.byteLength(message.body)).toBeGreaterThan(400);
  });
});

describe('claim check', () => {
  it('keys the object by provider, UTC day and the SHA-256 of the dedupe key (no ids in the key)', () => {
    const key = claimCheckKey('sully', AT, 'note_generation.succeeded:note_1');
    const hash = createHash('sha256').update('note_generation.succeeded:note_1').digest('hex');
    expect(key).toBe(`sully/2026-03-19/${hash}`);
  });

  it('sends the pointer and the body hash, and no body', () => {
    const envelope = parseEnvelope(claimCheckMessage(event('{"big":true}'), { bucket: 'b', key: 'k' }).body);
    expect(envelope.claimCheck).toEqual({ bucket: 'b', key: 'k' });
    expect(envelope.body).toBeUndefined();
    expect(envelope.bodyBase64).toBeUndefined();
    expect(envelope.bodySha256).toBe(event('{"big":true}').bodySha256);
  });
});
