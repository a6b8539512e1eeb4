/** decodeBody: the exact signed bytes out of an API Gateway event, and the size limit. */
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../lambdas/verifier/http.ts';

const MAX = 10;

describe('decodeBody', () => {
  it('takes a text body as its UTF-8 bytes', () => {
    const decoded = decodeBody({ body: 'Ménière', isBase64Encoded: false }, MAX);
    expect(decoded).toMatchObject({ ok: true });
    expect(decoded.ok && [...decoded.bytes]).toEqual([...Buffer.from('Ménière', 'utf8')]);
  });

  it('decodes a base64 body to the bytes that were sent, valid UTF-8 or not', () => {
    const raw = Buffer.from([0xff, 0x00, 0xfe, 0x41]);
    const decoded = decodeBody({ body: raw.toString('base64'), isBase64Encoded: true }, MAX);
    expect(decoded.ok && decoded.bytes.equals(raw)).toBe(true);
  });

  it('treats a missing body as empty', () => {
    const decoded = decodeBody({ isBase64Encoded: false }, MAX);
    expect(decoded.ok && decoded.bytes.length).toBe(0);
  });

  it.each(['aGVsbG8', 'aGVs bG8=', 'aGVsbG8=!', 'aGVsbG9=', '*GVsbG8='])('refuses base64 that is not canonical: %s', (body) => {
    const decoded = decodeBody({ body, isBase64Encoded: true }, 100);
    expect(decoded).toMatchObject({ ok: false, answer: { statusCode: 400 } });
  });

  it('allows exactly the limit and refuses one byte more, counted in UTF-8 bytes', () => {
    expect(decodeBody({ body: 'x'.repeat(MAX), isBase64Encoded: false }, MAX).ok).toBe(true);
    expect(decodeBody({ body: 'é'.repeat(MAX / 2 + 1), isBase64Encoded: false }, MAX)).toMatchObject({
      ok: false,
      answer: { statusCode: 413, body: '{"error":"body too large"}' },
    });
  });

  it('applies the limit to the decoded length of a base64 body', () => {
    const atLimit = Buffer.alloc(MAX, 1).toString('base64');
    const over = Buffer.alloc(MAX + 1, 1).toString('base64');
    expect(decodeBody({ body: atLimit, isBase64Encoded: true }, MAX).ok).toBe(true);
    expect(decodeBody({ body: over, isBase64Encoded: true }, MAX)).toMatchObject({ ok: false, answer: { statusCode: 413 } });
  });

  it('refuses a huge base64 body before decoding it', () => {
    const decoded = decodeBody({ body: 'A'.repeat(4_000), isBase64Encoded: true }, MAX);
    expect(decoded).toMatchObject({ ok: false, answer: { statusCode: 413 } });
  });
});
