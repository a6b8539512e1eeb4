/** The sweeper's ports (sweep.ts) bound to S3 and SQS. */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SPOOL_PREFIX } from '../shared/spool.ts';
import type { SpoolEntry, SpoolSender, SpoolStore } from './sweep.ts';

export function s3SpoolStore(s3: S3Client, bucket: string): SpoolStore {
  return {
    async list(limit) {
      const entries: SpoolEntry[] = [];
      let token: string | undefined;
      do {
        const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: SPOOL_PREFIX, MaxKeys: Math.min(1_000, limit - entries.length), ContinuationToken: token }));
        for (const object of out.Contents ?? []) {
          if (object.Key) entries.push({ key: object.Key, writtenAt: object.LastModified?.getTime() ?? 0 });
        }
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token && entries.length < limit);
      return entries;
    },
    async read(key) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!out.Body) throw new Error('GetObject returned no body');
      return out.Body.transformToString('utf8');
    },
    async remove(key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}

export function sqsSpoolSender(sqs: SQSClient): SpoolSender {
  return async (spooled) => {
    const out = await sqs.send(new SendMessageCommand({ QueueUrl: spooled.queueUrl, MessageBody: spooled.body, MessageAttributes: spooled.attributes }));
    if (!out.MessageId) throw new Error('SendMessage returned no MessageId');
  };
}
