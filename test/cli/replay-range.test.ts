/**
 * `ops replay` by time range and from the archive, in-process against a deployed stack whose AWS calls are
 * mocked (aws-sdk-client-mock); plus its pure parts: time arguments, filters, run ids. The end-to-end run on
 * the local stack is test/local/oncall/archive-replay.test.ts.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { BatchGetItemCommand, DynamoDBClient, GetItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parseEnvelope } from '../../lambdas/contract/envelope.ts';
import { eventKey } from '../../lambdas/contract/ledger-keys.ts';
import { archiveRecordOf } from '../../lambdas/processor/archive.ts';
import { replay } from '../../ops/commands/replay.ts';
import { newReplayRun } from '../../ops/replay/replayer.ts';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

describe('run ids', () => {
  const now = new Date('2026-12-07T16:00:00.000Z');

  it('are unique per run and fit the envelope\'s check', () => {
    const run = newReplayRun(now, () => Buffer.from([0xab, 0xcd, 0xef]));
    expect(run).toEqual({ runId: 'r20261207T160000Z-abcdef', at: '2026-12-07T16:00:00.000Z' });
    expect(newReplayRun(now).runId).not.toBe(newReplayRun(now).runId);
  });
});

const STACK = 'WebhookReceiver-test';
const TABLE = 'ledger-table';
const BUCKET = 'claim-checks';
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/stripe';
const BODY_MARKER = 'Zq9RANGE';
const cfn = mockClient(CloudFormationClient);
const ddb = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);
const mocks = [cfn, ddb, s3, sqs];

const ARCHIVE_KEY = 'archive/stripe/2026/12/07/15/20261207T153000000Z-b.jsonl';
const envelopes = ['evt_1', 'evt_2', 'evt_3'].map((id, i) => ({
  v: 1 as const, provider: 'stripe', eventType: i === 2 ? 'invoice.created' : 'invoice.paid', dedupeKey: id,
  receivedAt: `2026-12-07T15:3${i}:00.000Z`, signedTimestamp: '1765121400', bodySha256: 'a'.repeat(64),
  body: JSON.stringify({ id, note: BODY_MARKER }),
}));

function item(i: number, extra: Record<string, AttributeValue> = {}): Record<string, AttributeValue> {
  const e = envelopes[i]!;
  const key = eventKey('stripe', e.dedupeKey);
  return {
    pk: { S: key.pk }, sk: { S: key.sk }, dedupeKey: { S: e.dedupeKey }, eventType: { S: e.eventType }, status: { S: 'processed' },
    receivedAt: { S: e.receivedAt }, bodySha256: { S: e.bodySha256 }, archiveKey: { S: ARCHIVE_KEY }, archiveLine: { N: String(i) }, ...extra,
  };
}

function stack(items: Record<string, AttributeValue>[], archive: string | undefined) {
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [{
      StackName: STACK, CreationTime: new Date(), StackStatus: 'UPDATE_COMPLETE',
      Outputs: [
        { OutputKey: 'LedgerTableName', OutputValue: TABLE },
        { OutputKey: 'ClaimCheckBucketName', OutputValue: BUCKET },
        { OutputKey: 'QueueUrlStripe', OutputValue: QUEUE },
        { OutputKey: 'DeadLetterQueueUrlStripe', OutputValue: `${QUEUE}-dlq` },
        { OutputKey: 'SecretArnStripe', OutputValue: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe' },
      ],
    }],
  });
  // The time index (ops/event-search.ts): per shard, receivedAt in [since, until], the type as a filter.
  ddb.on(QueryCommand).callsFake((input: { IndexName?: string; ExpressionAttributeValues: Record<string, { S: string }> }) => {
    expect(input.IndexName).toBe('byReceivedAt');
    const v = input.ExpressionAttributeValues;
    return {
      Items: items.filter((i) => i['pk']!.S === v[':pk']!.S && (!v[':since'] || i['receivedAt']!.S! >= v[':since'].S) &&
        (!v[':until'] || i['receivedAt']!.S! <= v[':until'].S) && (!v[':type'] || i['eventType']!.S === v[':type'].S))
        .map((i) => ({ pk: i['pk']!, sk: i['sk']!, receivedAt: i['receivedAt']!, eventType: i['eventType']! })),
    };
  });
  ddb.on(BatchGetItemCommand).callsFake((input: { RequestItems: Record<string, { Keys: Record<string, { S: string }>[] }> }) => ({
    Responses: { [TABLE]: input.RequestItems[TABLE]!.Keys.map((k) => items.find((i) => i['sk']!.S === k['sk']!.S)).filter(Boolean) },
  }));
  ddb.on(GetItemCommand).callsFake((input: { Key: { sk: { S: string } } }) => ({ Item: items.find((i) => i['sk']!.S === input.Key.sk.S) }));
  if (archive === undefined) s3.on(GetObjectCommand).rejects(Object.assign(new Error('gone'), { name: 'NoSuchKey' }));
  else s3.on(GetObjectCommand).callsFake(() => ({ Body: { transformToString: async () => archive } }));
}

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await replay.run(['--provider', 'stripe', '--stack', STACK, '--region', 'us-east-1', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err, sent: sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input) };
}

const archive = `${envelopes.map((e) => JSON.stringify(archiveRecordOf(e))).join('\n')}\n`;

beforeEach(() => {
  for (const mock of mocks) mock.reset();
  s3.on(HeadObjectCommand).resolves({});
  let n = 0;
  sqs.on(SendMessageCommand).callsFake(() => ({ MessageId: `m-${++n}` }));
});

afterAll(() => {
  for (const mock of mocks) mock.restore();
});

describe('ops replay --since (deployed stack, AWS mocked)', () => {
  it('sends each matching event from its archive line with one run\'s replay marker; summary on stdout', async () => {
    stack([item(0), item(1), item(2)], archive);

    const result = await run(['--since', '2026-12-07T15:00:00Z', '--until', '2026-12-07T16:00:00Z']);

    expect(result.code).toBe(0);
    expect(result.sent).toHaveLength(3);
    const sent = result.sent.map((s) => parseEnvelope(s.MessageBody!));
    const runId = sent[0]!.replay!.runId;
    expect(runId).toMatch(/^r\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    for (const [i, envelope] of sent.entries()) {
      expect(envelope).toEqual({ ...envelopes[i], replay: { runId, at: expect.any(String) } });
      expect(result.sent[i]!.QueueUrl).toBe(QUEUE);
      expect(result.sent[i]!.MessageAttributes).toMatchObject({ dedupeKey: { DataType: 'String', StringValue: envelopes[i]!.dedupeKey } });
    }
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1); // one read per archive object
    expect(result.out.at(-1)).toBe(`replay run ${runId} (stack ${STACK}): 3 matched; replayed 3, skipped 0, not found 0, failed 0`);
    expect(result.out[0]).toMatch(/^replayed +processed invoice\.paid 2026-12-07T15:30:00\.000Z 'evt_1' \(from the archive, message m-1\)$/);
    expect([...result.out, ...result.err].join('\n')).not.toContain(BODY_MARKER);
  });

  it('--type, --status, --max and --dry-run; in-flight entries are skipped', async () => {
    stack([item(0), item(1, { status: { S: 'failed' } }), item(2), { ...item(0), sk: { S: 'evt_4' }, dedupeKey: { S: 'evt_4' }, pk: { S: eventKey('stripe', 'evt_4').pk }, status: { S: 'enqueued' } }], archive);

    const byType = await run(['--since', '1000d', '--type', 'invoice.created', '--dry-run']);
    expect(byType.code).toBe(0);
    expect(byType.sent).toHaveLength(0);
    expect(byType.out.at(-1)).toMatch(/: 1 matched; would replay 1, skipped 0, not found 0, failed 0$/);
    expect(byType.out[0]).toMatch(/^would replay .* 'evt_3'/);

    const byStatus = await run(['--since', '1000d', '--status', 'failed']);
    expect(byStatus.sent.map((s) => parseEnvelope(s.MessageBody!).dedupeKey)).toEqual(['evt_2']);

    sqs.resetHistory();
    const all = await run(['--since', '1000d', '--max', '1', '--json']);
    const summary = JSON.parse(all.out.join('\n'));
    expect(summary).toMatchObject({ provider: 'stripe', matched: 4, replayed: 1, skipped: 3, notFound: 0, failed: 0 });
    expect(summary.events.map((e: { result: string; reason?: string }) => [e.result, e.reason])).toEqual([
      ['replayed', undefined], ['skipped', '--max 1 reached'], ['skipped', '--max 1 reached'], ['skipped', '--max 1 reached'],
    ]);
    const inFlight = await run(['--since', '1000d', '--json']);
    expect(JSON.parse(inFlight.out.join('\n')).events.find((e: { dedupeKey: string }) => e.dedupeKey === 'evt_4'))
      .toMatchObject({ result: 'skipped', reason: expect.stringMatching(/^ledger status enqueued: still on its way/) });
  });

  it('an expired archive object is "not found"; a failed send exits 1', async () => {
    stack([item(0)], undefined);
    const gone = await run(['--since', '1000d']);
    expect(gone.code).toBe(0);
    expect(gone.out.at(-1)).toMatch(/replayed 0, skipped 0, not found 1, failed 0$/);
    expect(gone.out[0]).toContain('(archive object expired (kept ledgerRetentionDays))');

    stack([item(0)], archive);
    sqs.on(SendMessageCommand).rejects(Object.assign(new Error(`throttled ${BODY_MARKER}`), { name: 'ThrottlingException' }));
    const failed = await run(['--since', '1000d']);
    expect(failed.code).toBe(1);
    expect(failed.out.at(-1)).toMatch(/replayed 0, skipped 0, not found 0, failed 1$/);
    expect(failed.out[0]).toContain('(ThrottlingException)');
    expect([...failed.out, ...failed.err].join('\n')).not.toContain(BODY_MARKER);
  });

  it('--key replays one event from its archive line', async () => {
    stack([item(0), item(1)], archive);
    const result = await run(['--key', 'evt_2', '--json']);
    expect(result.code).toBe(0);
    expect(result.sent.map((s) => parseEnvelope(s.MessageBody!))).toEqual([{ ...envelopes[1], replay: expect.any(Object) }]);
    expect(JSON.parse(result.out.join('\n'))).toMatchObject({ dedupeKey: 'evt_2', source: 'archive', archive: { key: ARCHIVE_KEY, line: 1 }, alreadyProcessed: true, messageId: 'm-1' });
  });
});
