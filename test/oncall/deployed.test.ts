/**
 * The commands' deployed path (no --local: the stack found by name through CloudFormation, standard AWS
 * credentials and region) against moto_server standing in for AWS (AWS_ENDPOINT_URL): a stack whose outputs
 * name a ledger table, queue, DLQ, bucket and secret created in moto. moto has no StartMessageMoveTask, so
 * `dlq redrive` falls back to receive-send-delete here; its CloudWatch answers the metric queries of
 * `secret status` and `secret retire`. Skipped with a visible warning where moto_server is not installed.
 */
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createLedgerTable } from '../../tools/stand-ins/ledger-table.ts';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventKey } from '../../lambdas/contract/ledger-keys.ts';
import { generateSecret } from '../../ops/local-target.ts';
import { startMoto, type MotoServer } from '../processor/support/moto.ts';
import { HAS_MOTO, ops, Sensitive, type Run } from './support.ts';

const STACK = 'WebhookReceiver-oncall';
const PROVIDER = 'sully';
const REGION = 'us-east-1';
const sensitive = new Sensitive();

if (!HAS_MOTO) console.warn('[test/oncall] moto_server is not on PATH: the deployed-stack tests are SKIPPED (pip install "moto[server]").');

describe.skipIf(!HAS_MOTO)('the deployed path (stack outputs from CloudFormation; AWS is moto_server)', () => {
  let moto: MotoServer;
  let env: Record<string, string | undefined>;
  let queueUrl: string;
  let dlqUrl: string;
  let secretArn: string;
  let sqs: SQSClient;
  let sm: SecretsManagerClient;
  const tmp = mkdtempSync(join(tmpdir(), 'oncall-deployed-'));
  const outputs: string[] = [];
  const run = async (args: string[]): Promise<Run> => {
    const result = await ops(args, { env });
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const valueFile = (value: string) => {
    const path = join(tmp, `value-${Math.random().toString(36).slice(2)}`);
    writeFileSync(path, `${value}\n`, { mode: 0o600 });
    return path;
  };

  beforeAll(async () => {
    moto = (await startMoto())!;
    const config = { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    sqs = new SQSClient(config);
    sm = new SecretsManagerClient(config);
    const dynamo = new DynamoDBClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const cfn = new CloudFormationClient(config);
    dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'webhooks-sully-dlq' }))).QueueUrl!;
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    queueUrl = (await sqs.send(new CreateQueueCommand({
      QueueName: 'webhooks-sully',
      Attributes: { VisibilityTimeout: '30', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }) },
    }))).QueueUrl!;
    // As deployed: with the time index `ops events` queries (tools/stand-ins/ledger-table.ts).
    await createLedgerTable(dynamo, 'ledger');
    await s3.send(new CreateBucketCommand({ Bucket: 'claim-checks' }));
    secretArn = (await sm.send(new CreateSecretCommand({ Name: 'webhooks/sully', SecretString: sensitive.add(generateSecret()) }))).ARN!;
    // What lib/webhook-receiver-stack.ts outputs, pointing at the resources above.
    await cfn.send(new CreateStackCommand({
      StackName: STACK,
      TemplateBody: JSON.stringify({
        Resources: { Placeholder: { Type: 'AWS::SQS::Queue', Properties: {} } },
        Outputs: {
          LedgerTableName: { Value: 'ledger' },
          ClaimCheckBucketName: { Value: 'claim-checks' },
          QueueUrlSully: { Value: queueUrl },
          DeadLetterQueueUrlSully: { Value: dlqUrl },
          SecretArnSully: { Value: secretArn },
        },
      }),
    }));
    // Two dead letters, one with a ledger entry, both with a PHI marker in the body.
    for (const key of ['note_generation.succeeded:note_a', 'note_generation.succeeded:note_b']) {
      await sqs.send(new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: JSON.stringify({ v: 1, provider: PROVIDER, eventType: 'note_generation.succeeded', dedupeKey: key, receivedAt: new Date().toISOString(), bodySha256: '0'.repeat(64), body: JSON.stringify({ note: sensitive.marker() }) }),
        MessageAttributes: {
          provider: { DataType: 'String', StringValue: PROVIDER },
          eventType: { DataType: 'String', StringValue: 'note_generation.succeeded' },
          dedupeKey: { DataType: 'String', StringValue: key },
        },
      }));
    }
    const { pk, sk } = eventKey(PROVIDER, 'note_generation.succeeded:note_a');
    await dynamo.send(new PutItemCommand({
      TableName: 'ledger',
      Item: {
        pk: { S: pk }, sk: { S: sk }, provider: { S: PROVIDER }, dedupeKey: { S: sk }, eventType: { S: 'note_generation.succeeded' },
        status: { S: 'failed' }, attempts: { N: '5' }, lastError: { S: 'ProcessingError: body is not valid JSON' }, receivedAt: { S: new Date().toISOString() },
      },
    }));
    for (const client of [dynamo, s3, cfn]) client.destroy();
    env = {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: join(tmp, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  }, 60_000);

  afterAll(async () => {
    sqs?.destroy();
    sm?.destroy();
    await moto?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('ops events finds the table through the stack outputs', async () => {
    const listed = await run(['events', '--provider', PROVIDER, '--stack', STACK, '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ dedupeKey: 'note_generation.succeeded:note_a', status: 'failed', attempts: 5 }]);
    // The filters, on the index of the deployed table.
    const failed = await run(['events', '--provider', PROVIDER, '--stack', STACK, '--status', 'failed', '--since', '1h', '--type', 'note_generation.succeeded', '--json']);
    expect(JSON.parse(failed.stdout)).toHaveLength(1);
    const none = await run(['events', '--provider', PROVIDER, '--stack', STACK, '--status', 'processed', '--json']);
    expect(JSON.parse(none.stdout)).toEqual([]);
  });

  it('ops status reads the deployed stack: DLQ depth, secret versions, alarms; no body, no secret', async () => {
    const result = await run(['status', '--stack', STACK, '--json']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as { where: string; stackAlarms: string[] | null; providers: Record<string, any>[] };
    expect(status.where).toBe(`stack ${STACK}`);
    // Only sully is enabled by the stack's outputs.
    expect(status.providers.map((p) => p.provider)).toEqual([PROVIDER]);
    expect(status.providers[0]).toMatchObject({ provider: PROVIDER, dlq: { depth: 2 }, secret: { versions: 1 } });
    expect(status.stackAlarms).toEqual([]);
  });

  it('dlq list reads the DLQ of the deployed stack without consuming it, with the ledger entries', async () => {
    const listed = await run(['dlq', 'list', '--provider', PROVIDER, '--stack', STACK, '--json']);

    expect(listed.code).toBe(0);
    const data = JSON.parse(listed.stdout) as { where: string; approximateCount: number; messages: { dedupeKey: string; ledger: unknown }[] };
    expect(data.where).toBe(`stack ${STACK}`);
    expect(data.approximateCount).toBe(2);
    const byKey = Object.fromEntries(data.messages.map((m) => [m.dedupeKey, m.ledger]));
    expect(byKey).toEqual({
      'note_generation.succeeded:note_a': expect.objectContaining({ status: 'failed', attempts: 5, lastError: 'ProcessingError: body is not valid JSON' }),
      'note_generation.succeeded:note_b': null,
    });
    const table = await run(['dlq', 'list', '--provider', PROVIDER, '--stack', STACK]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('no entry');
    expect(table.stderr).toContain(`2 messages in the dead-letter queue of sully (stack ${STACK}, approximate)`);
  });

  it('dlq redrive falls back to receive-send-delete where SQS has no move task, and loses nothing', async () => {
    // No processor here: a short watch, which sees neither event processed nor back in the DLQ.
    const redriven = await run(['dlq', 'redrive', '--provider', PROVIDER, '--stack', STACK, '--json', '--wait', '1']);

    expect(redriven.code).toBe(0);
    const result = JSON.parse(redriven.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ method: 'receive-send-delete', moved: 2, failed: 0, remaining: 0, watch: { tracked: 2, back: [], processed: 0, pending: 2 } });
    expect(result['fallbackReason']).toMatch(/^StartMessageMoveTask is not available here/);
    expect(redriven.stderr).toContain('moving the messages one by one');
    const moved = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }))).Messages ?? [];
    expect(moved.map((m) => m.MessageAttributes?.['dedupeKey']?.StringValue).sort()).toEqual(['note_generation.succeeded:note_a', 'note_generation.succeeded:note_b']);
    for (const m of moved) expect(JSON.parse(m.Body!)).toMatchObject({ v: 1, provider: PROVIDER, dedupeKey: m.MessageAttributes?.['dedupeKey']?.StringValue });
  });

  it('secret status reads the versions, the grace window and CloudWatch metrics', async () => {
    const status = await run(['secret', 'status', '--provider', PROVIDER, '--stack', STACK, '--json']);

    expect(status.code).toBe(0);
    const data = JSON.parse(status.stdout);
    expect(data.secretArn).toBe(secretArn);
    expect(data.versions.map((v: { stages: string[] }) => v.stages)).toEqual([['AWSCURRENT']]);
    expect(data.grace).toMatchObject({ hours: 72, previousAccepted: false });
    expect(data.grace.source).toMatch(/^cdk\.json rotationGraceHours; the deployed template has no ROTATION_GRACE_HOURS/);
    expect(data.recent).toMatchObject({ hours: 24, current: 0, previous: 0, source: 'CloudWatch metrics' });
  });

  it('secret rotate (--value-file), then retire: refused inside the rotation\'s first 5 minutes, counting previous-version matches from CloudWatch; done with --force', async () => {
    const rotated = await run(['secret', 'rotate', '--provider', PROVIDER, '--stack', STACK, '--value-file', valueFile(sensitive.add(generateSecret()))]);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(new RegExp(`^rotated the signing secret of sully \\(stack ${STACK}\\): new AWSCURRENT version \\S+; the old secret \\(version \\S+\\) is AWSPREVIOUS and accepted until `));
    expect(rotated.stderr).not.toContain('updated'); // no local secrets file for a deployed stack
    const oldVersion = /the old secret \(version (\S+)\)/.exec(rotated.stdout)![1]!;

    const cloudwatch = new CloudWatchClient({ endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await cloudwatch.send(new PutMetricDataCommand({
      Namespace: 'WebhookReceiver',
      // What the verifier publishes per passing signature (lambdas/shared/observability.ts countSecretVersionMatch).
      MetricData: [{ MetricName: 'SecretVersionMatched', Dimensions: [{ Name: 'provider', Value: PROVIDER }, { Name: 'secretVersionId', Value: oldVersion }], Value: 2, Unit: 'Count', Timestamp: new Date() }],
    }));
    cloudwatch.destroy();
    const refused = await run(['secret', 'retire', '--provider', PROVIDER, '--stack', STACK]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^ops secret retire: refused: the rotation \(\S+ \S+\) is less than 5 minutes old: /);
    expect(refused.stderr).toContain(`; 2 request(s) since the rotation matched the previous version ${oldVersion} (CloudWatch metrics). It is safe to retire from `);

    const retired = await run(['secret', 'retire', '--provider', PROVIDER, '--stack', STACK, '--force']);
    expect(retired.code).toBe(0);
    await expect(sm.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: 'AWSPREVIOUS' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('secret set stores the only accepted secret', async () => {
    const value = sensitive.add(generateSecret());
    const set = await run(['secret', 'set', '--provider', PROVIDER, '--stack', STACK, '--value-file', valueFile(value)]);
    expect(set.code).toBe(0);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: 'AWSCURRENT' }))).SecretString).toBe(value);
    await expect(sm.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: 'AWSPREVIOUS' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('clear errors: no such stack, a provider the stack does not enable, no such dedupe key (exit 1)', async () => {
    const noStack = await run(['dlq', 'list', '--provider', PROVIDER, '--stack', 'NoSuchStack']);
    expect(noStack).toMatchObject({ code: 1, stdout: '', stderr: `ops dlq list: stack NoSuchStack was not found in ${REGION} (check --stack and --region)\n` });

    const notEnabled = await run(['secret', 'status', '--provider', 'stripe', '--stack', STACK]);
    expect(notEnabled).toMatchObject({ code: 1, stderr: `ops secret status: provider stripe is not enabled in stack ${STACK} (it has no QueueUrlStripe output)\n` });

    const noKey = await run(['replay', '--provider', PROVIDER, '--key', 'nope', '--stack', STACK]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/^ops replay: no ledger entry for sully with dedupe key 'nope' in stack WebhookReceiver-oncall/);
  });

  it('never printed a body or a secret', () => {
    expect(sensitive.foundIn(outputs.join('\n'))).toEqual([]);
  });
});
