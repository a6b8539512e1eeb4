/** Body resolution and error summaries: the framework's pure helpers. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertBodyDigest, parseJsonBody, resolveBody } from '../../lambdas/processor/body.ts';
import { MissingFieldError, ProcessingError, safeErrorSummary, UnusableBodyError } from '../../lambdas/processor/errors.ts';
import { envelopeFor } from './support/lambda.ts';

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
