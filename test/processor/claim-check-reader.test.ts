/**
 * The processor's S3 claim-check reader reads only what its role allows: the configured bucket and its own
 * provider's prefix (`<provider id>/`). Anything else fails permanently (straight to the DLQ), before any S3
 * call, with a reason that quotes no sender-controlled text.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { s3ClaimCheckReader } from '../../lambdas/processor/claim-check-reader.ts';
import { PoisonMessageError, failureClassOf, safeErrorSummary } from '../../lambdas/processor/errors.ts';

const BUCKET = 'claim-checks';
const s3Mock = mockClient(S3Client);
afterEach(() => s3Mock.reset());

function reader() {
  s3Mock.on(GetObjectCommand).resolves({ Body: { transformToByteArray: async () => new TextEncoder().encode('{"ok":true}') } as never });
  return s3ClaimCheckReader(new S3Client({ region: 'us-east-1' }), { bucket: BUCKET, providerId: 'suki' });
}

describe('s3ClaimCheckReader', () => {
  it('reads a key under its own provider prefix from the configured bucket', async () => {
    const bytes = await reader()({ bucket: BUCKET, key: 'suki/2026-03-20/abc' });
    expect(new TextDecoder().decode(bytes)).toBe('{"ok":true}');
    expect(s3Mock.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({ Bucket: BUCKET, Key: 'suki/2026-03-20/abc' });
  });

  it.each([
    ['another provider', 'sully/2026-03-20/abc'],
    ['a provider whose id starts with this one', 'suki-other/2026-03-20/abc'],
    ['the spool', 'spool/2026-03-20/abc'],
    ['no prefix', 'abc'],
    ['the bare prefix', 'suki/'],
    ['an empty key', ''],
  ])('refuses a key of %s, permanently and without an S3 call', async (_case, key) => {
    const error = await reader()({ bucket: BUCKET, key }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoisonMessageError);
    expect(failureClassOf(error)).toBe('permanent');
    expect(safeErrorSummary(error)).toBe("PoisonMessageError: claim check key is not under this provider's prefix 'suki/'");
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('refuses another bucket, permanently and without an S3 call', async () => {
    const error = await reader()({ bucket: 'someone-elses-bucket', key: 'suki/2026-03-20/abc' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PoisonMessageError);
    expect(safeErrorSummary(error)).toBe('PoisonMessageError: claim check names a bucket other than CLAIM_CHECK_BUCKET');
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });
});
