/**
 * The spool sweeper (lambdas/spool/sweep.ts with its S3 and SQS ports, lambdas/spool/aws.ts) with the real
 * SDK clients against local stand-ins: the S3 stand-in (tools/stand-ins/) and local-aws-sqs. A spooled message goes
 * to its own queue with the same body and attributes and is deleted; a message naming a queue this stack
 * does not have is never sent and stays; with SQS unreachable (a closed port) everything stays.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { s3SpoolStore, sqsSpoolSender } from '../../lambdas/spool/aws.ts';
import { sweep, type SweepDeps } from '../../lambdas/spool/sweep.ts';
import { clientConfig } from '../../lambdas/shared/client-config.ts';
import { spoolKey, type SpooledMessage } from '../../lambdas/shared/spool.ts';
import { putSpooled } from '../../lambdas/verifier/claim-check-store.ts';
import { adminClientConfig, startSqs, S3StandIn, type StandIn } from '../support/stand-ins.ts';

const BUCKET = 'claim-checks';
const NOWHERE = 'http://127.0.0.1:9';

let s3StandIn: S3StandIn;
let sqsServer: StandIn;
let s3: S3Client;
let sqs: SQSClient;
const queues: Record<'sully' | 'suki', string> = { sully: '', suki: '' };
let bucketNumber = 0;
let bucket: string;

beforeAll(async () => {
  s3StandIn = new S3StandIn();
  const s3Endpoint = await s3StandIn.start();
  sqsServer = await startSqs();
  s3 = new S3Client({ ...adminClientConfig(s3Endpoint), forcePathStyle: true });
  sqs = new SQSClient(adminClientConfig(sqsServer.endpoint));
  for (const id of ['sully', 'suki'] as const) queues[id] = (await sqs.send(new CreateQueueCommand({ QueueName: `${id}-events` }))).QueueUrl!;
});

afterAll(async () => {
  s3?.destroy();
  sqs?.destroy();
  await Promise.all([s3StandIn?.stop(), sqsServer?.stop()]);
});

beforeEach(() => {
  bucket = `${BUCKET}-${++bucketNumber}`;
  s3StandIn.createBucket(bucket);
});

function spooled(queueUrl: string, dedupeKey: string): SpooledMessage {
  return {
    v: 1,
    queueUrl,
    body: JSON.stringify({ v: 1, provider: 'sully', eventType: 'note_generation.succeeded', dedupeKey, receivedAt: new Date().toISOString(), body: '{"note":"x"}', bodySha256: 'ab' }),
    attributes: {
      provider: { DataType: 'String', StringValue: 'sully' },
      eventType: { DataType: 'String', StringValue: 'note_generation.succeeded' },
      dedupeKey: { DataType: 'String', StringValue: dedupeKey },
    },
  };
}

async function spool(provider: string, message: SpooledMessage, at = Date.now()): Promise<string> {
  const key = spoolKey(provider, at, JSON.parse(message.body).dedupeKey);
  await putSpooled(s3, bucket, key, message);
  return key;
}

async function spoolKeys(): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'spool/' }));
  return (out.Contents ?? []).map((o) => o.Key!);
}

async function drain(queueUrl: string): Promise<Message[]> {
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'], VisibilityTimeout: 30 }));
  return out.Messages ?? [];
}

function run(overrides: Partial<SweepDeps> = {}, sqsEndpoint = sqsServer.endpoint) {
  const lines: { level: string; message: string; fields: object }[] = [];
  const log = (level: string) => (message: string, fields: object) => void lines.push({ level, message, fields });
  const sender = new SQSClient({ ...adminClientConfig(sqsEndpoint), ...clientConfig, maxAttempts: 1 });
  const result = sweep({
    store: s3SpoolStore(s3, bucket),
    send: sqsSpoolSender(sender),
    queueUrls: new Set(Object.values(queues)),
    logger: { info: log('info'), error: log('error') },
    errorFields: (error) => ({ errorName: (error as Error).name }),
    ...overrides,
  }).finally(() => sender.destroy());
  return { result, lines };
}

describe('spool sweeper', () => {
  it('sends each spooled message to its own queue with the same body and attributes, then deletes it', async () => {
    const forSully = spooled(queues.sully, 'note_1');
    const forSuki = spooled(queues.suki, 'ambient_2');
    await spool('sully', forSully);
    await spool('suki', forSuki);

    const { result } = run();
    expect(await result).toMatchObject({ drained: 2, rejected: 0, left: 0, remaining: 0, oldestAgeSeconds: 0 });

    const [sully] = await drain(queues.sully);
    const [suki] = await drain(queues.suki);
    expect(sully!.Body).toBe(forSully.body);
    expect(suki!.Body).toBe(forSuki.body);
    for (const [message, sent] of [[sully!, forSully], [suki!, forSuki]] as const) {
      const attributes = Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [k, { DataType: v.DataType, StringValue: v.StringValue }]));
      expect(attributes).toEqual(sent.attributes);
    }
    expect(await spoolKeys()).toEqual([]);
  });

  it('sends the oldest first, at most maxPerRun, and reports the age of what is left', async () => {
    const older = await spool('sully', spooled(queues.sully, 'older'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const newer = await spool('sully', spooled(queues.sully, 'newer'));
    const later = Date.now() + 400_000;

    const { result } = run({ maxPerRun: 1, now: () => later });
    const swept = await result;
    expect(swept).toMatchObject({ drained: 1, remaining: 1 });
    expect(swept.oldestAgeSeconds).toBeGreaterThanOrEqual(399);
    const [sent] = await drain(queues.sully);
    expect(JSON.parse(sent!.Body!).dedupeKey).toBe('older');
    expect(await spoolKeys()).toEqual([newer]);
    expect(older).not.toBe(newer);
  });

  it('never sends a message naming a queue that is not configured: it stays and is reported', async () => {
    const foreign = sqsServer.endpoint + '/000000000000/someone-elses-queue';
    const key = await spool('sully', spooled(foreign, 'note_3'));

    const { result, lines } = run({ now: () => Date.now() + 600_000 });
    const swept = await result;
    expect(swept).toMatchObject({ drained: 0, rejected: 1, remaining: 1 });
    expect(swept.oldestAgeSeconds).toBeGreaterThanOrEqual(599);
    expect(await spoolKeys()).toEqual([key]);
    expect(await drain(queues.sully)).toEqual([]);
    expect(await drain(queues.suki)).toEqual([]);
    expect(lines.some((l) => l.level === 'error' && l.message.includes('not configured'))).toBe(true);
    // The log names the object, never the queue URL it carried or the body.
    expect(JSON.stringify(lines)).not.toContain('someone-elses-queue');
  });

  it('objects it never sends do not hold back the ones behind them', async () => {
    const foreign = await spool('sully', spooled(sqsServer.endpoint + '/000000000000/gone', 'old'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await spool('sully', spooled(queues.sully, 'behind'));

    expect(await run({ maxPerRun: 1 }).result).toMatchObject({ drained: 1, rejected: 1, remaining: 1 });
    const [sent] = await drain(queues.sully);
    expect(JSON.parse(sent!.Body!).dedupeKey).toBe('behind');
    expect(await spoolKeys()).toEqual([foreign]);
  });

  it('with SQS unreachable, every object stays for the next run, and a failed queue is not tried again in the run', async () => {
    const keys = [await spool('sully', spooled(queues.sully, 'note_4')), await spool('sully', spooled(queues.sully, 'note_5'))];
    let sends = 0;
    const sender = new SQSClient({ ...adminClientConfig(NOWHERE), ...clientConfig, maxAttempts: 1 });
    const down = sqsSpoolSender(sender);
    const { result } = run({ send: async (m) => { sends++; return down(m); } });
    expect(await result).toMatchObject({ drained: 0, left: 2, remaining: 2 });
    sender.destroy();
    expect(sends).toBe(1);
    expect((await spoolKeys()).sort()).toEqual([...keys].sort());

    // SQS answers again: the next run drains them.
    expect(await run().result).toMatchObject({ drained: 2, remaining: 0 });
    expect(await drain(queues.sully)).toHaveLength(2);
  });

  it('an empty spool: age 0, nothing logged', async () => {
    const { result, lines } = run();
    expect(await result).toEqual({ drained: 0, rejected: 0, left: 0, remaining: 0, oldestAgeSeconds: 0 });
    expect(lines).toEqual([]);
  });
});
