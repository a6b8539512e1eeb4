/**
 * CLAIM_LEASE_SECONDS reaches the claims the verifier writes: the handler reads it once with the rest of
 * its configuration (lambdas/shared/runtime-config.ts) and passes it to the ledger, and a bad value stops
 * the handler from loading with the exact problem instead of claiming with a wrong lease.
 * aws-sdk-client-mock stands in for DynamoDB, SQS and Secrets Manager; the claim's PutItem is inspected.
 */
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EnvironmentError } from '../../lambdas/shared/runtime-config.ts';
import { setVerifierEnvironment } from './support/environment.ts';
import { apiEvent, lambdaContext } from './support/requests.ts';
import { SECRETS, signPairs } from './support/signers.ts';

const SULLY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sully-AbCdEf';
const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
const secretsManager = mockClient(SecretsManagerClient);

type Handler = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number }>;

/** Imports a fresh handler (configuration is read at load) with CLAIM_LEASE_SECONDS as given. */
async function loadHandler(leaseSeconds: string | undefined): Promise<Handler> {
  setVerifierEnvironment({
    endpoints: { dynamodb: 'http://127.0.0.1:9', sqs: 'http://127.0.0.1:9', secretsManager: 'http://127.0.0.1:9', s3: 'http://127.0.0.1:9' },
    providers: { sully: { secretArn: SULLY_ARN, queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/sully' } },
  });
  vi.stubEnv('CLAIM_LEASE_SECONDS', leaseSeconds);
  return ((await import('../../lambdas/verifier/handler.ts')) as unknown as { handler: Handler }).handler;
}

/** The lease the handler's claim asked for: leaseUntil minus receivedAt, in ms. */
async function leaseOfClaim(handler: Handler): Promise<number> {
  const body = JSON.stringify({ type: 'note_generation.succeeded', data: { id: `note_${randomUUID()}` } });
  const event = apiEvent({ provider: 'sully', headers: signPairs('x-sully-signature', SECRETS.sully.current, body, Math.floor(Date.now() / 1000)), body });
  const answer = await handler(event, lambdaContext());
  expect(answer.statusCode).toBe(202);
  const item = ddb.commandCalls(PutItemCommand)[0]!.args[0].input.Item!;
  return Number(item['leaseUntil']!.N) - Date.parse(item['receivedAt']!.S!);
}

beforeEach(() => {
  secretsManager
    .on(GetSecretValueCommand, { SecretId: SULLY_ARN, VersionStage: 'AWSCURRENT' })
    .resolves({ SecretString: SECRETS.sully.current, CreatedDate: new Date() })
    .on(GetSecretValueCommand, { SecretId: SULLY_ARN, VersionStage: 'AWSPREVIOUS' })
    .rejects(new ResourceNotFoundException({ message: 'no previous', $metadata: {} }));
  ddb.on(PutItemCommand).resolves({}).on(UpdateItemCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
});

afterEach(() => {
  for (const mock of [ddb, sqs, secretsManager]) mock.reset();
  vi.unstubAllEnvs();
  vi.resetModules();
});

afterAll(() => {
  for (const mock of [ddb, sqs, secretsManager]) mock.restore();
});

describe('the claim lease', () => {
  it('is 30 s by default', async () => {
    expect(await leaseOfClaim(await loadHandler(undefined))).toBe(30_000);
  });

  it('is CLAIM_LEASE_SECONDS when set', async () => {
    expect(await leaseOfClaim(await loadHandler('45'))).toBe(45_000);
  });

  it.each([
    ['0', 'environment variable CLAIM_LEASE_SECONDS must be between 1 and 900, got 0'],
    ['thirty', "environment variable CLAIM_LEASE_SECONDS must be a whole number, got 'thirty'"],
  ])('refuses %j when the handler loads', async (value, message) => {
    const error = await loadHandler(value).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe(EnvironmentError.name);
    expect((error as Error).message).toBe(message);
  });
});
