/** Event time, field reading, body resolution and error summaries: the pure helpers. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertBodyDigest, parseJsonBody, resolveBody } from '../../lambdas/processor/body.ts';
import { MissingFieldError, ProcessingError, safeErrorSummary, UnusableBodyError } from '../../lambdas/processor/errors.ts';
import { timeFromFields, toEpochMillis } from '../../lambdas/processor/event-time.ts';
import { actionOf, optionalToken, readPath, requireId } from '../../lambdas/processor/fields.ts';
import { envelopeFor } from './support/lambda.ts';

describe('toEpochMillis', () => {
  it.each([
    ['ISO with Z', '2026-03-19T15:30:00.000Z', 's', Date.parse('2026-03-19T15:30:00.000Z')],
    ['ISO with offset', '2026-03-19T16:30:00+01:00', 's', Date.parse('2026-03-19T15:30:00Z')],
    ['unix seconds', 1_700_000_000, 's', 1_700_000_000_000],
    ['unix seconds as text', '1700000000', 's', 1_700_000_000_000],
    ['unix ms', '1774000000123', 'ms', 1_774_000_000_123],
    ['auto: seconds', 1_700_000_000, 'auto', 1_700_000_000_000],
    ['auto: milliseconds', 1_700_000_000_123, 'auto', 1_700_000_000_123],
  ] as const)('reads %s', (_name, value, unit, expected) => {
    expect(toEpochMillis(value, unit)).toBe(expected);
  });

  it.each([['prose', 'yesterday at noon'], ['empty', ''], ['negative', -5], ['NaN', Number.NaN], ['object', {}], ['bad date', '2026-13-45T99:00:00Z']])(
    'refuses %s rather than guessing',
    (_name, value) => {
      expect(toEpochMillis(value, 'auto')).toBeUndefined();
    },
  );

  it('timeFromFields takes the first field that holds a time', () => {
    expect(timeFromFields({ a: 'nope', b: 1_000 }, ['a', 'b'], 's')).toBe(1_000_000);
    expect(timeFromFields({}, ['a'], 's')).toBeUndefined();
  });
});

describe('fields', () => {
  const body = { data: { recording: { id: 123 }, list: [1], text: 'hello world' } };

  it('reads dotted paths and stops at non-objects', () => {
    expect(readPath(body, 'data.recording.id')).toBe(123);
    expect(readPath(body, 'data.list.0')).toBeUndefined();
    expect(readPath(body, 'data.text.length')).toBeUndefined();
  });

  it('requireId takes the first identifier, converts integers, and names only paths when missing', () => {
    expect(requireId(body, 'data.missing', 'data.recording.id')).toBe('123');
    expect(() => requireId(body, 'data.text')).toThrow(new MissingFieldError('no identifier at data.text'));
  });

  it('optionalToken accepts short tokens only', () => {
    expect(optionalToken({ s: 'completed' }, 's')).toBe('completed');
    expect(optionalToken({ s: 'a sentence with spaces' }, 's')).toBeUndefined();
  });

  it('actionOf drops the first segment', () => {
    expect(actionOf('note_generation.succeeded')).toBe('succeeded');
    expect(actionOf('recording.processing.completed')).toBe('processing.completed');
    expect(actionOf('success')).toBe('success');
  });
});

describe('body', () => {
  const noClaimCheck = async () => {
    throw new Error('not expected');
  };

  it('resolves inline text and base64 to the same bytes', async () => {
    const text = '{"a":"é"}';
    const inline = await resolveBody(envelopeFor({ provider: 'p', eventType: 't', dedupeKey: 'k', body: text }), noClaimCheck, undefined);
    const base64 = await resolveBody(envelopeFor({ provider: 'p', eventType: 't', dedupeKey: 'k', body: text, base64: true }), noClaimCheck, undefined);
    expect(inline).toEqual({ bytes: Buffer.from(text), carrier: 'inline' });
    expect(base64).toEqual({ bytes: Buffer.from(text), carrier: 'base64' });
  });

  it('reads a claim check only from the configured bucket', async () => {
    const envelope = envelopeFor({ provider: 'p', eventType: 't', dedupeKey: 'k', body: '{}', claimCheck: { bucket: 'ours', key: 'k1' } });
    const read = async () => new TextEncoder().encode('{}');
    expect((await resolveBody(envelope, read, 'ours')).carrier).toBe('claim-check');
    await expect(resolveBody(envelope, read, 'theirs')).rejects.toThrow('claim check names a bucket other than CLAIM_CHECK_BUCKET');
    await expect(resolveBody(envelope, read, undefined)).rejects.toThrow(ProcessingError);
  });

  it('checks the body against the verifier SHA-256 (hex, either case)', () => {
    const bytes = Buffer.from('{"a":1}');
    const digest = createHash('sha256').update(bytes).digest('hex');
    expect(() => assertBodyDigest(bytes, digest.toUpperCase())).not.toThrow();
    expect(() => assertBodyDigest(Buffer.from('{"a":2}'), digest)).toThrow('body SHA-256 does not match the envelope');
  });

  it('parses JSON objects and fails without quoting the body', () => {
    expect(parseJsonBody(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
    expect(() => parseJsonBody(Buffer.from('{"note": Jane Roe}'))).toThrow(new UnusableBodyError('body is not valid JSON'));
    expect(() => parseJsonBody(Buffer.from('[1]'))).toThrow('body is not a JSON object');
    expect(parseJsonBody(Buffer.from('payload=%7B%22a%22%3A1%7D'), (text) => new URLSearchParams(text).get('payload')!)).toEqual({ a: 1 });
  });
});

describe('safeErrorSummary', () => {
  it('keeps the messages we wrote ourselves', () => {
    expect(safeErrorSummary(new MissingFieldError('no identifier at data.id'))).toBe('MissingFieldError: no identifier at data.id');
  });

  it('keeps only the name of any other error, whose message may quote data', () => {
    const awsError = Object.assign(new Error('One or more parameter values were invalid: note-123'), { name: 'ValidationException', $metadata: {} });
    expect(safeErrorSummary(awsError)).toBe('ValidationException');
    let parseError: unknown;
    try {
      JSON.parse('{"note": Jane Roe}');
    } catch (error) {
      parseError = error;
    }
    expect(safeErrorSummary(parseError)).toBe('SyntaxError');
    expect(safeErrorSummary('a string')).toBe('non-error value thrown');
  });

  it('is short', () => {
    expect(safeErrorSummary(new ProcessingError('x'.repeat(1000))).length).toBe(200);
  });
});
