/**
 * Permanent and transient failures end to end, with local-aws-sqs as the emulator runs it (startSqsHonouringVisibility: ChangeMessageVisibility
 * not counted as a receive, as in SQS) and dynalite: a small loop plays the event source mapping (receive,
 * invoke, delete what the processor did not report failed). The queue's own visibility timeout is 30 s and
 * its redrive 5 receives, so a message that reached the DLQ within seconds was moved there by the processor,
 * and a message back within seconds came back after the processor's backoff, not the queue's timeout.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Envelope } from '../../lambdas/contract/envelope.ts';
import { startSqsHonouringVisibility } from '../support/stand-ins.ts';
import { createLedgerTable, startDynalite, type LocalDynamo } from './support/dynalite.ts';
import { envelopeFor, lambdaContext, sqsEvent } from './support/lambda.ts';
import { ledgerEntry, seedEnqueuedEntry } from './support/ledger.ts';
import { loadProcessorHandler, processorEnv, type ProcessorHandler } from './support/load-handler.ts';
import { captureOutput, type CapturedOutput } from './support/output.ts';

const TABLE = 'ledger-failures-it';
const PHI_MARKER = 'Zq9PHI';

let dynamo: LocalDynamo;
let sqsService: Awaited<ReturnType<typeof startSqsHonouringVisibility>>;
let sqs: SQSClient;

beforeAll(async () => {
  dynamo = await startDynalite();
  await createLedgerTable(dynamo.client, TABLE);
  sqsService = await startSqsHonouringVisibility();
  sqs = new SQSClient({ endpoint: sqsService.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

afterAll(async () => {
  vi.unstubAllEnvs();
  sqs.destroy();
  await sqsService.stop();
  await dynamo.close();
});

interface Pipeline {
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly handler: ProcessorHandler;
}

async function pipeline(provider: string, options: { retryBudgetSeconds?: number; failEventTypes?: string } = {}): Promise<Pipeline> {
  const suffix = randomUUID().slice(0, 8);
  const { QueueUrl: dlqUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${provider}-dlq-${suffix}` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
  const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({
    QueueName: `${provider}-${suffix}`,
    Attributes: { VisibilityTimeout: '30', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!['QueueArn'], maxReceiveCount: 5 }) },
  }));
  const handler = await loadProcessorHandler(processorEnv({
    provider, table: TABLE, dynamodbEndpoint: dynamo.endpoint, sqsEndpoint: sqsService.endpoint, queueUrl: queueUrl!, deadLetterQueueUrl: dlqUrl!,
    ...(options.retryBudgetSeconds !== undefined ? { retryBudgetSeconds: options.retryBudgetSeconds } : {}),
    ...(options.failEventTypes ? { failEventTypes: options.failEventTypes } : {}),
  }));
  return { queueUrl: queueUrl!, dlqUrl: dlqUrl!, handler };
}

/** What the verifier sends: the envelope plus the id attributes. */
async function enqueue(p: Pipeline, envelope: Envelope): Promise<void> {
  await seedEnqueuedEntry(dynamo.client, TABLE, envelope);
  await sqs.send(new SendMessageCommand({
    QueueUrl: p.queueUrl,
    MessageBody: JSON.stringify(envelope),
    MessageAttributes: {
      provider: { DataType: 'String', StringValue: envelope.provider },
      eventType: { DataType: 'String', StringValue: envelope.eventType },
      dedupeKey: { DataType: 'String', StringValue: envelope.dedupeKey },
    },
  }));
}

function toRecord(message: Message): SQSRecord {
  const a = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body!,
    attributes: {
      ApproximateReceiveCount: a['ApproximateReceiveCount'] ?? '1',
      SentTimestamp: a['SentTimestamp'] ?? String(Date.now()),
      SenderId: 'AIDATEST',
      ApproximateFirstReceiveTimestamp: a['ApproximateFirstReceiveTimestamp'] ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([name, v]) => [name, {
      dataType: v.DataType!, stringValue: v.StringValue, stringListValues: [], binaryListValues: [],
    }])),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:failures-test',
    awsRegion: 'us-east-1',
  };
}

async function isEmpty(queueUrl: string): Promise<boolean> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Attributes['ApproximateNumberOfMessages'] === '0' && Attributes['ApproximateNumberOfMessagesNotVisible'] === '0';
}

/**
 * The event source mapping in miniature, until the queue is empty (at most 15 s: half the queue's visibility
 * timeout, so only the processor's own backoff can bring a message back in time). Returns every receive.
 */
async function drain(p: Pipeline, afterInvocation?: (receive: number) => Promise<void>): Promise<Array<{ receiveCount: number; at: number }>> {
  const receives: Array<{ receiveCount: number; at: number }> = [];
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({
      QueueUrl: p.queueUrl, MaxNumberOfMessages: 10, AttributeNames: ['All'], MessageAttributeNames: ['All'],
    }));
    if (Messages.length === 0) {
      if (await isEmpty(p.queueUrl)) return receives;
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    for (const m of Messages) receives.push({ receiveCount: Number(m.Attributes?.['ApproximateReceiveCount']), at: Date.now() });
    let failed = new Set<string>(Messages.map((m) => m.MessageId!));
    try {
      const { batchItemFailures } = await p.handler(sqsEvent(...Messages.map(toRecord)), lambdaContext());
      failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
    } catch {
      // every record failed: all stay for a retry
    }
    const done = Messages.filter((m) => !failed.has(m.MessageId!));
    if (done.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: p.queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    }
    await afterInvocation?.(receives.length);
  }
  throw new Error('the queue did not drain within 15 s');
}

async function deadLetters(dlqUrl: string): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
  return Messages;
}

const attr = (m: Message | undefined, name: string) => m?.MessageAttributes?.[name]?.StringValue;

describe('permanent failures: in the DLQ after exactly one receive, with the reason', () => {
  let output: CapturedOutput;
  let stripe: Pipeline;
  beforeAll(async () => {
    stripe = await pipeline('stripe');
  });

  it('a signed Stripe event the verifier could not recognize (envelope `unrecognized`)', async () => {
    // Prepare: the verifier read neither type nor id; it sets `unknown` and the body's digest as the key
    output = captureOutput();
    const body = JSON.stringify({ object: 'event', kind: 'charge.succeeded', note: PHI_MARKER });
    const plain = envelopeFor({ provider: 'stripe', eventType: 'unknown', dedupeKey: `sha-${randomUUID()}`, body });
    const envelope: Envelope = { ...plain, unrecognized: 'event type: missing body.type' };
    await enqueue(stripe, envelope);

    // Act
    const receives = await drain(stripe).finally(() => output.restore());

    // Assess
    expect(receives.map((r) => r.receiveCount)).toEqual([1]);
    const dead = await deadLetters(stripe.dlqUrl);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!.Body!)).toEqual(envelope); // the original message, unchanged
    expect(attr(dead[0], 'dedupeKey')).toBe(envelope.dedupeKey);
    expect(attr(dead[0], 'failureClass')).toBe('permanent');
    expect(attr(dead[0], 'failureReason')).toBe('UnrecognizedEventError: signed event not recognized by the verifier: event type: missing body.type');
    const entry = await ledgerEntry(dynamo.client, TABLE, 'stripe', envelope.dedupeKey);
    expect(entry?.['status']?.S).toBe('failed');
    expect(entry?.['failureClass']?.S).toBe('permanent');
    expect(entry?.['lastError']?.S).toBe('UnrecognizedEventError: signed event not recognized by the verifier: event type: missing body.type');
    expect(entry?.['deadLetteredAt']?.S).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(entry?.['nextRetryAt']).toBeUndefined();
    expect(entry?.['attempts']?.N).toBe('1');
    expect(output.metricCounts()).toMatchObject({ ProcessingFailure: 1, DeadLettered: 1, UnrecognizedDeadLettered: 1 });
    expect(output.lines().join('\n')).not.toContain(PHI_MARKER);
  });

  it('a Stripe event without data.object (MissingFieldError)', async () => {
    // Prepare
    output = captureOutput();
    const id = `evt_${randomUUID().slice(0, 12)}`;
    const envelope = envelopeFor({
      provider: 'stripe', eventType: 'charge.succeeded', dedupeKey: id,
      body: JSON.stringify({ id, type: 'charge.succeeded', created: 1_774_000_000, data: { note: PHI_MARKER } }),
    });
    await enqueue(stripe, envelope);

    // Act
    const receives = await drain(stripe).finally(() => output.restore());

    // Assess
    expect(receives.map((r) => r.receiveCount)).toEqual([1]);
    const dead = await deadLetters(stripe.dlqUrl);
    expect(dead.map((m) => attr(m, 'dedupeKey'))).toContain(id);
    const mine = dead.find((m) => attr(m, 'dedupeKey') === id);
    expect(attr(mine, 'failureClass')).toBe('permanent');
    expect(attr(mine, 'failureReason')).toBe('MissingFieldError: no identifier at data.object.id');
    expect(attr(mine, 'receiveCount')).toBe('1');
    const entry = await ledgerEntry(dynamo.client, TABLE, 'stripe', id);
    expect(entry?.['status']?.S).toBe('failed');
    expect(entry?.['failureClass']?.S).toBe('permanent');
    expect(entry?.['lastError']?.S).toBe('MissingFieldError: no identifier at data.object.id');
    expect(entry?.['deadLetteredAt']?.S).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(output.metricCounts()).toMatchObject({ ProcessingFailure: 1, DeadLettered: 1 });
    expect(output.metricCounts()['UnrecognizedDeadLettered']).toBeUndefined();
  });
});

describe('transient failures: retried with the processor\'s backoff until the budget is spent', () => {
  it('comes back after the backoff (not the queue\'s 30 s), then moves to the DLQ once the 2 s budget is spent', async () => {
    // Prepare: the failure drill is a transient failure
    const output = captureOutput();
    const sully = await pipeline('sully', { retryBudgetSeconds: 2, failEventTypes: 'coding.failed' });
    const envelope = envelopeFor({
      provider: 'sully', eventType: 'coding.failed', dedupeKey: `coding.failed:c-${randomUUID()}`,
      body: JSON.stringify({ type: 'coding.failed', data: { id: 'c-1', detail: PHI_MARKER } }),
    });
    await enqueue(sully, envelope);
    let afterFirst: Awaited<ReturnType<typeof ledgerEntry>>;

    // Act
    const receives = await drain(sully, async (n) => {
      if (n === 1) afterFirst = await ledgerEntry(dynamo.client, TABLE, 'sully', envelope.dedupeKey);
    }).finally(() => output.restore());

    // Assess: two receives about 2 s apart (the backoff, clamped to the budget), then the processor's move
    expect(receives.map((r) => r.receiveCount)).toEqual([1, 2]);
    expect(receives[1]!.at - receives[0]!.at).toBeGreaterThanOrEqual(1_900);
    expect(afterFirst!?.['status']?.S).toBe('failed');
    expect(afterFirst!?.['failureClass']?.S).toBe('transient');
    expect(afterFirst!?.['lastError']?.S).toBe('FailureDrillError: event type is listed in PROCESSOR_FAIL_EVENT_TYPES (failure drill)');
    const nextRetryAt = Date.parse(afterFirst!?.['nextRetryAt']?.S ?? '');
    expect(nextRetryAt - receives[0]!.at).toBeGreaterThan(1_000);
    expect(nextRetryAt - receives[0]!.at).toBeLessThan(3_000);
    const dead = await deadLetters(sully.dlqUrl);
    expect(dead).toHaveLength(1);
    expect(attr(dead[0], 'failureClass')).toBe('transient');
    expect(attr(dead[0], 'failureReason')).toMatch(/^retry budget of 2 s spent \(\d+ s since the first receive\); last error FailureDrillError: /);
    const entry = await ledgerEntry(dynamo.client, TABLE, 'sully', envelope.dedupeKey);
    expect(entry?.['attempts']?.N).toBe('2');
    expect(entry?.['failureClass']?.S).toBe('transient');
    expect(entry?.['deadLetteredAt']?.S).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(entry?.['nextRetryAt']).toBeUndefined();
    expect(output.metricCounts()).toMatchObject({ ProcessingFailure: 2, RetryScheduled: 1, DeadLettered: 1 });
    expect(output.lines().join('\n')).not.toContain(PHI_MARKER);
  });
});
