/**
 * Two edges of the ledger, with the real SDK clients against local stand-ins (dynalite, local-aws-sqs):
 * - LedgerBypass: DynamoDB unreachable (a closed port, so every call fails for real) must not cost a sender
 *   that never retries its event: the event is enqueued unclaimed and answered 202; only with the queue
 *   and the spool (S3) unreachable too is the answer 503.
 * - Replay horizon: a provider that signs no timestamp (Solatis) is protected from a replayed delivery only by
 *   its ledger entry, so the entry must outlive the ledger's retention. DynamoDB's TTL sweep is simulated
 *   (dynalite has none): every item whose `expiresAt` has passed at the replay's time is deleted first.
 */
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProvider } from '../../providers/index.ts';
import { clientConfig } from '../../lambdas/shared/client-config.ts';
import { parseEnvelope } from '../../lambdas/contract/envelope.ts';
import { eventKey } from '../../lambdas/contract/ledger-keys.ts';
import { Enqueuer } from '../../lambdas/verifier/enqueue.ts';
import { ClaimLedger } from '../../lambdas/verifier/claim-ledger.ts';
import { putSpooled } from '../../lambdas/verifier/claim-check-store.ts';
import { createReceiver } from '../../lambdas/verifier/receive.ts';
import { SecretCache } from '../../lambdas/verifier/secret-cache.ts';
import { apiEvent } from './support/requests.ts';
import { SECRETS, signPairs } from './support/signers.ts';
import { adminClientConfig, createLedgerTable, startDynalite, startSqs, type StandIn } from '../support/stand-ins.ts';

const TABLE = 'ledger';
const DAY_MS = 86_400_000;
const SOLATIS_SECRET = 'solatis-registration-secret';
/** A port nothing listens on: every call to it fails at once, as a real outage would after the SDK's retries. */
const NOWHERE = 'http://127.0.0.1:9';

let dynalite: StandIn;
let sqsServer: StandIn;
let admin: { ddb: DynamoDBClient; sqs: SQSClient };
let queueUrl: string;

beforeAll(async () => {
  [dynalite, sqsServer] = await Promise.all([startDynalite(), startSqs()]);
  admin = { ddb: new DynamoDBClient(adminClientConfig(dynalite.endpoint)), sqs: new SQSClient(adminClientConfig(sqsServer.endpoint)) };
  await createLedgerTable(admin.ddb, TABLE);
  queueUrl = (await admin.sqs.send(new CreateQueueCommand({ QueueName: 'events' }))).QueueUrl!;
});

afterAll(async () => {
  await Promise.all([dynalite?.stop(), sqsServer?.stop()]);
});

interface Recorded {
  metrics: Record<string, number>;
  lines: string[];
}

/** A receiver for sully and solatis on the given endpoints, with its clock, metrics and log lines exposed. */
function receiver(endpoints: { dynamodb: string; sqs: string; s3?: string }, clock: { now: number }) {
  const recorded: Recorded = { metrics: {}, lines: [] };
  const client = { ...adminClientConfig('x'), ...clientConfig, maxAttempts: 1 };
  const route = (id: string) => ({ provider: findProvider(id)!, secretArn: `arn:${id}`, queueUrl });
  const log = (level: string) => (message: string, fields: object) => recorded.lines.push(JSON.stringify({ level, message, ...fields }));
  const receive = createReceiver({
    config: { providers: new Map([['sully', route('sully')], ['solatis', route('solatis')]]), maxBodyBytes: 1_000_000, replayProtectionDays: 400 },
    // The secret source is the dependency under test elsewhere (secret-cache tests): here it hands the secret over.
    secrets: new SecretCache({
      fetchVersion: async (secretId, stage) =>
        stage === 'AWSCURRENT' ? { value: secretId === 'arn:solatis' ? SOLATIS_SECRET : SECRETS.sully.current } : undefined,
      rotationGraceMs: 0,
      now: () => clock.now,
    }),
    ledger: new ClaimLedger(new DynamoDBClient({ ...client, endpoint: endpoints.dynamodb }), TABLE, 30, 30_000),
    enqueuer: new Enqueuer(new SQSClient({ ...client, endpoint: endpoints.sqs }), async () => {}, 'bucket', 245_760),
    // The spool (S3) is unreachable unless a test says otherwise: test/verifier/spool.integration.test.ts covers it.
    spool: (key, spooled) => putSpooled(new S3Client({ ...client, endpoint: endpoints.s3 ?? NOWHERE, forcePathStyle: true }), 'bucket', key, spooled),
    metrics: { addMetric: (name: string, _unit: unknown, value: number) => { recorded.metrics[name] = (recorded.metrics[name] ?? 0) + value; }, addDimension: () => {} } as never,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
    now: () => clock.now,
  });
  return { receive, recorded };
}

function solatisDelivery(eventId = `evt_${randomUUID()}`) {
  const body = JSON.stringify({ id: eventId, event: 'document.completed', data: { document: { id: `doc_${randomUUID()}` } } });
  const signature = createHmac('sha256', SOLATIS_SECRET).update(body).digest('hex');
  return { eventId, event: apiEvent({ provider: 'solatis', headers: { 'x-solatis-signature': signature }, body }) };
}

function sullyDelivery(at: number) {
  const body = JSON.stringify({ type: 'note_generation.succeeded', data: { id: `note_${randomUUID()}` } });
  return apiEvent({ provider: 'sully', headers: signPairs('x-sully-signature', SECRETS.sully.current, body, Math.floor(at / 1000)), body });
}

async function takeMessages() {
  const out = await admin.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  for (const m of out.Messages ?? []) await admin.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
  return (out.Messages ?? []).map((m) => parseEnvelope(m.Body!));
}

/** DynamoDB's TTL, done by hand: deletes every item whose expiresAt (epoch s) is before `now`. */
async function sweepExpired(now: number) {
  const { Items = [] } = await admin.ddb.send(new ScanCommand({ TableName: TABLE }));
  for (const item of Items) {
    if (Number(item.expiresAt?.N) < now / 1000) {
      await admin.ddb.send(new DeleteItemCommand({ TableName: TABLE, Key: { pk: item.pk!, sk: item.sk! } }));
    }
  }
}

async function expiresAt(provider: string, dedupeKey: string): Promise<number> {
  const key = eventKey(provider, dedupeKey);
  const out = await admin.ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true }));
  return Number(out.Item?.expiresAt?.N);
}

describe('LedgerBypass: the ledger unreachable', () => {
  it('enqueues the event unclaimed and answers 202, counting LedgerBypass', async () => {
    const clock = { now: Date.now() };
    const { receive, recorded } = receiver({ dynamodb: NOWHERE, sqs: sqsServer.endpoint }, clock);
    const answer = await receive(sullyDelivery(clock.now));

    expect(answer.statusCode).toBe(202);
    expect(recorded.metrics).toMatchObject({ LedgerBypass: 1, Accepted: 1 });
    const messages = await takeMessages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ provider: 'sully', eventType: 'note_generation.succeeded', unclaimed: true });
    expect(recorded.lines.some((l) => l.includes('ledger unreachable'))).toBe(true);
  });

  it('a claimed event carries no unclaimed mark', async () => {
    const clock = { now: Date.now() };
    const { receive, recorded } = receiver({ dynamodb: dynalite.endpoint, sqs: sqsServer.endpoint }, clock);
    expect((await receive(sullyDelivery(clock.now))).statusCode).toBe(202);
    expect(recorded.metrics.LedgerBypass).toBeUndefined();
    const [message] = await takeMessages();
    expect(message!.unclaimed).toBeUndefined();
  });

  it('answers 503 only when the queue and the spool are unreachable too', async () => {
    const clock = { now: Date.now() };
    const { receive, recorded } = receiver({ dynamodb: NOWHERE, sqs: NOWHERE }, clock);
    const answer = await receive(sullyDelivery(clock.now));
    expect(answer.statusCode).toBe(503);
    expect(recorded.metrics).toMatchObject({ EnqueueFailure: 1 });
    expect(recorded.metrics.Accepted).toBeUndefined();
    expect(recorded.metrics.LedgerBypass).toBeUndefined();
  });
});

describe('replay horizon of a provider without a signed timestamp', () => {
  it.each([31, 365])('a Solatis delivery replayed %i days later is refused as a duplicate', async (days) => {
    const t0 = Date.now();
    const clock = { now: t0 };
    const { receive } = receiver({ dynamodb: dynalite.endpoint, sqs: sqsServer.endpoint }, clock);
    const delivery = solatisDelivery();

    expect((await receive(delivery.event)).statusCode).toBe(202);
    expect(await takeMessages()).toHaveLength(1);
    expect(await expiresAt('solatis', delivery.eventId)).toBeGreaterThanOrEqual(Math.floor((t0 + 400 * DAY_MS) / 1000));

    clock.now = t0 + days * DAY_MS;
    await sweepExpired(clock.now);
    const replay = await receive(delivery.event);
    expect(replay.statusCode).toBe(200);
    expect(JSON.parse(replay.body)).toEqual({ status: 'duplicate' });
    expect(await takeMessages()).toHaveLength(0);
  });

  it('a provider with a signed timestamp keeps the ledger retention (its tolerance refuses old replays)', async () => {
    const t0 = Date.now();
    const { receive } = receiver({ dynamodb: dynalite.endpoint, sqs: sqsServer.endpoint }, { now: t0 });
    const event = sullyDelivery(t0);
    expect((await receive(event)).statusCode).toBe(202);
    const [message] = await takeMessages();
    expect(await expiresAt('sully', message!.dedupeKey)).toBe(Math.floor(t0 / 1000) + 30 * 86_400);
  });
});
