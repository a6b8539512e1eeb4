/**
 * From envelope to parsed body: inline text, base64 bytes or an S3 claim check; the bytes are checked
 * against the SHA-256 the verifier recorded, then parsed. Every error here is written by us: JSON.parse's
 * own message quotes the body, so it is never passed on.
 */
import { createHash } from 'node:crypto';
import type { ClaimCheck, Envelope } from '../contract/envelope.ts';
import { PoisonMessageError, UnusableBodyError } from './errors.ts';
import { isJsonObject, type JsonObject } from './event-processor.ts';

/** Reads a claim-checked body (S3 GetObject in production). */
export type ClaimCheckReader = (claimCheck: ClaimCheck) => Promise<Uint8Array>;

export type BodyCarrier = 'inline' | 'base64' | 'claim-check';

export interface ResolvedBody {
  readonly bytes: Buffer;
  readonly carrier: BodyCarrier;
}

export async function resolveBody(
  envelope: Envelope,
  readClaimCheck: ClaimCheckReader,
  claimCheckBucket: string | undefined,
): Promise<ResolvedBody> {
  if (envelope.body !== undefined) return { bytes: Buffer.from(envelope.body, 'utf8'), carrier: 'inline' };
  if (envelope.bodyBase64 !== undefined) return { bytes: Buffer.from(envelope.bodyBase64, 'base64'), carrier: 'base64' };
  const claimCheck = envelope.claimCheck;
  if (claimCheck === undefined) throw new PoisonMessageError('envelope carries no body');
  // Only our own bucket: a message must not be able to point the processor at any object it can name.
  if (claimCheckBucket === undefined || claimCheck.bucket !== claimCheckBucket) {
    throw new PoisonMessageError('claim check names a bucket other than CLAIM_CHECK_BUCKET');
  }
  return { bytes: Buffer.from(await readClaimCheck(claimCheck)), carrier: 'claim-check' };
}

/** The verifier records the lowercase hex SHA-256 of the raw body; a mismatch means the wrong or a changed object. */
export function assertBodyDigest(bytes: Uint8Array, expectedSha256: string): void {
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expectedSha256.toLowerCase()) throw new UnusableBodyError('body SHA-256 does not match the envelope');
}

/** Parses the body as a JSON object; `decode` turns another encoding (a form post) into JSON text first. */
export function parseJsonBody(bytes: Buffer, decode: (text: string) => string = (text) => text): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(decode(bytes.toString('utf8')));
  } catch {
    throw new UnusableBodyError('body is not valid JSON');
  }
  if (!isJsonObject(value)) throw new UnusableBodyError('body is not a JSON object');
  return value;
}
