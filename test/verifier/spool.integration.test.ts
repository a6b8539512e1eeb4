/**
 * SendMessage failing after the signature is verified must not cost a sender that never retries its event
 * (Suki, SOAPNoteAPI, GitHub): the message goes to the spool (the claim-check bucket, `spool/`) and the
 * answer is 202; only when the spool write fails too is it 503, with the claim released. Real SDK clients
 * against stand-ins: dynalite (ledger), the S3 stand-in (tools/stand-ins/), local-aws-sqs, and a closed port
 * (127.0.0.1:9) for whatever is "down". The spooled message is then swept into the queue as it would have
 * been sent.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findProvider } from '../../providers/index.ts';
import { s3SpoolStore, sqsSpoolSender } from '../../lambdas/spool/aws.ts';
import { sweep } from '../../lambdas/spool/sweep.ts';
import { clientConfig } from '../../lambdas/shared/client-config.ts';
import { parseEnvelope } from '../../lambdas/contract/envelope.ts';
import { eventKey } from '../../lambdas/contract/ledger-keys.ts';
import { parseSpooled } from '../../lambdas/shared/spool.ts';
import { Enqueuer } from '../../lambdas/verifier/enqueue.ts';
import { ClaimLedger } from '../../lambdas/verifier/claim-ledger.ts';
import { createReceiver } from '../../lambdas/verifier/receive.ts';
import { SecretCache } from '../../lambdas/verifier/secret-cache.ts';
import { putSpooled } from '../../lambdas/verifier/claim-check-store.ts';
import { apiEvent } from './support/requests.ts';
import { SECRETS, signPairs } from './support/signers.ts';
import { adminClientConfig, createLedgerTable, startDynalite, startSqs, S3StandIn, type StandIn } from '../support/stand-ins.ts';

const TABLE = 'ledger';
const BUCKET = 'claim-checks';
const NOWHERE = 'http://127.0.0.1:9';

let dynalite: StandIn;
let sqsServer: StandIn;
let s3StandIn: S3StandIn;
let s3Endpoint: string;
let admin: { ddb: DynamoDBClient; sqs: SQSClient; s3: S3Client };
let queueUrl: string;

beforeAll(async () => {
  [dynalite, sqsServer] = await Promise.all([startDynalite(), startSqs()]);
  s3StandIn = new S3StandIn();
  s3Endpoint = await s3StandIn.start();
  s3StandIn.createBucket(BUCKET);
  admin = {
    ddb: new DynamoDBClient(adminClientConfig(dynalite.endpoint)),
    sqs: new SQSClient(adminClientConfig(sqsServer.endpoint)),
    s3: new S3Client({ ...adminClientConfig(s3Endpoint), forcePathStyle: true }),
  };
  await createLedgerTable(admin.ddb, TABLE);
  queueUrl = (await admin.sqs.send(new CreateQueueCommand({ QueueName: 'sully-events' }))).QueueUrl!;
});

afterAll(async () => {
  await Promise.all([dynalite?.stop(), sqsServer?.stop(), s3StandIn?.stop()]);
});

/** The spool is emptied between tests (the stand-in keeps its bucket). */
beforeEach(async () => {
  const store = s3SpoolStore(admin.s3, BUCKET);
  for (const entry of await store.list(1_000)) await store.remove(entry.key);
});

/** A receiver for sully on the given endpoints, its metrics and log lines recorded. */
function receiver(endpoints: { dynamodb: string; sqs: string; s3: string }) {
  const metrics: Record<string, number> = {};
  const lines: string[] = [];
  const client = { ...adminClientConfig('x'), ...clientConfig, maxAttempts: 1 };
  const log = (level: string) => (message: string, fields: object) => void lines.push(JSON.stringify({ level, message, ...fields }));
  const s3 = new S3Client({ ...client, endpoint: endpoints.s3, forcePathStyle: true });
  const receive = createReceiver({
    config: { providers: new Map([['sully', { provider: findProvider('sully')!, secretArn: 'arn:sully', queueUrl }]]), maxBodyBytes: 1_000_000, replayProtectionDays: 400 },
    secrets: new SecretCache({ fetchVersion: async (_id, stage) => (stage === 'AWSCURRENT' ? { value: SECRETS.sully.current } : undefined), rotationGraceMs: 0 }),
    ledger: new ClaimLedger(new DynamoDBClient({ ...client, endpoint: endpoints.dynamodb }), TABLE, 30, 30_000),
    enqueuer: new Enqueuer(new SQSClient({ ...client, endpoint: endpoints.sqs }), async () => {}, BUCKET, 245_760),
    spool: (key, spooled) => putSpooled(s3, BUCKET, key, spooled),
    metrics: { addMetric: (name: string, _unit: unknown, value: number) => void (metrics[name] = (metrics[name] ?? 0) + value), addDimension: () => {} } as never,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
  });
  return { receive, metrics, lines };
}

/** A signed Sully delivery whose note id and text are the kind of thing that must never reach an S3 key. */
function delivery() {
  const noteId = `note_${randomUUID()}`;
  const body = JSON.stringify({ type: 'note_generation.succeeded', data: { id: noteId, text: 'Patient Jane Roe, DOB 1970-01-01' } });
  const event = apiEvent({ provider: 'sully', headers: signPairs('x-sully-signature', SECRETS.sully.current, body, Math.floor(Date.now() / 1000)), body });
  return { noteId, dedupeKey: `note_generation.succeeded:${noteId}`, body, event };
}

async function spoolKeys(): Promise<string[]> {
  const out = await admin.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'spool/' }));
  return (out.Contents ?? []).map((o) => o.Key!);
}

async function ledgerEntry(dedupeKey: string) {
  const key = eventKey('sully', dedupeKey);
  return (await admin.ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true }))).Item;
}

async function takeMessages() {
  const out = await admin.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }));
  for (const m of out.Messages ?? []) await admin.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
  return out.Messages ?? [];
}

const KEY_PATTERN = /^spool\/sully\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z-[0-9a-f]{64}\.json$/;

describe('SQS unreachable, S3 reachable: the event is spooled', () => {
  it('claimed: 202, Spooled counted, one spool object without PHI in its key, ledger entry spooled; a duplicate answers 200', async () => {
    const { receive, metrics, lines } = receiver({ dynamodb: dynalite.endpoint, sqs: NOWHERE, s3: s3Endpoint });
    const { noteId, dedupeKey, body, event } = delivery();

    const answer = await receive(event);
    expect(answer.statusCode).toBe(202);
    expect(JSON.parse(answer.body)).toEqual({ status: 'accepted' });
    expect(metrics).toMatchObject({ EnqueueFailure: 1, Spooled: 1, Accepted: 1 });

    const keys = await spoolKeys();
    expect(keys).toHaveLength(1);
    const key = keys[0]!;
    expect(key).toMatch(KEY_PATTERN);
    expect(key).not.toContain(noteId);

    // The message exactly as it would have been sent: envelope body, attributes, the provider's queue.
    const object = await admin.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const spooled = parseSpooled(await object.Body!.transformToString());
    expect(spooled.queueUrl).toBe(queueUrl);
    const envelope = parseEnvelope(spooled.body);
    expect(envelope).toMatchObject({ provider: 'sully', eventType: 'note_generation.succeeded', dedupeKey, body });
    expect(envelope.unclaimed).toBeUndefined();
    expect(spooled.attributes).toEqual({
      provider: { DataType: 'String', StringValue: 'sully' },
      eventType: { DataType: 'String', StringValue: 'note_generation.succeeded' },
      dedupeKey: { DataType: 'String', StringValue: dedupeKey },
    });

    const entry = await ledgerEntry(dedupeKey);
    expect(entry?.status?.S).toBe('spooled');
    expect(entry?.spoolKey?.S).toBe(key);
    // Logs carry ids and the key, never the body.
    expect(lines.join('\n')).not.toContain('Jane Roe');

    // The sender delivers again: answered from the ledger, nothing new spooled or sent.
    const again = await receive(event);
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.body)).toEqual({ status: 'duplicate' });
    expect(await spoolKeys()).toEqual([key]);
  });

  it('unclaimed (ledger unreachable too): 202, LedgerBypass and Spooled, the envelope marked unclaimed', async () => {
    const { receive, metrics } = receiver({ dynamodb: NOWHERE, sqs: NOWHERE, s3: s3Endpoint });
    const { dedupeKey, event } = delivery();
    expect((await receive(event)).statusCode).toBe(202);
    expect(metrics).toMatchObject({ LedgerBypass: 1, Spooled: 1, Accepted: 1 });
    const [key] = await spoolKeys();
    const spooled = parseSpooled(await (await admin.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key! }))).Body!.transformToString());
    expect(parseEnvelope(spooled.body)).toMatchObject({ dedupeKey, unclaimed: true });
    expect(await ledgerEntry(dedupeKey)).toBeUndefined();
  });

  it('once SQS answers again, the sweeper sends the spooled message as it would have been sent', async () => {
    const { receive } = receiver({ dynamodb: dynalite.endpoint, sqs: NOWHERE, s3: s3Endpoint });
    const { dedupeKey, event } = delivery();
    expect((await receive(event)).statusCode).toBe(202);
    const [key] = await spoolKeys();
    const spooled = parseSpooled(await (await admin.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key! }))).Body!.transformToString());

    const result = await sweep({
      store: s3SpoolStore(admin.s3, BUCKET),
      send: sqsSpoolSender(admin.sqs),
      queueUrls: new Set([queueUrl]),
      logger: { info: () => {}, error: () => {} },
      errorFields: () => ({}),
    });
    expect(result).toMatchObject({ drained: 1, remaining: 0 });
    const [message] = await takeMessages();
    expect(message!.Body).toBe(spooled.body);
    expect(parseEnvelope(message!.Body!).dedupeKey).toBe(dedupeKey);
    expect(message!.MessageAttributes?.dedupeKey?.StringValue).toBe(dedupeKey);
    expect(await spoolKeys()).toEqual([]);
  });
});

describe('SQS and S3 both unreachable', () => {
  it('503, nothing spooled, the claim released so that the retry can claim it', async () => {
    const { receive, metrics, lines } = receiver({ dynamodb: dynalite.endpoint, sqs: NOWHERE, s3: NOWHERE });
    const { dedupeKey, event } = delivery();
    const answer = await receive(event);
    expect(answer.statusCode).toBe(503);
    expect(metrics).toMatchObject({ EnqueueFailure: 1 });
    expect(metrics.Spooled).toBeUndefined();
    expect(metrics.Accepted).toBeUndefined();
    expect(await ledgerEntry(dedupeKey)).toBeUndefined();
    expect(lines.some((l) => l.includes('spooling failed'))).toBe(true);
    expect(await spoolKeys()).toEqual([]);

    // The sender's retry, with SQS back: claimed afresh and enqueued.
    const healthy = receiver({ dynamodb: dynalite.endpoint, sqs: sqsServer.endpoint, s3: s3Endpoint });
    expect((await healthy.receive(event)).statusCode).toBe(202);
    expect((await ledgerEntry(dedupeKey))?.status?.S).toBe('enqueued');
    expect(await takeMessages()).toHaveLength(1);
  });

  it('unclaimed (ledger unreachable too): 503', async () => {
    const { receive, metrics } = receiver({ dynamodb: NOWHERE, sqs: NOWHERE, s3: NOWHERE });
    expect((await receive(delivery().event)).statusCode).toBe(503);
    expect(metrics.LedgerBypass).toBeUndefined();
    expect(metrics.Accepted).toBeUndefined();
  });
});
