/**
 * The verifier's writes to the claim-check bucket: a claim check (the body of an event too large for an SQS
 * message) and a spooled message (SendMessage failed: docs/architecture.md, "Spool"), one S3 object each. The
 * verifier imports this module on the first of either only (see handler.ts), so the S3 client stays out of
 * its cold start, in one lazily imported chunk. Encryption comes from the bucket's default (KMS); no object
 * metadata, nothing but the bytes.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3 } from '../shared/s3-client.ts';
import type { SpooledMessage } from '../shared/spool.ts';

export async function storeClaimCheck(bucket: string, key: string, body: Uint8Array): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/octet-stream' }));
}

/** One spooled message as JSON (lambdas/shared/spool.ts), with the given client (tests pass their own). */
export async function putSpooled(client: S3Client, bucket: string, key: string, spooled: SpooledMessage): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(spooled), ContentType: 'application/json' }));
}

export function writeSpooled(bucket: string, key: string, spooled: SpooledMessage): Promise<void> {
  return putSpooled(s3, bucket, key, spooled);
}
