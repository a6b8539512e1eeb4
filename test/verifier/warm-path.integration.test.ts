/**
 * The warm-path call budget of docs/architecture.md, counted on the handler's own SDK clients, with the
 * ledger in moto_server: unlike dynalite, moto returns the blocking item with a condition failure
 * (ReturnValuesOnConditionCheckFailure ALL_OLD) as DynamoDB does, so a duplicate costs exactly one call.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCalls, type CallLog } from './support/calls.ts';
import { captureOutput, metricTotals, type Captured } from './support/output.ts';
import { apiEvent, lambdaContext } from './support/requests.ts';
import { motoSecrets } from './support/secrets.ts';
import { SECRETS, signPairs } from './support/signers.ts';
import { adminClientConfig, createLedgerTable, motoOnPath, startMoto, startSqs, type StandIn } from '../support/stand-ins.ts';
import { setVerifierEnvironment } from './support/environment.ts';

const HAS_MOTO = motoOnPath();
if (!HAS_MOTO) console.warn('[test/verifier] moto_server is not on PATH: the warm-path call budget tests are SKIPPED.');

describe.skipIf(!HAS_MOTO)('warm-path AWS call budget (ledger in moto, queue in local-aws-sqs)', () => {
  let moto: StandIn;
  let sqsServer: StandIn;
  let sqs: SQSClient;
  let queueUrl: string;
  let output: Captured;
  let calls: CallLog;
  let handler: (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number }>;

  async function invoke(event: APIGatewayProxyEventV2) {
    output.mark();
    calls.take();
    const { statusCode } = await handler(event, lambdaContext());
    return { status: statusCode, calls: calls.take(), metrics: metricTotals(output.sinceMark(), 'sully') };
  }

  function sully(noteId = `note_${randomUUID()}`, text = 'Ménière', secret: string = SECRETS.sully.current) {
    const body = JSON.stringify({ type: 'note_generation.succeeded', data: { id: noteId, text } });
    const headers = signPairs('x-sully-signature', secret, body, Math.floor(Date.now() / 1000));
    return apiEvent({ provider: 'sully', headers, body });
  }

  async function drain(): Promise<number> {
    let count = 0;
    for (;;) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
      if (!out.Messages?.length) return count;
      for (const m of out.Messages) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
      count += out.Messages.length;
    }
  }

  beforeAll(async () => {
    [moto, sqsServer] = await Promise.all([startMoto(), startSqs()]);
    await createLedgerTable(new DynamoDBClient(adminClientConfig(moto.endpoint)), 'ledger');
    await new S3Client(adminClientConfig(moto.endpoint)).send(new CreateBucketCommand({ Bucket: 'claim-checks' }));
    sqs = new SQSClient(adminClientConfig(sqsServer.endpoint));
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'sully-events' }))).QueueUrl!;
    const secretArn = await motoSecrets(moto.endpoint).create('sully', SECRETS.sully.current);
    setVerifierEnvironment({
      endpoints: { dynamodb: moto.endpoint, sqs: sqsServer.endpoint, secretsManager: moto.endpoint, s3: moto.endpoint },
      providers: { sully: { secretArn, queueUrl } },
    });
    output = captureOutput();
    ({ handler } = (await import('../../lambdas/verifier/handler.ts')) as unknown as { handler: typeof handler });
    const clients = await import('../../lambdas/shared/aws-clients.ts');
    const claimChecks = await import('../../lambdas/shared/s3-client.ts');
    calls = countCalls({ dynamodb: clients.dynamodb, sqs: clients.sqs, secretsManager: clients.secretsManager, s3: claimChecks.s3 });
  });

  afterAll(async () => {
    output?.stop();
    await Promise.all([moto?.stop(), sqsServer?.stop()]);
  });

  it('cold: reads both version stages of the secret once, then claim, send, mark', async () => {
    const answer = await invoke(sully());
    expect(answer.status).toBe(202);
    expect([...answer.calls].sort()).toEqual(
      ['DynamoDB.PutItem', 'DynamoDB.UpdateItem', 'SQS.SendMessage', 'SecretsManager.GetSecretValue', 'SecretsManager.GetSecretValue'].sort(),
    );
    expect(await drain()).toBe(1);
  });

  it('new event: exactly 3 calls (claim, send, mark) and no Secrets Manager call', async () => {
    const answer = await invoke(sully());
    expect(answer.status).toBe(202);
    expect(answer.calls).toEqual(['DynamoDB.PutItem', 'SQS.SendMessage', 'DynamoDB.UpdateItem']);
    expect(await drain()).toBe(1);
  });

  it('duplicate: exactly 1 call, the claim (the blocking item comes back with the condition failure)', async () => {
    const event = sully();
    expect((await invoke(event)).status).toBe(202);
    expect(await drain()).toBe(1);

    const again = await invoke(event);

    expect(again.status).toBe(200);
    expect(again.calls).toEqual(['DynamoDB.PutItem']);
    expect(again.metrics).toMatchObject({ Duplicate: 1 });
    expect(await drain()).toBe(0);
  });

  it('conflict: the claim plus one update counting it, and DedupeConflict', async () => {
    const noteId = `note_${randomUUID()}`;
    expect((await invoke(sully(noteId, 'first body'))).status).toBe(202);
    expect(await drain()).toBe(1);

    const conflicting = await invoke(sully(noteId, 'second body'));

    expect(conflicting.status).toBe(200);
    expect(conflicting.calls).toEqual(['DynamoDB.PutItem', 'DynamoDB.UpdateItem']);
    expect(conflicting.metrics).toMatchObject({ DedupeConflict: 1, Duplicate: 1 });
  });

  it('claim check: claim, PutObject, send, mark (4 calls)', async () => {
    const answer = await invoke(sully(undefined, 'x'.repeat(250_000)));
    expect(answer.status).toBe(202);
    expect(answer.calls).toEqual(['DynamoDB.PutItem', 'S3.PutObject', 'SQS.SendMessage', 'DynamoDB.UpdateItem']);
    expect(await drain()).toBe(1);
  });

  it('bad signatures refresh the secret early at most once per 30 s, and make no other call', async () => {
    const first = await invoke(sully(undefined, 'x', 'whsec_wrong'));
    const second = await invoke(sully(undefined, 'x', 'whsec_wrong'));

    expect([first.status, second.status]).toEqual([401, 401]);
    expect(first.calls).toEqual(['SecretsManager.GetSecretValue', 'SecretsManager.GetSecretValue']);
    expect(second.calls).toEqual([]);
  });
});
