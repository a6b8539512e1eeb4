/**
 * The handler's failure paths, with every AWS client mocked (aws-sdk-client-mock): whatever fails, the
 * answer is never a crash, never a 2xx before the message is durable (sent, or spooled to S3 when SendMessage
 * fails), and a failed enqueue whose spool write fails too gives the claim back.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, InternalServiceError, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureOutput, metricTotals, type Captured } from './support/output.ts';
import { apiEvent, lambdaContext } from './support/requests.ts';
import { SECRETS, signGithub, signPairs } from './support/signers.ts';
import { setVerifierEnvironment } from './support/environment.ts';

const SULLY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sully-AbCdEf';
const STRIPE_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-AbCdEf';
const GITHUB_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:github-AbCdEf';
/** Put into every mocked error message: AWS messages may echo request values, so none may be logged. */
const ECHOED = 'ECHOED-REQUEST-VALUE';

const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
const s3 = mockClient(S3Client);
const secretsManager = mockClient(SecretsManagerClient);

let output: Captured;
let handler: (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; body: string }>;

async function invoke(event: APIGatewayProxyEventV2) {
  output.mark();
  const answer = await handler(event, lambdaContext());
  const lines = output.sinceMark();
  return { status: answer.statusCode, body: JSON.parse(answer.body) as unknown, lines };
}

function sully(text = 'Ménière') {
  const body = JSON.stringify({ type: 'note_generation.succeeded', data: { id: `note_${randomUUID()}`, text } });
  return apiEvent({ provider: 'sully', headers: signPairs('x-sully-signature', SECRETS.sully.current, body, Math.floor(Date.now() / 1000)), body });
}

function stripe() {
  const body = JSON.stringify({ id: `evt_${randomUUID()}`, type: 'invoice.paid' });
  return apiEvent({ provider: 'stripe', headers: signPairs('stripe-signature', SECRETS.stripe.current, body, Math.floor(Date.now() / 1000)), body });
}

const awsError = <T extends Error>(ErrorType: new (options: { message: string; $metadata: object }) => T) =>
  new ErrorType({ message: `failure mentioning ${ECHOED}`, $metadata: { httpStatusCode: 400, requestId: 'req-1' } });

beforeAll(async () => {
  // Mocks answer every call; should one slip through, it must fail locally, never reach AWS.
  setVerifierEnvironment({
    endpoints: { dynamodb: 'http://127.0.0.1:9', sqs: 'http://127.0.0.1:9', secretsManager: 'http://127.0.0.1:9', s3: 'http://127.0.0.1:9' },
    providers: {
      sully: { secretArn: SULLY_ARN, queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/sully' },
      stripe: { secretArn: STRIPE_ARN, queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/stripe' },
      github: { secretArn: GITHUB_ARN, queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/github', allowedSourceCidrs: ['198.51.100.0/24', '2001:db8::/32'] },
    },
  });
  output = captureOutput();
  ({ handler } = (await import('../../lambdas/verifier/handler.ts')) as unknown as { handler: typeof handler });
});

afterAll(() => {
  output?.stop();
  for (const mock of [ddb, sqs, s3, secretsManager]) mock.restore();
});

beforeEach(() => {
  for (const mock of [ddb, sqs, s3, secretsManager]) mock.reset();
  secretsManager
    .on(GetSecretValueCommand, { SecretId: SULLY_ARN, VersionStage: 'AWSCURRENT' })
    .resolves({ SecretString: SECRETS.sully.current, CreatedDate: new Date() })
    .on(GetSecretValueCommand, { SecretId: SULLY_ARN, VersionStage: 'AWSPREVIOUS' })
    .rejects(awsError(ResourceNotFoundException));
  ddb.on(PutItemCommand).resolves({}).on(UpdateItemCommand).resolves({}).on(DeleteItemCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  s3.on(PutObjectCommand).resolves({});
});

describe("a provider's sender allowlist (allowedSourceCidrs, issue 12 item 8)", () => {
  const from = (sourceIp: string) => {
    const body = JSON.stringify({ action: 'opened', issue: { id: 1 } });
    const event = apiEvent({ provider: 'github', headers: signGithub(SECRETS.github.current, body, 'issues', randomUUID()), body });
    return { ...event, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, sourceIp } } };
  };

  it('refuses any other address 403 before fetching a secret or touching the ledger, and counts it', async () => {
    for (const address of ['192.0.2.1', '2001:db9::1', 'not-an-address', '']) {
      const answer = await invoke(from(address));
      expect(answer, address).toMatchObject({ status: 403, body: { error: 'source address not allowed' } });
      expect(metricTotals(answer.lines, 'github')).toMatchObject({ SourceNotAllowed: 1 });
    }
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('lets listed IPv4 and IPv6 addresses through to the signature check; other providers are not limited', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(awsError(InternalServiceError));
    for (const address of ['198.51.100.7', '2001:db8::42']) {
      expect((await invoke(from(address))).status, address).toBe(503);
    }
    expect(secretsManager.commandCalls(GetSecretValueCommand).length).toBeGreaterThan(0);
    expect((await invoke(stripe())).status).toBe(503);
  });
});

describe('enqueue failures', () => {
  it('SendMessage fails: the message is spooled to S3 as it would have been sent, the entry marked spooled, 202', async () => {
    sqs.on(SendMessageCommand).rejects(Object.assign(new Error(ECHOED), { name: 'ServiceUnavailable' }));

    const answer = await invoke(sully());

    expect(answer).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const send = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    const puts = s3.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    const put = puts[0]!.args[0].input;
    expect(put.Key).toMatch(/^spool\/sully\/\d{4}-\d\d-\d\dT[\d:.]+Z-[0-9a-f]{64}\.json$/);
    expect(JSON.parse(String(put.Body))).toEqual({ v: 1, queueUrl: send.QueueUrl, body: send.MessageBody, attributes: send.MessageAttributes });
    const claim = ddb.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(ddb.commandCalls(DeleteItemCommand)).toHaveLength(0);
    const mark = ddb.commandCalls(UpdateItemCommand);
    expect(mark).toHaveLength(1);
    expect(mark[0]!.args[0].input.ConditionExpression).toBe('claimToken = :token AND #status = :received');
    expect(mark[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({ ':token': claim.Item!.claimToken, ':spooled': { S: 'spooled' }, ':spoolKey': { S: put.Key } });
    expect(metricTotals(answer.lines, 'sully')).toMatchObject({ EnqueueFailure: 1, Spooled: 1, Accepted: 1 });
  });

  it('SendMessage fails and marking the entry spooled fails: 200 accepted (the spooled message is durable)', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('queue down'));
    ddb.on(UpdateItemCommand).rejects(awsError(ProvisionedThroughputExceededException));

    const answer = await invoke(sully());

    expect(answer).toMatchObject({ status: 200, body: { status: 'accepted' } });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(ddb.commandCalls(DeleteItemCommand)).toHaveLength(0);
  });

  it('SendMessage and the spool write fail: 503, EnqueueFailure, and the claim is released with its own token', async () => {
    // Prepare
    sqs.on(SendMessageCommand).rejects(Object.assign(new Error(ECHOED), { name: 'ServiceUnavailable' }));
    s3.on(PutObjectCommand).rejects(Object.assign(new Error(ECHOED), { name: 'ServiceUnavailable' }));

    // Act
    const answer = await invoke(sully());

    // Assess
    expect(answer).toMatchObject({ status: 503, body: { error: 'unavailable' } });
    const claim = ddb.commandCalls(PutItemCommand)[0]!.args[0].input;
    const release = ddb.commandCalls(DeleteItemCommand);
    expect(release).toHaveLength(1);
    expect(release[0]!.args[0].input.Key).toEqual({ pk: claim.Item!.pk, sk: claim.Item!.sk });
    expect(release[0]!.args[0].input.ExpressionAttributeValues![':token']).toEqual(claim.Item!.claimToken);
    expect(release[0]!.args[0].input.ConditionExpression).toBe('claimToken = :token AND #status = :received');
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(metricTotals(answer.lines, 'sully')).toMatchObject({ EnqueueFailure: 1 });
    expect(metricTotals(answer.lines, 'sully')).not.toHaveProperty('Accepted');
    expect(metricTotals(answer.lines, 'sully')).not.toHaveProperty('Spooled');
  });

  it('SendMessage, the spool write and the release all fail: still 503 (the lease expires on its own)', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('queue down'));
    s3.on(PutObjectCommand).rejects(new Error('s3 down'));
    ddb.on(DeleteItemCommand).rejects(awsError(ProvisionedThroughputExceededException));

    const answer = await invoke(sully());

    expect(answer.status).toBe(503);
    expect(answer.lines.some((l) => l.includes('releasing the claim failed'))).toBe(true);
  });

  it('the claim-check PutObject fails: 503, released, nothing sent', async () => {
    s3.on(PutObjectCommand).rejects(new Error('s3 down'));

    const answer = await invoke(sully('x'.repeat(250_000)));

    expect(answer.status).toBe(503);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(ddb.commandCalls(DeleteItemCommand)).toHaveLength(1);
  });

  it('SendMessage answers without a MessageId: spooled (202), or 503 when the spool fails too, never a bare 2xx', async () => {
    sqs.on(SendMessageCommand).resolves({});
    expect((await invoke(sully())).status).toBe(202);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);

    s3.on(PutObjectCommand).rejects(new Error('s3 down'));
    const answer = await invoke(sully());
    expect(answer.status).toBe(503);
    expect(ddb.commandCalls(DeleteItemCommand)).toHaveLength(1);
  });
});

describe('ledger failures', () => {
  it('the claim is throttled: enqueued without a claim, 202, LedgerBypass counted', async () => {
    ddb.on(PutItemCommand).rejects(awsError(ProvisionedThroughputExceededException));

    const answer = await invoke(sully());

    expect(answer).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const sent = sqs.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!.args[0].input.MessageBody!)).toMatchObject({ unclaimed: true });
    // No claim, so nothing to release or mark.
    expect(ddb.commandCalls(DeleteItemCommand)).toHaveLength(0);
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(metricTotals(answer.lines, 'sully')).toMatchObject({ LedgerBypass: 1, Accepted: 1 });
  });

  it('the claim is throttled and SendMessage fails: spooled unclaimed, 202', async () => {
    ddb.on(PutItemCommand).rejects(awsError(ProvisionedThroughputExceededException));
    sqs.on(SendMessageCommand).rejects(new Error('queue down'));

    const answer = await invoke(sully());

    expect(answer).toMatchObject({ status: 202, body: { status: 'accepted' } });
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(JSON.parse(JSON.parse(String(put.Body)).body)).toMatchObject({ unclaimed: true });
    expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(metricTotals(answer.lines, 'sully')).toMatchObject({ LedgerBypass: 1, Spooled: 1, Accepted: 1 });
  });

  it('the claim is throttled, SendMessage and the spool write fail: 503', async () => {
    ddb.on(PutItemCommand).rejects(awsError(ProvisionedThroughputExceededException));
    sqs.on(SendMessageCommand).rejects(new Error('queue down'));
    s3.on(PutObjectCommand).rejects(new Error('s3 down'));

    const answer = await invoke(sully());

    expect(answer).toMatchObject({ status: 503, body: { error: 'unavailable' } });
    expect(metricTotals(answer.lines, 'sully')).not.toHaveProperty('Accepted');
  });

  it('marking enqueued fails after the send: 200 accepted (the message is durable)', async () => {
    ddb.on(UpdateItemCommand).rejects(awsError(ProvisionedThroughputExceededException));

    const answer = await invoke(sully());

    expect(answer).toMatchObject({ status: 200, body: { status: 'accepted' } });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
    expect(ddb.commandCalls(DeleteItemCommand)).toHaveLength(0);
    expect(metricTotals(answer.lines, 'sully')).toMatchObject({ Accepted: 1 });
  });

  it('the condition fails with the item attached (DynamoDB): no extra read', async () => {
    ddb.on(PutItemCommand).rejects(
      new ConditionalCheckFailedException({ message: 'failed', $metadata: {}, Item: { status: { S: 'processed' }, bodySha256: { S: 'x' } } }),
    );

    const answer = await invoke(sully());

    expect(answer.status).toBe(200);
    expect(ddb.commandCalls(GetItemCommand)).toHaveLength(0);
  });

  it('the condition fails without the item (dynalite): exactly one consistent GetItem', async () => {
    ddb
      .on(PutItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }))
      .on(GetItemCommand)
      .resolves({ Item: { status: { S: 'received' } } });

    const answer = await invoke(sully());

    expect(answer.status).toBe(409);
    const reads = ddb.commandCalls(GetItemCommand);
    expect(reads).toHaveLength(1);
    expect(reads[0]!.args[0].input.ConsistentRead).toBe(true);
  });

  it('the fallback read fails: 409 (the entry exists, so its holder enqueues it; nothing is sent twice)', async () => {
    ddb
      .on(PutItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }))
      .on(GetItemCommand)
      .rejects(new Error('read failed'));
    expect((await invoke(sully())).status).toBe(409);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});

describe('secret failures', () => {
  it('Secrets Manager refuses: 503, and the ledger is not touched', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: STRIPE_ARN }).rejects(Object.assign(new Error(ECHOED), { name: 'AccessDeniedException' }));

    const answer = await invoke(stripe());

    expect(answer).toMatchObject({ status: 503, body: { error: 'unavailable' } });
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(0);
  });

  it('the secret has no value yet (no AWSCURRENT): 503 and a log line that says so', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: STRIPE_ARN }).rejects(awsError(ResourceNotFoundException));

    const answer = await invoke(stripe());

    expect(answer.status).toBe(503);
    expect(answer.lines.some((l) => l.includes('"secret failed"') && l.includes('stripe: the secret has no AWSCURRENT value'))).toBe(true);
  });

  it('an outage: every request answers 503 and asks again, so the first request after the recovery is accepted', async () => {
    // Prepare: Secrets Manager fails for stripe. No failure is cached on purpose: a cached failure turns
    // away requests after the recovery, which senders that never retry lose (npm run test:faults).
    const stripeCalls = () => secretsManager.commandCalls(GetSecretValueCommand, { SecretId: STRIPE_ARN }).length;
    secretsManager.on(GetSecretValueCommand, { SecretId: STRIPE_ARN }).rejects(awsError(InternalServiceError));

    // Act
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await invoke(stripe()));
    const callsDuring = stripeCalls();
    secretsManager
      .on(GetSecretValueCommand, { SecretId: STRIPE_ARN, VersionStage: 'AWSCURRENT' })
      .resolves({ SecretString: SECRETS.stripe.current, CreatedDate: new Date(Date.now() - 60_000) })
      .on(GetSecretValueCommand, { SecretId: STRIPE_ARN, VersionStage: 'AWSPREVIOUS' })
      .rejects(awsError(ResourceNotFoundException));
    const after = await invoke(stripe());

    // Assess: both stages asked on every request (the mock has no SDK retries), then accepted at once
    expect(during.map((a) => a.status)).toEqual(Array(5).fill(503));
    expect(callsDuring).toBe(10);
    expect(after.status).toBe(202);
  });
});

describe('error logs', () => {
  it('carry error names and request ids, never AWS error messages', () => {
    expect(output.lines.some((l) => l.includes('ProvisionedThroughputExceededException') && l.includes('req-1'))).toBe(true);
    expect(output.lines.filter((l) => l.includes(ECHOED))).toEqual([]);
  });
});

describe('a dependency that hangs until the Lambda timeout', () => {
  it('answers 503 (the sender retries), never a 500 from the timeout path, and never 2xx', async () => {
    // Prepare: SendMessage never answers; the invocation has 300 ms left.
    sqs.on(SendMessageCommand).callsFake(() => new Promise(() => undefined));
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 300 };

    // Act
    const answer = await handler(sully(), context);

    // Assess
    expect(answer.statusCode).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({ error: 'unavailable' });
  });
});
