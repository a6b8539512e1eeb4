/**
 * Keeps the local runner honest without starting it: it bundles for the runtime lib/ deploys, its function
 * environments carry what the stack's do (both come from lambdas/contract/environment.ts; here: the local
 * values), and its API Gateway and event source mapping rules behave as AWS documents them.
 */
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ENTRY_FILE, LAMBDA_TARGET, lambdaBundleOptions } from '../../../lib/bundling.ts';
import { processorEnvironment, spoolSweeperEnvironment, verifierEnvironment } from '../../../local/function-environment.ts';
import { failedIds, toRecord } from '../../../local/event-source.ts';
import { heapLimits, type Invocation } from '../../../local/functions.ts';
import { isTextContentType, mapResult } from '../../../local/http-api.ts';
import { FUNCTION_RUNTIME } from '../../../lib/constructs/webhook-function.ts';
import { loadAppConfig } from '../../../local/settings.ts';

describe('the local build is the deployed build', () => {
  it('targets the Lambda runtime lib/ deploys, and Lambda finds the handler in the entry file', () => {
    const runtime = /^nodejs(\d+)\.x$/.exec(FUNCTION_RUNTIME.name);
    expect(runtime?.[1]).toBeDefined();
    expect(LAMBDA_TARGET).toBe(`node${runtime![1]}`);
    const options = lambdaBundleOptions('entry.ts', 'out');
    expect(options).toMatchObject({ format: 'esm', platform: 'node', outExtension: { '.js': '.mjs' }, entryPoints: { index: 'entry.ts' } });
    expect(ENTRY_FILE).toBe('index.mjs');
  });
});

describe('the local environments get the heap of a Lambda environment of their memory size', () => {
  it('a tenth of the memory to the young generation (semi-space = memory / 20), the rest to the old one', () => {
    expect(heapLimits(512)).toEqual({ maxYoungGenerationSizeMb: 75, maxOldGenerationSizeMb: 461 });
    expect(heapLimits(256)).toEqual({ maxYoungGenerationSizeMb: 36, maxOldGenerationSizeMb: 231 });
    expect(heapLimits(10)).toEqual({ maxYoungGenerationSizeMb: 3, maxOldGenerationSizeMb: 9 });
  });
});

describe('the local functions get the values the stack would set', () => {
  const app = loadAppConfig();
  const resources = new Map(app.providers.map((p) => [p.id, { secretArn: `arn:${p.id}`, queueUrl: `http://127.0.0.1:1/q/${p.id}` }]));

  it('verifier: every registered provider, and cdk.json\'s settings', () => {
    const env = verifierEnvironment(app, resources, 'table', 'bucket');
    expect(Object.keys(JSON.parse(env['PROVIDERS_CONFIG']!) as object).sort()).toEqual(app.providers.map((p) => p.id).sort());
    expect(env).toMatchObject({ LEDGER_TABLE: 'table', CLAIM_CHECK_BUCKET: 'bucket', MAX_BODY_BYTES: String(app.maxBodyBytes), CLAIM_LEASE_SECONDS: String(app.claimLeaseSeconds) });
  });

  it('spool sweeper: the queue URLs the verifier spools', () => {
    const env = spoolSweeperEnvironment(resources, 'bucket');
    expect(JSON.parse(env['QUEUE_URLS']!)).toEqual(app.providers.map((p) => resources.get(p.id)!.queueUrl));
  });

  it('processors: the failure drill only when asked for, the local retry budget when given', () => {
    const provider = app.providers[0]!;
    const queues = { queueUrl: 'http://127.0.0.1:1/q', deadLetterQueueUrl: 'http://127.0.0.1:1/dlq' };
    const plain = processorEnvironment(app, provider, 'table', 'bucket', queues);
    expect(plain).not.toHaveProperty('PROCESSOR_FAIL_EVENT_TYPES');
    expect(plain['PROCESSOR_RETRY_BUDGET_SECONDS']).toBe(String(app.retryBudgetSeconds));
    expect(processorEnvironment(app, provider, 'table', 'bucket', queues, { failEventTypes: 'x.y' })['PROCESSOR_FAIL_EVENT_TYPES']).toBe('x.y');
    expect(processorEnvironment(app, provider, 'table', 'bucket', queues, { retryBudgetSeconds: 2 })['PROCESSOR_RETRY_BUDGET_SECONDS']).toBe('2');
  });
});

describe('API Gateway HTTP API rules', () => {
  it('passes JSON, XML and text bodies as text and everything else base64-encoded', () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/xml', 'application/cloudevents+json', 'application/soap+xml']) {
      expect(isTextContentType(type), type).toBe(true);
    }
    for (const type of [undefined, '', 'application/octet-stream', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'image/png']) {
      expect(isTextContentType(type), String(type)).toBe(false);
    }
  });

  const result = (value: unknown): Invocation => ({ kind: 'result', result: value, facts: [], durationMs: 1 });

  it('maps payload 2.0 results, function errors and timeouts like API Gateway', () => {
    const answered = mapResult(result({ statusCode: 409, headers: { 'Content-Type': 'application/json' }, body: '{"error":"in flight"}' }));
    expect([answered.status, answered.headers['content-type'], answered.body.toString()]).toEqual([409, 'application/json', '{"error":"in flight"}']);
    expect(mapResult(result({ statusCode: 200, body: Buffer.from([0, 255]).toString('base64'), isBase64Encoded: true })).body).toEqual(Buffer.from([0, 255]));
    const inferred = mapResult(result({ status: 'ok' }));
    expect([inferred.status, inferred.body.toString()]).toEqual([200, '{"status":"ok"}']);
    expect(mapResult({ kind: 'error', errorName: 'TypeError', facts: [], durationMs: 1 }).body.toString()).toBe('{"message":"Internal Server Error"}');
    expect(mapResult({ kind: 'timeout', durationMs: 10_000 }).status).toBe(503);
    expect(mapResult(result({ statusCode: 'nope' })).status).toBe(500);
  });
});

describe('SQS event source mapping rules (ReportBatchItemFailures)', () => {
  const records: SQSRecord[] = ['a', 'b', 'c'].map((id) => toRecord({ MessageId: id, ReceiptHandle: `rh-${id}`, Body: '{}', Attributes: { ApproximateReceiveCount: '2' } }, 'arn:aws:sqs:us-east-1:123456789012:q'));
  const result = (value: unknown): Invocation => ({ kind: 'result', result: value, facts: [], durationMs: 1 });

  it('builds Lambda-shaped records', () => {
    expect(records[0]).toMatchObject({ messageId: 'a', receiptHandle: 'rh-a', eventSource: 'aws:sqs', attributes: { ApproximateReceiveCount: '2' } });
  });

  it('retries only the reported items; everything on a function error or a malformed response', () => {
    expect([...failedIds(result({ batchItemFailures: [{ itemIdentifier: 'b' }] }), records)]).toEqual(['b']);
    expect(failedIds(result({ batchItemFailures: [] }), records).size).toBe(0);
    expect(failedIds(result(null), records).size).toBe(0);
    expect(failedIds(result({ batchItemFailures: [{ itemIdentifier: 'zz' }] }), records).size).toBe(3);
    expect(failedIds(result({ batchItemFailures: [{ itemIdentifier: '' }] }), records).size).toBe(3);
    expect(failedIds({ kind: 'error', errorName: 'FullBatchFailureError', facts: [], durationMs: 1 }, records).size).toBe(3);
    expect(failedIds({ kind: 'timeout', durationMs: 1 }, records).size).toBe(3);
  });
});
