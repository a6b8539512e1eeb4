/** Reads a claim-checked body from S3: the one S3 call of a processor. */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ClaimCheckReader } from './body.ts';
import { PoisonMessageError, ProcessingError } from './errors.ts';

export interface ClaimCheckScope {
  /** CLAIM_CHECK_BUCKET: the only bucket a claim check may name. */
  readonly bucket: string;
  /** PROVIDER_ID: the verifier writes this provider's bodies under `<provider id>/` (lambdas/verifier/enqueue.ts). */
  readonly providerId: string;
}

/**
 * Reads only this provider's claim-checked bodies from the configured bucket, as its IAM policy allows
 * (lib/constructs/claim-check-bucket.ts grantGet): a message naming another bucket or another provider's key
 * fails permanently before any S3 call, with a reason that quotes neither (no sender-controlled text).
 */
export function s3ClaimCheckReader(s3: S3Client, scope: ClaimCheckScope): ClaimCheckReader {
  const prefix = `${scope.providerId}/`;
  return async ({ bucket, key }) => {
    if (bucket !== scope.bucket) throw new PoisonMessageError('claim check names a bucket other than CLAIM_CHECK_BUCKET');
    if (typeof key !== 'string' || !key.startsWith(prefix) || key.length === prefix.length) {
      throw new PoisonMessageError(`claim check key is not under this provider's prefix '${prefix}'`);
    }
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!object.Body) throw new ProcessingError('claim-check object has no body');
    return object.Body.transformToByteArray();
  };
}
