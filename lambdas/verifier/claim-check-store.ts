/**
 * Writes a claim check: the body of an event too large for an SQS message, as one S3 object. The verifier
 * imports this module on the first large body only (see handler.ts), so the S3 client stays out of its
 * cold start. Encryption comes from the bucket's default (KMS); no object metadata, nothing but the bytes.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { s3 } from '../shared/s3-client.ts';

export async function storeClaimCheck(bucket: string, key: string, body: Uint8Array): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/octet-stream' }));
}
