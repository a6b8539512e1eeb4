/**
 * The backoff of transient failures: the pure policy (retry-policy.ts), and the handler's SQS calls with
 * aws-sdk-client-mock (DynamoDB and SQS mocked): growing, jittered ChangeMessageVisibility delays while the
 * budget lasts, then SendMessage to the DLQ instead.
 */
import { DynamoDBClient, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  backoffCeilingSeconds, decideRetry, DEFAULT_RETRY_BUDGET_SECONDS, maxReceivesWithinBudget,
} from '../../lambdas/processor/retry-policy.ts';
import { envelopeFor, lambdaContext, sqsEvent, sqsRecord } from './support/lambda.ts';
import { loadProcessorHandler, processorEnv, type ProcessorHandler } from './support/load-handler.ts';
import { captureOutput, type CapturedOutput } from './support/output.ts';

describe('retry policy', () => {
  const at = (receiveCount: number, random: number, elapsedSeconds = 0, budgetSeconds = DEFAULT_RETRY_BUDGET_SECONDS) =>
    decideRetry({ receiveCount, firstReceiveMs: 0, nowMs: elapsedSeconds * 1000, budgetSeconds, random: () => random });

  it('doubles the ceiling from 30 s up to 1 h, and jitters within its upper half', () => {
    expect([1, 2, 3, 7, 8, 9, 50].map(backoffCeilingSeconds)).toEqual([30, 60, 120, 1920, 3600, 3600, 3600]);
    expect(at(1, 0)).toEqual({ kind: 'retry', delaySeconds: 15 });
    expect(at(1, 0.999)).toEqual({ kind: 'retry', delaySeconds: 30 });
    expect(at(4, 0.5)).toEqual({ kind: 'retry', delaySeconds: 180 });
  });

  it('never shrinks from one receive to the next while the ceiling doubles, whatever the jitter draws', () => {
    // Receive 7's ceiling (1920 s) is the last that doubles; from receive 8 on they are all 3600 s, jittered over [1800, 3600].
    for (let n = 1; n < 7; n++) {
      const longestNow = (at(n, 0.999) as { delaySeconds: number }).delaySeconds;
      const shortestNext = (at(n + 1, 0) as { delaySeconds: number }).delaySeconds;
      expect(shortestNext, `receive ${n} → ${n + 1}`).toBeGreaterThanOrEqual(longestNow);
    }
  });

  it('lands the last try at the end of the budget, then gives up', () => {
    expect(at(10, 0.5, 21_000)).toEqual({ kind: 'retry', delaySeconds: 600 });
    expect(at(10, 0.5, 21_600)).toEqual({ kind: 'exhausted', elapsedSeconds: 21_600 });
    expect(at(1, 0.5, 0, 0)).toEqual({ kind: 'exhausted', elapsedSeconds: 0 });
  });

  it('bounds the receives a budget can take (what maxReceiveCount must allow)', () => {
    expect(maxReceivesWithinBudget(21_600)).toBe(19);
    expect(maxReceivesWithinBudget(0)).toBe(1);
    // Simulate the shortest possible delays: the budget is spent by the receive the bound allows, not before.
    let elapsed = 0;
    let receive = 1;
    for (;;) {
      const decision = at(receive, 0, elapsed);
      if (decision.kind === 'exhausted') break;
      elapsed += decision.delaySeconds;
      receive += 1;
    }
    expect(receive).toBeLessThanOrEqual(19);
  });
});

describe('the handler\'s backoff (SQS and DynamoDB mocked)', () => {
  const dynamodb = mockClient(DynamoDBClient);
  const sqs = mockClient(SQSClient);
  let handler: ProcessorHandler;
  let output: CapturedOutput;
  const DRILLED = envelopeFor({ provider: 'sully', eventType: 'coding.failed', dedupeKey: 'coding.failed:c-1', body: '{"type":"coding.failed","data":{"id":"c-1"}}' });

  beforeAll(async () => {
    handler = await loadProcessorHandler(processorEnv({
      provider: 'sully', table: 'ledger', dynamodbEndpoint: 'http://127.0.0.1:9', failEventTypes: 'coding.failed',
      queueUrl: 'http://127.0.0.1:9/1/sully', deadLetterQueueUrl: 'http://127.0.0.1:9/1/sully-dlq', retryBudgetSeconds: 21_600,
    }));
  });

  afterEach(() => {
    dynamodb.reset();
    sqs.reset();
    vi.restoreAllMocks();
    output?.restore();
  });

  afterAll(() => {
    dynamodb.restore();
    sqs.restore();
    vi.unstubAllEnvs();
  });

  /** The drilled event as SQS delivers it for the n-th time, first received `elapsedSeconds` ago. */
  function delivery(receiveCount: number, elapsedSeconds: number) {
    const record = sqsRecord(JSON.stringify(DRILLED), { messageId: `m-${receiveCount}`, receiveCount });
    return { ...record, attributes: { ...record.attributes, ApproximateFirstReceiveTimestamp: String(Date.now() - elapsedSeconds * 1000) } };
  }

  it('re-times each failure with a growing, jittered delay and records the plan in the ledger', async () => {
    // Prepare: jitter draws that would make full jitter shrink (high, then low)
    output = captureOutput();
    dynamodb.on(UpdateItemCommand).resolves({});
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const draws = [0.9, 0.1, 0.8, 0.2, 0.7];
    vi.spyOn(Math, 'random').mockImplementation(() => draws.shift() ?? 0.5);

    // Act: receives 1 to 5, a few minutes into the budget
    const responses = [];
    for (let n = 1; n <= 5; n++) responses.push(await handler(sqsEvent(delivery(n, n * 60)), lambdaContext()).catch((error: Error) => error));

    // Assess
    for (const response of responses) expect(String(response)).toMatch(/All records failed/);
    const delays = sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input.VisibilityTimeout!);
    expect(delays).toEqual([29, 33, 108, 144, 408]);
    for (const [i, delay] of delays.entries()) {
      const ceiling = 30 * 2 ** i;
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]!.args[0].input).toMatchObject({ QueueUrl: 'http://127.0.0.1:9/1/sully', ReceiptHandle: expect.stringMatching(/^rh-/) });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    const ledger = dynamodb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input as UpdateItemCommandInput);
    expect(ledger).toHaveLength(5);
    expect(ledger[0]!.ExpressionAttributeValues).toMatchObject({
      ':failed': { S: 'failed' },
      ':failureClass': { S: 'transient' },
      ':lastError': { S: 'FailureDrillError: event type is listed in PROCESSOR_FAIL_EVENT_TYPES (failure drill)' },
      ':nextRetryAt': { S: expect.stringMatching(/^\d{4}-/) },
    });
    expect(ledger[0]!.UpdateExpression).toMatch(/nextRetryAt = :nextRetryAt.* REMOVE deadLetteredAt$/);
    expect(output.metricCounts()).toMatchObject({ ProcessingFailure: 5, RetryScheduled: 5 });
  });

  it('moves the message to the DLQ itself once the budget is spent, and reports it handled', async () => {
    // Prepare
    output = captureOutput();
    dynamodb.on(UpdateItemCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });

    // Act: the 19th receive, 6 h and a second after the first
    const response = await handler(sqsEvent(delivery(19, 21_601)), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    const sent = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(sent.QueueUrl).toBe('http://127.0.0.1:9/1/sully-dlq');
    expect(sent.MessageBody).toBe(JSON.stringify(DRILLED));
    expect(sent.MessageAttributes?.['failureClass']).toEqual({ DataType: 'String', StringValue: 'transient' });
    expect(sent.MessageAttributes?.['receiveCount']).toEqual({ DataType: 'Number', StringValue: '19' });
    expect(sent.MessageAttributes?.['failureReason']?.StringValue).toMatch(/^retry budget of 21600 s spent \(2160[01] s since the first receive\); last error FailureDrillError/);
    const ledger = dynamodb.commandCalls(UpdateItemCommand)[0]!.args[0].input as UpdateItemCommandInput;
    expect(ledger.ExpressionAttributeValues?.[':deadLetteredAt']).toEqual({ S: expect.stringMatching(/^\d{4}-/) });
    expect(ledger.UpdateExpression).toMatch(/ REMOVE nextRetryAt$/);
    expect(output.metricCounts()).toMatchObject({ ProcessingFailure: 1, DeadLettered: 1 });
  });

  it('reports the record failed when the DLQ send fails, so that the move is tried again', async () => {
    // Prepare
    output = captureOutput();
    dynamodb.on(UpdateItemCommand).resolves({});
    sqs.on(SendMessageCommand).rejects(Object.assign(new Error('throttled'), { name: 'RequestThrottled' }));

    // Act
    const run = handler(sqsEvent(delivery(19, 21_601)), lambdaContext());

    // Assess
    await expect(run).rejects.toThrow(/All records failed/);
    const ledger = dynamodb.commandCalls(UpdateItemCommand)[0]!.args[0].input as UpdateItemCommandInput;
    expect(ledger.ExpressionAttributeValues?.[':deadLetteredAt']).toBeUndefined();
    expect(output.logEntries().some((e) => e['message'] === 'could not move the message to the dead-letter queue; it comes back after the visibility timeout')).toBe(true);
    expect(output.metricCounts()['DeadLettered']).toBeUndefined();
  });
});
