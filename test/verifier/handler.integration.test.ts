/**
 * The bundled verifier handler against real local stand-ins, reached only through AWS_ENDPOINT_URL_* and
 * dummy credentials: dynalite (ledger) and local-aws-sqs (queues) always; moto_server (Secrets Manager
 * version stages, S3 claim checks) when on PATH. Every claim semantic of docs/architecture.md is proven
 * from the outside: HTTP answer, messages on the queue, the ledger item, EMF metrics, AWS calls, logs.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventKey } from '../../lambdas/contract/ledger-keys.ts';
import { countCalls, type CallLog } from './support/calls.ts';
import { captureOutput, emfMetrics, logRecords, metricTotals, type Captured } from './support/output.ts';
import { apiEvent, lambdaContext } from './support/requests.ts';
import { SECRETS, signGithub, signPairs, signStandardWebhooks } from './support/signers.ts';
import { mockedSecrets, motoSecrets, type SecretStore } from './support/secrets.ts';
import { adminClientConfig, createLedgerTable, motoOnPath, startDynalite, startMoto, startSqs, type StandIn } from '../support/stand-ins.ts';
import { setVerifierEnvironment } from './support/environment.ts';

const HAS_MOTO = motoOnPath();
if (!HAS_MOTO) {
  console.warn(
    '[test/verifier] moto_server is not on PATH: Secrets Manager is mocked, and the rotation and S3 claim-check ' +
      'tests are SKIPPED. Install moto (pip install "moto[server]") to run them.',
  );
}

const TABLE = 'ledger';
const BUCKET = 'claim-checks';
const MAX_BODY_BYTES = 400_000;
/** A port nothing listens on: a service the suite does not provide must fail, never reach AWS. */
const NOWHERE = 'http://127.0.0.1:9';
const HOUR_MS = 3_600_000;

let dynaliteServer: StandIn;
let sqsServer: StandIn;
let moto: StandIn | undefined;
let secrets: SecretStore;
let ddb: DynamoDBClient;
let sqs: SQSClient;
let s3: S3Client | undefined;
let queues: Record<'sully' | 'github' | 'standard-webhooks', string>;
let lateQueueUrl: string;
let output: Captured;
let calls: CallLog;
let handler: (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; body: string }>;

/** Strings that must never reach a log line: body markers, secrets, signature header values. */
const sensitive: string[] = [];

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function invoke(event: APIGatewayProxyEventV2) {
  output.mark();
  calls.take();
  const answer = await handler(event, lambdaContext());
  const lines = output.sinceMark();
  return { status: answer.statusCode, body: JSON.parse(answer.body) as Record<string, string>, lines, calls: calls.take() };
}

interface SullyRequest {
  readonly event: APIGatewayProxyEventV2;
  readonly body: string;
  readonly dedupeKey: string;
}

/** A Sully note event signed with Sully's documented recipe (node:crypto, not the project's signer). */
function sullyRequest(options: { noteId?: string; secret?: string; ts?: number; filler?: string; base64?: boolean } = {}): SullyRequest {
  const noteId = options.noteId ?? `note_${randomUUID()}`;
  const marker = `PHI-MARKER-${randomUUID()}`;
  sensitive.push(marker);
  const body = JSON.stringify({
    id: `evt_${randomUUID()}`,
    type: 'note_generation.succeeded',
    data: { id: noteId, status: 'succeeded', assessment: `Ménière disease ${marker}`, ...(options.filler ? { transcript: options.filler } : {}) },
  });
  const headers = signPairs('x-sully-signature', options.secret ?? SECRETS.sully.current, body, options.ts ?? nowSeconds());
  sensitive.push(headers['x-sully-signature']!.split('v1=')[1]!);
  return {
    event: apiEvent({ provider: 'sully', headers, body, ...(options.base64 ? { base64: true } : {}) }),
    body,
    dedupeKey: `note_generation.succeeded:${noteId}`,
  };
}

async function drain(queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 0 }),
    );
    if (!out.Messages?.length) return messages;
    for (const message of out.Messages) {
      messages.push(message);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
}

async function ledgerItem(provider: string, dedupeKey: string): Promise<Record<string, AttributeValue> | undefined> {
  const key = eventKey(provider, dedupeKey);
  const out = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true }));
  return out.Item;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

beforeAll(async () => {
  [dynaliteServer, sqsServer, moto] = await Promise.all([startDynalite(), startSqs(), HAS_MOTO ? startMoto() : undefined]);
  ddb = new DynamoDBClient(adminClientConfig(dynaliteServer.endpoint));
  sqs = new SQSClient(adminClientConfig(sqsServer.endpoint));
  await createLedgerTable(ddb, TABLE);

  const queue = async (name: string) => (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  await queue('sully-dlq');
  queues = { sully: await queue('sully-events'), github: await queue('github-events'), 'standard-webhooks': await queue('sw-events') };
  // Stripe's queue is never created: SendMessage to it fails for real (the enqueue-failure test).
  lateQueueUrl = `${sqsServer.endpoint}/123456789012/stripe-events-${randomUUID().slice(0, 8)}`;

  secrets = moto ? motoSecrets(moto.endpoint) : mockedSecrets();
  if (moto) {
    s3 = new S3Client(adminClientConfig(moto.endpoint));
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  }
  // Standard Webhooks starts on its OLD secret; the rotation test moves it to the current one.
  const arns = {
    sully: await secrets.create('sully', SECRETS.sully.current),
    github: await secrets.create('github', SECRETS.github.current),
    stripe: await secrets.create('stripe', SECRETS.stripe.current),
    sw: await secrets.create('standard-webhooks', SECRETS['standard-webhooks'].previous),
  };
  for (const pair of Object.values(SECRETS)) sensitive.push(...Object.values(pair));

  setVerifierEnvironment({
    endpoints: { dynamodb: dynaliteServer.endpoint, sqs: sqsServer.endpoint, secretsManager: moto?.endpoint ?? NOWHERE, s3: moto?.endpoint ?? NOWHERE },
    providers: {
      sully: { secretArn: arns.sully, queueUrl: queues.sully },
      github: { secretArn: arns.github, queueUrl: queues.github },
      stripe: { secretArn: arns.stripe, queueUrl: lateQueueUrl },
      'standard-webhooks': { secretArn: arns.sw, queueUrl: queues['standard-webhooks'] },
    },
    ledgerTable: TABLE,
    claimCheckBucket: BUCKET,
    extra: {
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      // The most talkative settings an operator could choose: still nothing sensitive may be logged.
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      POWERTOOLS_LOGGER_LOG_EVENT: 'true',
    },
  });

  output = captureOutput();
  // Configuration is read when the module loads: import only now that the environment is set.
  ({ handler } = (await import('../../lambdas/verifier/handler.ts')) as unknown as { handler: typeof handler });
  const clients = await import('../../lambdas/shared/aws-clients.ts');
  const claimChecks = await import('../../lambdas/shared/s3-client.ts');
  calls = countCalls({ dynamodb: clients.dynamodb, sqs: clients.sqs, s3: claimChecks.s3, secretsManager: clients.secretsManager });
  secrets.onMockedCall = () => calls.calls.push('SecretsManager.GetSecretValue');
});

afterAll(async () => {
  output?.stop();
  secrets?.restore();
  await Promise.all([dynaliteServer?.stop(), sqsServer?.stop(), moto?.stop()]);
});

describe('a valid new event', () => {
  it('is answered 202 after exactly one message with its attributes and envelope is on the queue', async () => {
    // Prepare
    const request = sullyRequest();
    const before = Date.now();

    // Act
    const answer = await invoke(request.event);

    // Assess
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ status: 'accepted' });
    const messages = await drain(queues.sully);
    expect(messages).toHaveLength(1);
    const message = messages[0]!;
    expect(message.MessageAttributes).toEqual({
      provider: { DataType: 'String', StringValue: 'sully' },
      eventType: { DataType: 'String', StringValue: 'note_generation.succeeded' },
      dedupeKey: { DataType: 'String', StringValue: request.dedupeKey },
    });
    const envelope = JSON.parse(message.Body!) as Record<string, unknown>;
    expect(envelope).toEqual({
      v: 1,
      provider: 'sully',
      eventType: 'note_generation.succeeded',
      dedupeKey: request.dedupeKey,
      receivedAt: expect.any(String),
      signedTimestamp: expect.stringMatching(/^\d+$/),
      body: request.body,
      bodySha256: sha256(request.body),
    });
    expect(Date.parse(envelope.receivedAt as string)).toBeGreaterThanOrEqual(before - 1);

    const item = await ledgerItem('sully', request.dedupeKey);
    expect(item?.status?.S).toBe('enqueued');
    expect(item?.messageId?.S).toBe(message.MessageId);
    expect(item?.bodySha256?.S).toBe(sha256(request.body));
    expect(item?.bodyBytes?.N).toBe(String(Buffer.byteLength(request.body)));
    expect(item?.eventType?.S).toBe('note_generation.succeeded');
    const thirtyDays = Math.floor(before / 1000) + 30 * 86_400;
    expect(Number(item?.expiresAt?.N)).toBeGreaterThanOrEqual(thirtyDays);
    expect(Number(item?.expiresAt?.N)).toBeLessThan(thirtyDays + 60);

    const metrics = emfMetrics(answer.lines);
    expect(metrics.every((m) => m.namespace === 'WebhookReceiver')).toBe(true);
    // {provider} only, except the one metric that names the secret version that matched (ops secret retire reads it).
    expect(metrics.filter((m) => m.name !== 'SecretVersionMatched').every((m) => JSON.stringify(m.dimensionNames) === '[["provider"]]')).toBe(true);
    expect(metrics.filter((m) => m.name === 'SecretVersionMatched')).toEqual([
      expect.objectContaining({ value: 1, dimensionNames: [['provider', 'secretVersionId']], dimensions: { provider: 'sully', secretVersionId: expect.stringMatching(/\S/) } }),
    ]);
    expect(metricTotals(answer.lines, 'sully')).toEqual({ Accepted: 1, SecretCurrentMatched: 1, SecretVersionMatched: 1, BodyBytes: Buffer.byteLength(request.body) });
  });

  it('uses 3 AWS calls once the secret is cached: claim, send, mark; no Secrets Manager call', async () => {
    // Prepare: the previous test warmed the cache for sully
    const request = sullyRequest();

    // Act
    const answer = await invoke(request.event);

    // Assess
    expect(answer.status).toBe(202);
    expect(answer.calls).toEqual(['DynamoDB.PutItem', 'SQS.SendMessage', 'DynamoDB.UpdateItem']);
    expect(await drain(queues.sully)).toHaveLength(1);
  });
});

describe('duplicates', () => {
  it('answers 200 duplicate after enqueue and enqueues nothing again', async () => {
    // Prepare
    const request = sullyRequest();
    expect((await invoke(request.event)).status).toBe(202);
    expect(await drain(queues.sully)).toHaveLength(1);

    // Act
    const again = await invoke(request.event);

    // Assess: dynalite returns no item with the condition failure, so the one fallback read is made
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ status: 'duplicate' });
    expect(await drain(queues.sully)).toHaveLength(0);
    expect(again.calls).toEqual(['DynamoDB.PutItem', 'DynamoDB.GetItem']);
    expect(metricTotals(again.lines, 'sully')).toMatchObject({ Duplicate: 1 });
    expect(metricTotals(again.lines, 'sully')).not.toHaveProperty('Accepted');
  });

  it('answers 409 while another claim holds a live lease, and leaves that claim alone', async () => {
    // Prepare: a claim taken a moment ago by another invocation that is still sending
    const request = sullyRequest();
    const key = eventKey('sully', request.dedupeKey);
    const lease = Date.now() + 25_000;
    await ddb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: {
          pk: { S: key.pk },
          sk: { S: key.sk },
          status: { S: 'received' },
          claimToken: { S: 'the-other-invocation' },
          leaseUntil: { N: String(lease) },
          bodySha256: { S: sha256(request.body) },
        },
      }),
    );

    // Act
    const answer = await invoke(request.event);

    // Assess
    expect(answer.status).toBe(409);
    expect(answer.body).toEqual({ error: 'in flight' });
    expect(await drain(queues.sully)).toHaveLength(0);
    const item = await ledgerItem('sully', request.dedupeKey);
    expect(item?.claimToken?.S).toBe('the-other-invocation');
    expect(item?.status?.S).toBe('received');
    expect(metricTotals(answer.lines, 'sully')).toMatchObject({ InFlight: 1 });
  });

  it('re-claims and enqueues an event whose claim was left behind by a crash (expired lease)', async () => {
    // Prepare: a verifier claimed the event, then died before SendMessage
    const request = sullyRequest();
    const key = eventKey('sully', request.dedupeKey);
    await ddb.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: {
          pk: { S: key.pk },
          sk: { S: key.sk },
          status: { S: 'received' },
          claimToken: { S: 'crashed-invocation' },
          leaseUntil: { N: String(Date.now() - 1_000) },
          bodySha256: { S: sha256(request.body) },
          claims: { N: '1' },
        },
      }),
    );

    // Act
    const answer = await invoke(request.event);

    // Assess
    expect(answer.status).toBe(202);
    const messages = await drain(queues.sully);
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]!.Body!).dedupeKey).toBe(request.dedupeKey);
    const item = await ledgerItem('sully', request.dedupeKey);
    expect(item?.status?.S).toBe('enqueued');
    expect(item?.claimToken?.S).not.toBe('crashed-invocation');
    expect(item?.claims?.N).toBe('2');
    expect(metricTotals(answer.lines, 'sully')).not.toHaveProperty('DedupeConflict');
  });

  it('counts the same key with a different body as a conflict, logs ids only, and answers as a duplicate', async () => {
    // Prepare
    const noteId = `note_${randomUUID()}`;
    const first = sullyRequest({ noteId });
    expect((await invoke(first.event)).status).toBe(202);
    await drain(queues.sully);
    const second = sullyRequest({ noteId });
    expect(second.body).not.toBe(first.body);

    // Act
    const answer = await invoke(second.event);

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'duplicate' });
    expect(await drain(queues.sully)).toHaveLength(0);
    expect(metricTotals(answer.lines, 'sully')).toMatchObject({ DedupeConflict: 1, Duplicate: 1 });
    const conflictLog = logRecords(answer.lines).find((r) => r.message === 'same dedupe key, different body');
    expect(conflictLog).toMatchObject({ provider: 'sully', dedupeKey: second.dedupeKey, eventType: 'note_generation.succeeded' });
    const item = await ledgerItem('sully', first.dedupeKey);
    expect(item?.conflicts?.N).toBe('1');
    expect(item?.bodySha256?.S).toBe(sha256(first.body));
  });
});

describe('enqueue failure', () => {
  // The spool is S3 (moto here): without moto the test is skipped (see the warning at the top); the 503 and
  // claim release when the spool fails too are proven in spool.integration.test.ts and handler.errors.test.ts.
  it.skipIf(!HAS_MOTO)('with S3 up: answers 202, the message spooled and the entry marked spooled; a retry is a duplicate', async () => {
    // Prepare: Stripe's queue URL points at a queue that does not exist (yet)
    const id = `evt_${randomUUID()}`;
    const body = JSON.stringify({ id, object: 'event', type: 'invoice.paid', data: { object: { id: 'in_2' } } });
    const headers = signPairs('stripe-signature', SECRETS.stripe.current, body, nowSeconds());
    sensitive.push(headers['stripe-signature']!.split('v1=')[1]!);

    // Act
    const spooled = await invoke(apiEvent({ provider: 'stripe', headers, body }));
    const retried = await invoke(apiEvent({ provider: 'stripe', headers, body }));

    // Assess
    expect(spooled.status).toBe(202);
    expect(metricTotals(spooled.lines, 'stripe')).toMatchObject({ EnqueueFailure: 1, Spooled: 1, Accepted: 1 });
    expect(spooled.calls).toContain('S3.PutObject');
    expect(spooled.calls).not.toContain('DynamoDB.DeleteItem');
    expect((await ledgerItem('stripe', id))?.status?.S).toBe('spooled');
    expect(retried).toMatchObject({ status: 200, body: { status: 'duplicate' } });
  });
});

describe('refused requests', () => {
  it('answers 401 for a bad signature, without touching the ledger or the queue', async () => {
    // Prepare
    const request = sullyRequest({ secret: 'whsec_not_the_right_secret' });

    // Act
    const answer = await invoke(request.event);

    // Assess
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: 'signature_mismatch' });
    expect(await ledgerItem('sully', request.dedupeKey)).toBeUndefined();
    expect(await drain(queues.sully)).toHaveLength(0);
    expect(metricTotals(answer.lines, 'sully')).toMatchObject({ SignatureFailure: 1 });
    expect(answer.calls.filter((c) => !c.startsWith('SecretsManager.'))).toEqual([]);
  });

  it('answers 401 for a stale timestamp even with a correct signature', async () => {
    // Prepare: signed 301 s ago, tolerance 300 s
    const request = sullyRequest({ ts: nowSeconds() - 301 });

    // Act
    const answer = await invoke(request.event);

    // Assess
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: 'timestamp_out_of_tolerance' });
    expect(await ledgerItem('sully', request.dedupeKey)).toBeUndefined();
    expect(answer.calls).toEqual([]);
  });

  it('accepts an authenticated body that has no dedupe key: keyed by its SHA-256, marked unrecognized, counted', async () => {
    // Prepare
    const body = JSON.stringify({ type: 'note_generation.succeeded', data: { status: 'succeeded' } });
    const headers = signPairs('x-sully-signature', SECRETS.sully.current, body, nowSeconds());

    // Act
    const answer = await invoke(apiEvent({ provider: 'sully', headers, body }));

    // Assess
    expect(answer.status).toBe(202);
    expect(metricTotals(answer.lines, 'sully')).toMatchObject({ UnrecognizedEvent: 1, Accepted: 1 });
    expect(metricTotals(answer.lines, 'sully')).not.toHaveProperty('BadRequest');
    const item = await ledgerItem('sully', sha256(body));
    expect(item?.eventType?.S).toBe('note_generation.succeeded');
    expect(item?.unrecognized?.S).toBe('dedupe key: missing body field data.id');
    const [message] = await drain(queues.sully);
    expect(JSON.parse(message!.Body!)).toMatchObject({ dedupeKey: sha256(body), unrecognized: 'dedupe key: missing body field data.id' });
  });

  it('answers 404 for an unknown provider and for a built-in provider that is not enabled', async () => {
    // Act
    const unknown = await invoke(apiEvent({ provider: 'nobody', body: '{}' }));
    const notEnabled = await invoke(apiEvent({ provider: 'suki', body: '{}' }));

    // Assess
    for (const answer of [unknown, notEnabled]) {
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ error: 'unknown provider' });
      expect(answer.calls).toEqual([]);
      expect(emfMetrics(answer.lines)).toEqual([]);
    }
  });

  it('answers 405 for a method other than POST', async () => {
    const answer = await invoke(apiEvent({ provider: 'sully', method: 'GET' }));
    expect(answer.status).toBe(405);
    expect(answer.calls).toEqual([]);
  });

  it('answers 413 above MAX_BODY_BYTES, as text or base64, before any AWS call', async () => {
    // Prepare: one byte over the limit, correctly signed
    const body = 'x'.repeat(MAX_BODY_BYTES + 1);
    const headers = signGithub(SECRETS.github.current, body, 'push', randomUUID());

    // Act
    const text = await invoke(apiEvent({ provider: 'github', headers, body }));
    const base64 = await invoke(apiEvent({ provider: 'github', headers, body, base64: true }));

    // Assess
    for (const answer of [text, base64]) {
      expect(answer.status).toBe(413);
      expect(answer.body).toEqual({ error: 'body too large' });
      expect(answer.calls).toEqual([]);
      expect(metricTotals(answer.lines, 'github')).toMatchObject({ BadRequest: 1 });
    }
  });

  it('answers 400 for an isBase64Encoded body that is not canonical base64', async () => {
    const event = { ...apiEvent({ provider: 'github', body: 'x' }), body: 'aGVsbG8=!!', isBase64Encoded: true };
    const answer = await invoke(event);
    expect(answer.status).toBe(400);
    expect(answer.calls).toEqual([]);
  });
});

describe('isBase64Encoded bodies', () => {
  it('verifies the decoded bytes and carries bytes that are not UTF-8 as bodyBase64', async () => {
    // Prepare: bytes that are not valid UTF-8, signed over the raw bytes
    const raw = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x80, 0x7d]);
    const delivery = randomUUID();
    const headers = signGithub(SECRETS.github.current, raw, 'ping', delivery);

    // Act
    const answer = await invoke(apiEvent({ provider: 'github', headers, body: raw, base64: true }));

    // Assess
    expect(answer.status).toBe(202);
    const [message] = await drain(queues.github);
    const envelope = JSON.parse(message!.Body!);
    // GitHub's dedupe key is the body's SHA-256: X-GitHub-Delivery is not signed.
    expect(envelope).toMatchObject({ provider: 'github', eventType: 'ping', dedupeKey: sha256(raw), bodySha256: sha256(raw) });
    expect(envelope).not.toHaveProperty('body');
    expect(Buffer.from(envelope.bodyBase64, 'base64')).toEqual(raw);
  });

  it('accepts a base64-delivered JSON body whose signature is over the decoded text', async () => {
    const request = sullyRequest({ base64: true });
    const answer = await invoke(request.event);
    expect(answer.status).toBe(202);
    const [message] = await drain(queues.sully);
    expect(JSON.parse(message!.Body!).body).toBe(request.body);
  });
});

describe.skipIf(!HAS_MOTO)('secret rotation in Secrets Manager (moto)', () => {
  const provider = 'standard-webhooks';
  const signed = (secret: string) => {
    const msgId = `msg_${randomUUID().replaceAll('-', '')}`;
    const marker = `PHI-MARKER-${randomUUID()}`;
    sensitive.push(marker);
    const body = JSON.stringify({ type: 'patient.note.signed', data: { note: marker } });
    const headers = signStandardWebhooks(secret, body, nowSeconds(), msgId);
    sensitive.push(headers['webhook-signature']!.slice(3));
    return apiEvent({ provider, headers, body });
  };

  it('accepts the new secret at once after PutSecretValue, and the old one within the grace window', async () => {
    // Prepare: the verifier has cached the old secret
    const { current: fresh, previous: old } = SECRETS[provider];
    expect((await invoke(signed(old))).status).toBe(202);
    const arn = (JSON.parse(process.env.PROVIDERS_CONFIG!) as Record<string, { secretArn: string }>)[provider]!.secretArn;

    // Act: rotate (AWSCURRENT → AWSPREVIOUS), then deliver with both secrets
    await secrets.rotate(arn, fresh);
    const withNew = await invoke(signed(fresh));
    const withOld = await invoke(signed(old));

    // Assess
    expect(withNew.status).toBe(202);
    expect(withNew.calls.filter((c) => c.startsWith('SecretsManager.'))).toEqual(['SecretsManager.GetSecretValue', 'SecretsManager.GetSecretValue']);
    expect(metricTotals(withNew.lines, provider)).toMatchObject({ SecretCurrentMatched: 1, Accepted: 1 });
    expect(withOld.status).toBe(202);
    expect(withOld.calls.filter((c) => c.startsWith('SecretsManager.'))).toEqual([]);
    expect(metricTotals(withOld.lines, provider)).toMatchObject({ SecretPreviousMatched: 1, Accepted: 1 });
    expect(metricTotals(withOld.lines, provider)).not.toHaveProperty('SecretCurrentMatched');
    expect(await drain(queues[provider])).toHaveLength(3);
  });

  it('rejects the old secret after the grace window (72 h) and counts PreviousSecretAfterGrace', async () => {
    // Prepare: the clock moves past the grace window (and the 5-minute cache)
    const { current: fresh, previous: old } = SECRETS[provider];
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 73 * HOUR_MS });
    try {
      // Act
      const withOld = await invoke(signed(old));
      const withNew = await invoke(signed(fresh));

      // Assess
      expect(withOld.status).toBe(401);
      expect(metricTotals(withOld.lines, provider)).toMatchObject({ PreviousSecretAfterGrace: 1, SignatureFailure: 1 });
      expect(withNew.status).toBe(202);
      expect(metricTotals(withNew.lines, provider)).toMatchObject({ SecretCurrentMatched: 1 });
      expect(await drain(queues[provider])).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe.skipIf(!HAS_MOTO)('claim check (S3 in moto)', () => {
  it('puts a body above the threshold in S3 and sends the pointer: claim, put, send, mark', async () => {
    // Prepare: ~300 KB, above the 240 KiB default threshold, below MAX_BODY_BYTES
    const request = sullyRequest({ filler: 'Patient reports vertigo. '.repeat(12_000) });
    expect(Buffer.byteLength(request.body)).toBeGreaterThan(262_144);

    // Act
    const answer = await invoke(request.event);

    // Assess
    expect(answer.status).toBe(202);
    expect(answer.calls).toEqual(['DynamoDB.PutItem', 'S3.PutObject', 'SQS.SendMessage', 'DynamoDB.UpdateItem']);
    const [message] = await drain(queues.sully);
    const envelope = JSON.parse(message!.Body!);
    const day = new Date().toISOString().slice(0, 10);
    const key = `sully/${day}/${sha256(request.dedupeKey)}`;
    expect(envelope).toMatchObject({ v: 1, dedupeKey: request.dedupeKey, bodySha256: sha256(request.body), claimCheck: { bucket: BUCKET, key } });
    expect(envelope).not.toHaveProperty('body');
    expect(envelope).not.toHaveProperty('bodyBase64');
    const object = await s3!.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(Buffer.from(await object.Body!.transformToByteArray()).toString('utf8')).toBe(request.body);
    expect((await ledgerItem('sully', request.dedupeKey))?.claimCheckKey?.S).toBe(key);
  });
});

describe('logs', () => {
  it('never contain a body, a signature or a secret, even at DEBUG with POWERTOOLS_LOGGER_LOG_EVENT=true', async () => {
    // Prepare: one more request whose marker is distinctive, then everything written during the suite
    const request = sullyRequest();
    await invoke(request.event);
    await drain(queues.sully);
    const lines = output.lines;

    // Assess: the suite produced logs at all, and none holds anything sensitive
    expect(logRecords(lines).filter((r) => r.message === 'webhook answered').length).toBeGreaterThan(15);
    expect(sensitive.length).toBeGreaterThan(20);
    const leaks = lines.flatMap((line) => sensitive.filter((secret) => line.includes(secret)).map((secret) => `${secret.slice(0, 12)}… in ${line.slice(0, 80)}`));
    expect(leaks).toEqual([]);
    if (process.env.SHOW_VERIFIER_LOGS) console.error(lines.filter((l) => !l.includes('_aws')).slice(0, 40).join('\n'));
  });

});
