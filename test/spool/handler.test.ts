/**
 * The spool sweeper's handler as deployed (configuration from the environment, Powertools metrics), against
 * the runner's S3 stand-in and local-aws-sqs: one run drains the spool and reports `SpoolDrained` and
 * `SpoolOldestAgeSeconds` (0 once empty) in namespace WebhookReceiver with no dimension, the alarm's metric.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSweeperConfig } from '../../lambdas/spool/config.ts';
import { spoolKey } from '../../lambdas/shared/spool.ts';
import { putSpooled } from '../../lambdas/verifier/claim-check-store.ts';
import { captureOutput, emfMetrics, type Captured } from '../verifier/support/output.ts';
import { lambdaContext } from '../verifier/support/requests.ts';
import { adminClientConfig, startSqs, S3StandIn, type StandIn } from '../support/stand-ins.ts';

const BUCKET = 'claim-checks';

let s3StandIn: S3StandIn;
let sqsServer: StandIn;
let s3: S3Client;
let sqs: SQSClient;
let queueUrl: string;
let output: Captured;
let handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<{ drained: number; remaining: number }>;

beforeAll(async () => {
  s3StandIn = new S3StandIn();
  const s3Endpoint = await s3StandIn.start();
  s3StandIn.createBucket(BUCKET);
  sqsServer = await startSqs();
  s3 = new S3Client({ ...adminClientConfig(s3Endpoint), forcePathStyle: true });
  sqs = new SQSClient(adminClientConfig(sqsServer.endpoint));
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'suki-events' }))).QueueUrl!;
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_S3: s3Endpoint, AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
    CLAIM_CHECK_BUCKET: BUCKET, QUEUE_URLS: JSON.stringify([queueUrl]),
    POWERTOOLS_SERVICE_NAME: 'spool-sweeper', POWERTOOLS_METRICS_NAMESPACE: 'WebhookReceiver',
  });
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'POWERTOOLS_DEV', 'POWERTOOLS_METRICS_DISABLED']) delete process.env[name];
  output = captureOutput();
  ({ handler } = (await import('../../lambdas/spool/handler.ts')) as unknown as { handler: typeof handler });
});

afterAll(async () => {
  output?.stop();
  await Promise.all([s3StandIn?.stop(), sqsServer?.stop()]);
});

describe('spool sweeper handler', () => {
  it('drains the spool and reports SpoolDrained and SpoolOldestAgeSeconds without a dimension', async () => {
    const body = JSON.stringify({ v: 1, provider: 'suki', eventType: 'note.completed', dedupeKey: 'k1' });
    await putSpooled(s3, BUCKET, spoolKey('suki', Date.now(), 'k1'), { v: 1, queueUrl, body, attributes: { provider: { DataType: 'String', StringValue: 'suki' } } });

    output.mark();
    expect(await handler({ 'detail-type': 'Scheduled Event' }, lambdaContext())).toEqual({ drained: 1, remaining: 0 });

    const metrics = emfMetrics(output.sinceMark());
    const byName = Object.fromEntries(metrics.map((m) => [m.name, m]));
    expect(byName['SpoolDrained']).toMatchObject({ value: 1, namespace: 'WebhookReceiver', dimensions: {} });
    expect(byName['SpoolOldestAgeSeconds']).toMatchObject({ value: 0, unit: 'Seconds', namespace: 'WebhookReceiver', dimensions: {} });
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }));
    expect(received.Messages?.[0]?.Body).toBe(body);
  });
});

describe('spool sweeper configuration', () => {
  it('needs the bucket and at least one http(s) queue URL', () => {
    expect(readSweeperConfig({ CLAIM_CHECK_BUCKET: 'b', QUEUE_URLS: '["https://sqs.example/1/q"]' }).queueUrls).toEqual(new Set(['https://sqs.example/1/q']));
    expect(() => readSweeperConfig({ CLAIM_CHECK_BUCKET: 'b' })).toThrow(/QUEUE_URLS is required/);
    expect(() => readSweeperConfig({ CLAIM_CHECK_BUCKET: 'b', QUEUE_URLS: '[]' })).toThrow(/at least one/);
    expect(() => readSweeperConfig({ CLAIM_CHECK_BUCKET: 'b', QUEUE_URLS: 'nope' })).toThrow(/not valid JSON/);
    expect(() => readSweeperConfig({ QUEUE_URLS: '["https://sqs.example/1/q"]' })).toThrow(/CLAIM_CHECK_BUCKET/);
  });
});
