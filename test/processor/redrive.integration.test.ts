/**
 * Retries and the DLQ end to end, with local-aws-sqs (redrive) and dynalite: a small loop plays the
 * event source mapping (receive, invoke, delete what succeeded). The failure drill makes one event type
 * fail every time; after maxReceiveCount receives it must sit in the DLQ with its ids as attributes,
 * and its ledger entry must say `failed` with one attempt per delivery.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { createSqsServer } from 'local-aws-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Envelope } from '../../lambdas/contract/envelope.ts';
import { createLedgerTable, startDynalite, type LocalDynamo } from './support/dynalite.ts';
import { envelopeFor, lambdaContext, sqsEvent, sqsRecord } from './support/lambda.ts';
import { attemptsAfter, ledgerEntry, seedEnqueuedEntry } from './support/ledger.ts';
import { loadProcessorHandler, processorEnv, type ProcessorHandler } from './support/load-handler.ts';
import { captureOutput } from './support/output.ts';

const TABLE = 'ledger-redrive-it';
const MAX_RECEIVE_COUNT = 3;

let dynamo: LocalDynamo;
let sqsServer: Server;
let sqs: SQSClient;
let handler: ProcessorHandler;

beforeAll(async () => {
  dynamo = await startDynalite();
  await createLedgerTable(dynamo.client, TABLE);
  sqsServer = await createSqsServer({ port: 0, hostname: '127.0.0.1' });
  sqs = new SQSClient({
    endpoint: `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  handler = await loadProcessorHandler(
    processorEnv({ provider: 'sully', table: TABLE, dynamodbEndpoint: dynamo.endpoint, failEventTypes: 'coding.failed' }),
  );
});

afterAll(async () => {
  vi.unstubAllEnvs();
  sqs.destroy();
  await new Promise<void>((resolve) => sqsServer.close(() => resolve()));
  await dynamo.close();
});

async function createQueues(): Promise<{ queueUrl: string; dlqUrl: string }> {
  const suffix = randomUUID().slice(0, 8);
  const { QueueUrl: dlqUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `sully-dlq-${suffix}` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
  const { QueueUrl: queueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `sully-${suffix}`,
      Attributes: {
        // One second keeps the test short (local-aws-sqs reads '0' as unset, i.e. 30 s).
        VisibilityTimeout: '1',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!['QueueArn'], maxReceiveCount: MAX_RECEIVE_COUNT }),
      },
    }),
  );
  return { queueUrl: queueUrl!, dlqUrl: dlqUrl! };
}

/** What the verifier sends: the envelope plus the id attributes operators read in a DLQ. */
async function send(queueUrl: string, envelope: Envelope): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(envelope),
      MessageAttributes: {
        provider: { DataType: 'String', StringValue: envelope.provider },
        eventType: { DataType: 'String', StringValue: envelope.eventType },
        dedupeKey: { DataType: 'String', StringValue: envelope.dedupeKey },
      },
    }),
  );
}

function toRecord(message: Message): SQSRecord {
  return sqsRecord(message.Body!, { messageId: message.MessageId!, receiveCount: Number(message.Attributes?.['ApproximateReceiveCount'] ?? '1') });
}

/** True when the queue holds no message at all, visible or in flight. */
async function isEmpty(queueUrl: string): Promise<boolean> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Attributes['ApproximateNumberOfMessages'] === '0' && Attributes['ApproximateNumberOfMessagesNotVisible'] === '0';
}

/**
 * The event source mapping in miniature: short polls (a long poll of local-aws-sqs collects the same
 * message again once it reappears), one invocation per non-empty receive, until the queue is empty.
 * Returns the number of invocations.
 */
async function drain(queueUrl: string): Promise<number> {
  let invocations = 0;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, AttributeNames: ['All'] }),
    );
    if (Messages.length === 0) {
      if (await isEmpty(queueUrl)) return invocations;
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    invocations += 1;
    let failed = new Set<string>(Messages.map((m) => m.MessageId!));
    try {
      const { batchItemFailures } = await handler(sqsEvent(...Messages.map(toRecord)), lambdaContext());
      failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch {
      // A thrown invocation (every record failed) leaves every message for a retry.
    }
    const done = Messages.filter((m) => !failed.has(m.MessageId!));
    if (done.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    }
  }
  throw new Error('the queue did not drain within 20 s');
}

describe('redrive to the DLQ (local-aws-sqs)', () => {
  it('moves an always-failing event to the DLQ after maxReceiveCount, and processes the rest once', async () => {
    // Prepare
    const output = captureOutput();
    const { queueUrl, dlqUrl } = await createQueues();
    const drilled = envelopeFor({
      provider: 'sully', eventType: 'coding.failed', dedupeKey: `coding.failed:c-${randomUUID()}`,
      body: JSON.stringify({ type: 'coding.failed', data: { id: 'c-1' } }),
    });
    const fine = envelopeFor({
      provider: 'sully', eventType: 'coding.succeeded', dedupeKey: `coding.succeeded:c-${randomUUID()}`,
      body: JSON.stringify({ type: 'coding.succeeded', data: { id: 'c-2' } }),
    });
    for (const envelope of [drilled, fine]) {
      await seedEnqueuedEntry(dynamo.client, TABLE, envelope);
      await send(queueUrl, envelope);
    }

    // Act
    const invocations = await drain(queueUrl).finally(() => output.restore());

    // Assess: one invocation per receive of the drilled event; the DLQ holds exactly that event,
    // identifiable without reading its body
    expect(invocations).toBe(MAX_RECEIVE_COUNT);
    const { Messages: dead = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );
    expect(dead.map((m) => m.MessageAttributes?.['dedupeKey']?.StringValue)).toEqual([drilled.dedupeKey]);
    expect(dead[0]?.MessageAttributes?.['eventType']?.StringValue).toBe('coding.failed');
    const failedEntry = await ledgerEntry(dynamo.client, TABLE, 'sully', drilled.dedupeKey);
    expect(failedEntry?.['status']?.S).toBe('failed');
    expect(failedEntry?.['attempts']?.N).toBe(attemptsAfter(MAX_RECEIVE_COUNT));
    const fineEntry = await ledgerEntry(dynamo.client, TABLE, 'sully', fine.dedupeKey);
    expect(fineEntry?.['status']?.S).toBe('processed');
    expect(fineEntry?.['attempts']?.N).toBe(attemptsAfter(1));
    expect(output.metricCounts()).toMatchObject({ Processed: 1, ProcessingFailure: MAX_RECEIVE_COUNT });
    const failures = output.logEntries().filter((entry) => entry['message'] === 'event processing failed');
    expect(failures.map((entry) => entry['receiveCount'])).toEqual([1, 2, 3]);
  });
});
