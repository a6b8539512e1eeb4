/**
 * `ops replay` on the deployed path (the stack found through CloudFormation, standard credentials) against
 * moto_server: the ledger's time index finds the window's entries, each is rebuilt from its line of an archive
 * object in S3 and sent to the provider's queue with the replay marker; an entry whose archive object expired
 * is reported not found; nothing printed holds a body. Skipped with a visible warning without moto_server.
 */
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvelope, type Envelope } from '../../lambdas/contract/envelope.ts';
import { eventKey } from '../../lambdas/contract/ledger-keys.ts';
import { archiveRecordOf } from '../../lambdas/processor/archive.ts';
import { createLedgerTable } from '../../tools/stand-ins/ledger-table.ts';
import { startMoto, type MotoServer } from '../processor/support/moto.ts';
import { HAS_MOTO, ops, Sensitive, type Run } from './support.ts';

const STACK = 'WebhookReceiver-archive';
const PROVIDER = 'sully';
const REGION = 'us-east-1';
const ARCHIVE_KEY = 'archive/sully/2026/12/07/16/20261207T160000000Z-b.jsonl';
const sensitive = new Sensitive();

if (!HAS_MOTO) console.warn('[test/oncall] moto_server is not on PATH: the deployed-path replay tests are SKIPPED (pip install "moto[server]").');

describe.skipIf(!HAS_MOTO)('ops replay on the deployed path (moto_server)', () => {
  let moto: MotoServer;
  let sqs: SQSClient;
  let queueUrl: string;
  let env: Record<string, string | undefined>;
  const tmp = mkdtempSync(join(tmpdir(), 'oncall-archive-'));
  const outputs: string[] = [];
  const received = new Date(Date.now() - 10 * 60_000).toISOString();
  const envelopes: Envelope[] = ['a', 'b'].map((id) => ({
    v: 1, provider: PROVIDER, eventType: 'note_generation.succeeded', dedupeKey: `note_generation.succeeded:note_${id}`,
    receivedAt: received, signedTimestamp: '1765123200', bodySha256: 'a'.repeat(64), body: JSON.stringify({ note: sensitive.marker() }),
  }));
  const run = async (args: string[]): Promise<Run> => {
    const result = await ops(['replay', '--provider', PROVIDER, ...args, '--stack', STACK], { env });
    outputs.push(result.stdout, result.stderr);
    return result;
  };

  beforeAll(async () => {
    moto = (await startMoto())!;
    const config = { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    sqs = new SQSClient(config);
    const dynamo = new DynamoDBClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const cfn = new CloudFormationClient(config);
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'archive-sully' }))).QueueUrl!;
    await createLedgerTable(dynamo, 'ledger');
    await s3.send(new CreateBucketCommand({ Bucket: 'claim-checks' }));
    await s3.send(new PutObjectCommand({ Bucket: 'claim-checks', Key: ARCHIVE_KEY, Body: `${envelopes.map((e) => JSON.stringify(archiveRecordOf(e))).join('\n')}\n` }));
    await cfn.send(new CreateStackCommand({
      StackName: STACK,
      TemplateBody: JSON.stringify({
        Resources: { Placeholder: { Type: 'AWS::SQS::Queue', Properties: {} } },
        Outputs: {
          LedgerTableName: { Value: 'ledger' }, ClaimCheckBucketName: { Value: 'claim-checks' }, QueueUrlSully: { Value: queueUrl },
          DeadLetterQueueUrlSully: { Value: `${queueUrl}-dlq` }, SecretArnSully: { Value: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sully' },
        },
      }),
    }));
    // Both processed and archived; a third whose archive object has expired.
    const entries = [...envelopes.map((e, line) => ({ e, archiveKey: ARCHIVE_KEY, line })), { e: { ...envelopes[0]!, dedupeKey: 'note_generation.succeeded:note_old' }, archiveKey: 'archive/sully/2026/01/01/00/gone.jsonl', line: 0 }];
    for (const { e, archiveKey, line } of entries) {
      const { pk, sk } = eventKey(PROVIDER, e.dedupeKey);
      await dynamo.send(new PutItemCommand({
        TableName: 'ledger',
        Item: {
          pk: { S: pk }, sk: { S: sk }, provider: { S: PROVIDER }, dedupeKey: { S: sk }, eventType: { S: e.eventType }, status: { S: 'processed' },
          receivedAt: { S: e.receivedAt }, bodySha256: { S: e.bodySha256 }, archiveKey: { S: archiveKey }, archiveLine: { N: String(line) },
        },
      }));
    }
    for (const client of [dynamo, s3, cfn]) client.destroy();
    env = {
      AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined, AWS_CONFIG_FILE: join(tmp, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'no-credentials'), AWS_EC2_METADATA_DISABLED: 'true',
    };
  }, 60_000);

  afterAll(async () => {
    sqs?.destroy();
    await moto?.stop();
  });

  it('--since 1h sends each archived event with the run\'s marker; an expired archive object is not found', async () => {
    const result = await run(['--since', '1h']);

    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toMatch(/^replay run r\S+ \(stack WebhookReceiver-archive\): 3 matched; replayed 2, skipped 0, not found 1, failed 0$/);
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
    const sent = (out.Messages ?? []).map((m) => parseEnvelope(m.Body!)).sort((a, b) => a.dedupeKey.localeCompare(b.dedupeKey));
    expect(sent).toEqual(envelopes.map((e) => ({ ...e, replay: { runId: sent[0]!.replay!.runId, at: expect.any(String) } })));
    expect(result.stdout).toContain("'note_generation.succeeded:note_old' (archive object expired (kept ledgerRetentionDays))");
  });

  it('--key of an expired archive object: exit 1, not found', async () => {
    const result = await run(['--key', 'note_generation.succeeded:note_old']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("ops replay: sully event 'note_generation.succeeded:note_old' cannot be replayed: archive object expired (kept ledgerRetentionDays)\n");
  });

  it('never printed a body', () => {
    expect(sensitive.foundIn(outputs.join('\n'))).toEqual([]);
  });
});
