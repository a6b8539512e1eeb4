/** Reads a claim-checked body from S3: the one S3 call of a processor. */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ClaimCheckReader } from './body.ts';
import { ProcessingError } from './errors.ts';

export function s3ClaimCheckReader(s3: S3Client): ClaimCheckReader {
  return async ({ bucket, key }) => {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!object.Body) throw new ProcessingError('claim-check object has no body');
    return object.Body.transformToByteArray();
  };
}
