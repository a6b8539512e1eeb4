/**
 * `ops replay` in-process against a deployed stack whose AWS calls are mocked (aws-sdk-client-mock): the
 * envelope it re-enqueues carries the signed timestamp stored in the ledger (`signedAt`, epoch ms) as the
 * sender spelled it (suki milliseconds, stripe seconds), as the verifier's own envelope does; an entry
 * without `signedAt` (claimed before it was stored, or an unsigned scheme) gets none. The end-to-end replay
 * against the local stack is test/local/oncall/replay.test.ts.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { eventKey } from '../../lambdas/contract/ledger-keys.ts';
import { parseEnvelope } from '../../lambdas/contract/envelope.ts';
import { pascalCase } from '../../lib/naming.ts';
import { replay } from '../../ops/commands/replay.ts';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const STACK = 'WebhookReceiver-test';
const TABLE = 'ledger-table';
const BUCKET = 'claim-checks';
const queueUrl = (provider: string) => `https://sqs.us-east-1.amazonaws.com/123456789012/${provider}`;

const cfn = mockClient(CloudFormationClient);
const ddb = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);
const mocks = [cfn, ddb, s3, sqs];

function stackWith(provider: string) {
  const suffix = pascalCase(provider);
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [{
      StackName: STACK, CreationTime: new Date(), StackStatus: 'UPDATE_COMPLETE',
      Outputs: [
        { OutputKey: 'LedgerTableName', OutputValue: TABLE },
        { OutputKey: 'ClaimCheckBucketName', OutputValue: BUCKET },
        { OutputKey: `QueueUrl${suffix}`, OutputValue: queueUrl(provider) },
        { OutputKey: `DeadLetterQueueUrl${suffix}`, OutputValue: `${queueUrl(provider)}-dlq` },
        { OutputKey: `SecretArn${suffix}`, OutputValue: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${provider}` },
      ],
    }],
  });
}

/** A processed, claim-checked ledger entry as the verifier and processor leave it. */
function entry(provider: string, dedupeKey: string, extra: Record<string, AttributeValue> = {}): Record<string, AttributeValue> {
  const key = eventKey(provider, dedupeKey);
  return {
    pk: { S: key.pk }, sk: { S: key.sk }, provider: { S: provider }, dedupeKey: { S: dedupeKey }, eventType: { S: 'success' },
    status: { S: 'processed' }, bodySha256: { S: 'a'.repeat(64) }, receivedAt: { S: '2026-03-20T10:00:00.500Z' },
    processedAt: { S: '2026-03-20T10:00:01.000Z' }, claimCheckKey: { S: `${provider}/2026-03-20/abc` }, attempts: { N: '1' },
    ...extra,
  };
}

async function run(provider: string, dedupeKey: string, json = false) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await replay.run(['--provider', provider, '--key', dedupeKey, '--stack', STACK, '--region', 'us-east-1', ...(json ? ['--json'] : [])], {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  const sent = sqs.commandCalls(SendMessageCommand);
  return { code, out, err, sent: sent.map((c) => c.args[0].input) };
}

beforeEach(() => {
  for (const mock of mocks) mock.reset();
  s3.on(HeadObjectCommand).resolves({});
  sqs.on(SendMessageCommand).resolves({ MessageId: 'replayed-1' });
});

afterAll(() => {
  for (const mock of mocks) mock.restore();
});

describe('ops replay re-enqueues the signed timestamp the ledger kept', () => {
  it('suki: its signedAt in milliseconds, as Suki signs it (the processor orders state by it)', async () => {
    // Prepare
    stackWith('suki');
    ddb.on(GetItemCommand).resolves({ Item: entry('suki', 'sess_1:success', { signedAt: { N: '1774000000123' } }) });

    // Act
    const result = await run('suki', 'sess_1:success');

    // Assess
    expect(result.err.filter((l) => !l.startsWith('follow it:'))).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.sent).toHaveLength(1);
    expect(result.sent[0]!.QueueUrl).toBe(queueUrl('suki'));
    const envelope = parseEnvelope(result.sent[0]!.MessageBody!);
    expect(envelope).toMatchObject({
      provider: 'suki', eventType: 'success', dedupeKey: 'sess_1:success', receivedAt: '2026-03-20T10:00:00.500Z',
      signedTimestamp: '1774000000123', claimCheck: { bucket: BUCKET, key: 'suki/2026-03-20/abc' },
    });
    const read = ddb.commandCalls(GetItemCommand)[0]!.args[0].input;
    expect(Object.values(read.ExpressionAttributeNames ?? {})).toContain('signedAt');
  });

  it('stripe: back to the unix seconds of its t=', async () => {
    stackWith('stripe');
    ddb.on(GetItemCommand).resolves({ Item: entry('stripe', 'evt_1', { eventType: { S: 'invoice.paid' }, signedAt: { N: '1767225600000' } }) });

    const result = await run('stripe', 'evt_1', true);

    expect(result.code).toBe(0);
    expect(parseEnvelope(result.sent[0]!.MessageBody!).signedTimestamp).toBe('1767225600');
    expect(JSON.parse(result.out.join('\n'))).toMatchObject({ provider: 'stripe', dedupeKey: 'evt_1', signedTimestamp: '1767225600', alreadyProcessed: true });
  });

  it('an entry without signedAt (claimed before it was stored): no signed timestamp, as before', async () => {
    stackWith('suki');
    ddb.on(GetItemCommand).resolves({ Item: entry('suki', 'sess_2:success') });

    const result = await run('suki', 'sess_2:success', true);

    expect(result.code).toBe(0);
    expect(parseEnvelope(result.sent[0]!.MessageBody!)).not.toHaveProperty('signedTimestamp');
    expect(JSON.parse(result.out.join('\n'))).toMatchObject({ signedTimestamp: null });
  });

  it('a provider that signs no timestamp: none, even if an entry had one', async () => {
    stackWith('github');
    ddb.on(GetItemCommand).resolves({ Item: entry('github', 'delivery-1', { eventType: { S: 'push' }, signedAt: { N: '1767225600000' } }) });

    const result = await run('github', 'delivery-1');

    expect(result.code).toBe(0);
    expect(parseEnvelope(result.sent[0]!.MessageBody!)).not.toHaveProperty('signedTimestamp');
  });
});
