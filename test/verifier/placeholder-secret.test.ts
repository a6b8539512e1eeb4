/**
 * A provider nobody has set up yet, through the handler: its secret still holds the value the stack
 * generated (lib/secret-placeholder.ts). In the stack's form it verifies nothing: 401, and no Secrets
 * Manager call after the first request. In a form the provider cannot use (CloudFormation's default with
 * punctuation, which standard-webhooks cannot base64-decode) it stays 503, which pages, but the unusable
 * value is remembered like a usable one instead of being fetched again on every request. Secrets Manager
 * is aws-sdk-client-mock; no request reaches the ledger or a queue.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput, metricTotals, type Captured } from './support/output.ts';
import { apiEvent, lambdaContext } from './support/requests.ts';
import { SECRETS, signPairs, signStandardWebhooks } from './support/signers.ts';
import { setVerifierEnvironment } from './support/environment.ts';

const SW_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:standard-webhooks-AbCdEf';
const SULLY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sully-AbCdEf';
const GITHUB_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:github-AbCdEf';
/** The stack's placeholder forms: 48 letters and digits (whsec-base64); CloudFormation's default, punctuation included (raw). */
const SW_PLACEHOLDER = 'q8Lr2TzV0bWc5NxK7hYd3PmS9fGj4AaE1uCe6RtQ0iZo2WnX';
const RAW_PLACEHOLDER = 'Yq3$k!Lw9#pZ2^tR8&vN5*xB1(cM4)hJ';

const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
const secretsManager = mockClient(SecretsManagerClient);

let output: Captured;
let handler: (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; body: string }>;

const callsFor = (arn: string) => secretsManager.commandCalls(GetSecretValueCommand, { SecretId: arn }).length;

async function invoke(event: APIGatewayProxyEventV2, arn: string) {
  const before = callsFor(arn);
  output.mark();
  const answer = await handler(event, lambdaContext());
  return { status: answer.statusCode, body: JSON.parse(answer.body) as unknown, secretCalls: callsFor(arn) - before, lines: output.sinceMark() };
}

/** A delivery signed by the real sender with its own secret, which the placeholder does not match. */
function standardWebhooks() {
  const body = JSON.stringify({ type: 'patient.note.signed', data: { id: `n_${randomUUID()}` } });
  return apiEvent({ provider: 'standard-webhooks', headers: signStandardWebhooks(SECRETS['standard-webhooks'].current, body, Math.floor(Date.now() / 1000), `msg_${randomUUID()}`), body });
}

function sully() {
  const body = JSON.stringify({ type: 'note_generation.succeeded', data: { id: `note_${randomUUID()}` } });
  return apiEvent({ provider: 'sully', headers: signPairs('x-sully-signature', SECRETS.sully.current, body, Math.floor(Date.now() / 1000)), body });
}

function github() {
  const body = JSON.stringify({ action: 'opened', issue: { id: 1 } });
  return apiEvent({ provider: 'github', headers: { 'x-github-event': 'issues', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) }, body });
}

const notFound = () => new ResourceNotFoundException({ message: 'no such version', $metadata: {} });

beforeAll(async () => {
  setVerifierEnvironment({
    endpoints: { dynamodb: 'http://127.0.0.1:9', sqs: 'http://127.0.0.1:9', secretsManager: 'http://127.0.0.1:9', s3: 'http://127.0.0.1:9' },
    providers: {
      'standard-webhooks': { secretArn: SW_ARN, queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/sw' },
      sully: { secretArn: SULLY_ARN, queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/sully' },
      github: { secretArn: GITHUB_ARN, queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/github' },
    },
  });
  const created = new Date(Date.now() - 3_600_000);
  secretsManager
    .on(GetSecretValueCommand, { SecretId: SW_ARN, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: SW_PLACEHOLDER, CreatedDate: created })
    .on(GetSecretValueCommand, { SecretId: SULLY_ARN, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: RAW_PLACEHOLDER, CreatedDate: created })
    // github's secret holds a value its scheme cannot use: the empty string (also what a binary secret reads as)
    .on(GetSecretValueCommand, { SecretId: GITHUB_ARN, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: '', CreatedDate: created })
    .on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' }).rejects(notFound());
  output = captureOutput();
  ({ handler } = (await import('../../lambdas/verifier/handler.ts')) as unknown as { handler: typeof handler });
});

afterAll(() => {
  output?.stop();
  for (const mock of [ddb, sqs, secretsManager]) mock.restore();
});

describe('a provider still on the placeholder the stack generated', () => {
  it.each([
    ['standard-webhooks', SW_ARN, standardWebhooks],
    ['sully', SULLY_ARN, sully],
  ] as const)('%s answers 401, with no Secrets Manager call after the first request', async (provider, arn, request) => {
    // Act
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await invoke(request(), arn));

    // Assess
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401]);
    expect(answers[0]!.body).toEqual({ error: 'signature_mismatch' });
    expect(answers.map((a) => a.secretCalls)).toEqual([2, 0, 0, 0]);
    expect(metricTotals(answers[0]!.lines, provider)).toMatchObject({ SignatureFailure: 1 });
    expect(ddb.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });
});

describe('a secret value the provider cannot use', () => {
  it('stays 503 (an operator error that pages), without a Secrets Manager call per request', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await invoke(github(), GITHUB_ARN));

    expect(answers.map((a) => a.status)).toEqual([503, 503, 503]);
    expect(answers.map((a) => a.secretCalls)).toEqual([2, 0, 0]);
    for (const answer of answers) expect(answer.lines.some((l) => l.includes('"secret failed"') && l.includes('github current secret is empty'))).toBe(true);
  });
});
