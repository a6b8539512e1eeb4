/** The HTTP edge of the verifier: the raw body bytes out of an API Gateway event, and the answers table. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Rejection } from '../domain/rejection.ts';

export type Answer = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

function json(statusCode: number, value: Record<string, string>, headers: Record<string, string> = {}): Answer {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

/** docs/architecture.md, "HTTP answers". Verdict reasons are logged by the caller, never returned. */
export const answers = {
  accepted: (statusCode: 200 | 202 = 202) => json(statusCode, { status: 'accepted' }),
  duplicate: () => json(200, { status: 'duplicate' }),
  unknownProvider: () => json(404, { error: 'unknown provider' }),
  methodNotAllowed: () => json(405, { error: 'method not allowed' }, { allow: 'POST' }),
  sourceNotAllowed: () => json(403, { error: 'source address not allowed' }),
  invalidBase64: () => json(400, { error: 'body is not valid base64' }),
  tooLarge: () => json(413, { error: 'body too large' }),
  rejected: (verdict: Rejection) => json(verdict.status, { error: verdict.code }),
  inFlight: () => json(409, { error: 'in flight' }),
  unavailable: () => json(503, { error: 'unavailable' }),
};

export type DecodedBody = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly answer: Answer; readonly why: string };

/**
 * The exact bytes the sender signed: API Gateway base64-encodes bodies it does not treat as text.
 * The size limit is checked before decoding, on the length the decoded body must have.
 */
export function decodeBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>, maxBytes: number): DecodedBody {
  const text = event.body ?? '';
  if (!event.isBase64Encoded) {
    if (Buffer.byteLength(text, 'utf8') > maxBytes) return { ok: false, answer: answers.tooLarge(), why: 'body too large' };
    return { ok: true, bytes: Buffer.from(text, 'utf8') };
  }
  if (Math.floor(text.length / 4) * 3 - 2 > maxBytes) return { ok: false, answer: answers.tooLarge(), why: 'body too large' };
  const bytes = Buffer.from(text, 'base64');
  // Node's decoder skips bad characters silently; only canonical base64 re-encodes to the same text.
  if (bytes.toString('base64') !== text) return { ok: false, answer: answers.invalidBase64(), why: 'invalid base64 body' };
  if (bytes.length > maxBytes) return { ok: false, answer: answers.tooLarge(), why: 'body too large' };
  return { ok: true, bytes };
}
