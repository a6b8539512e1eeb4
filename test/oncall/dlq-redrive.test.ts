/**
 * ops/dlq-operations.ts against a mocked SQS (aws-sdk-client-mock): the fallback (receive, send, delete) runs only when
 * SQS's move task never started; an error while following a started task is reported, never followed by
 * moving by hand. A listing reports receive counts that listings do not change; a watch recognizes a moved
 * message back in the DLQ by its dedupe key. The same against the local stack: test/local/oncall/dlq.test.ts.
 */
import {
  ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ListMessageMoveTasksCommand,
  ReceiveMessageCommand, SendMessageBatchCommand, SQSClient, StartMessageMoveTaskCommand, type Message,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { peekMessages, redrive, watchRedriven, type RedriveOptions } from '../../ops/dlq-operations.ts';

const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/webhooks-sully-dlq';
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/webhooks-sully';
const sqsMock = mockClient(SQSClient);
const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
afterAll(() => sqs.destroy());

function message(id: string, dedupeKey: string, extra: { receiveCount?: string; sqsCount?: string; failureClass?: string } = {}): Message {
  return {
    MessageId: id,
    ReceiptHandle: `handle-${id}-${Math.random()}`,
    Body: JSON.stringify({ v: 1, provider: 'sully', eventType: 'note.created', dedupeKey }),
    Attributes: { ApproximateReceiveCount: extra.sqsCount ?? '1' },
    MessageAttributes: {
      dedupeKey: { DataType: 'String', StringValue: dedupeKey },
      eventType: { DataType: 'String', StringValue: 'note.created' },
      ...(extra.receiveCount ? { receiveCount: { DataType: 'Number', StringValue: extra.receiveCount } } : {}),
      ...(extra.failureClass ? { failureClass: { DataType: 'String', StringValue: extra.failureClass }, failureReason: { DataType: 'String', StringValue: 'DrillError' } } : {}),
    },
  };
}

const lines: string[] = [];
const options: RedriveOptions = { deadLetterQueueUrl: DLQ, queueUrl: QUEUE, waitSeconds: 0, pollMs: 1, progress: (line) => void lines.push(line) };

beforeEach(() => {
  sqsMock.reset();
  lines.length = 0;
  sqsMock.on(GetQueueAttributesCommand, { QueueUrl: DLQ }).resolves({ Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:123456789012:webhooks-sully-dlq' } });
  sqsMock.on(GetQueueAttributesCommand, { QueueUrl: QUEUE }).resolves({ Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:123456789012:webhooks-sully' } });
  sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [] });
  sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({ Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `copy-${e.Id}` })) }));
  sqsMock.on(DeleteMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({ Successful: input.Entries.map((e) => ({ Id: e.Id })) }));
});

describe('ops dlq redrive: the fallback only when the move task never started', () => {
  it('an error while polling a started move task is reported, and nothing is moved by hand', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [message('m1', 'k1'), message('m2', 'k2')] }).resolves({ Messages: [] });
    sqsMock.on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [] }) // no task running: start one
      .rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });

    const result = await redrive(sqs, options);

    expect(result).toMatchObject({ method: 'move-task', taskStarted: true, failed: 0 });
    expect(result.problem).toMatch(/^the SQS message move task started, but following it failed \(TimeoutError: socket hang up\): it may still be moving messages\. Nothing was moved by hand/);
    expect(result.fallbackReason).toBeUndefined();
    expect(sqsMock.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(1);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
    // The messages it read before starting, to recognize them if they come back.
    expect(result.moves.messages).toEqual([{ dedupeKey: 'k1' }, { dedupeKey: 'k2' }]);
  });

  it('StartMessageMoveTask refused (no task started): receive, send, delete, with the reason', async () => {
    sqsMock.on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message('m1', 'k1')] }) // the read before the move task
      .resolvesOnce({ Messages: [] })
      .resolvesOnce({ Messages: [message('m1', 'k1')] }) // the fallback's receive
      .resolves({ Messages: [] });
    sqsMock.on(ListMessageMoveTasksCommand).resolves({ Results: [] });
    sqsMock.on(StartMessageMoveTaskCommand).rejects(Object.assign(new Error('not supported'), { name: 'UnsupportedOperation' }));

    const result = await redrive(sqs, options);

    expect(result).toMatchObject({ method: 'receive-send-delete', moved: 1, failed: 0 });
    expect(result.taskStarted).toBeUndefined();
    expect(result.fallbackReason).toBe('StartMessageMoveTask is not available here (UnsupportedOperation)');
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
    expect(result.moves).toEqual({ messages: [{ dedupeKey: 'k1', copyId: 'copy-0' }], ignoreIds: ['m1'] });
  });

  it('a failing ListMessageMoveTasks before any task started still falls back', async () => {
    sqsMock.on(ListMessageMoveTasksCommand).rejects(Object.assign(new Error('unknown operation'), { name: 'UnknownOperationException' }));
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [message('m1', 'k1')] }).resolves({ Messages: [] });

    const result = await redrive(sqs, options);

    expect(result).toMatchObject({ method: 'receive-send-delete', moved: 1 });
    expect(sqsMock.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
  });
});

describe('ops dlq list: receive counts that a listing does not change', () => {
  it("reports SQS's count before the read, and the processor's receiveCount attribute, which no read changes", async () => {
    sqsMock.on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message('m1', 'k1', { receiveCount: '2', sqsCount: '5' }), message('m2', 'k2', { sqsCount: '30' })] })
      .resolves({ Messages: [] });

    const { messages, released } = await peekMessages(sqs, DLQ, { max: 100, visibilitySeconds: 20, waitSeconds: 0 });

    expect(released).toBe(true);
    expect(messages.map(({ messageId, receiveCount, queueReceiveCount }) => ({ messageId, receiveCount, queueReceiveCount }))).toEqual([
      { messageId: 'm1', receiveCount: 4, queueReceiveCount: 2 },
      { messageId: 'm2', receiveCount: 29, queueReceiveCount: undefined },
    ]);
    // Made visible again at once.
    const release = sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)[0]!.args[0].input;
    expect(release.Entries?.map((e) => e.VisibilityTimeout)).toEqual([0, 0]);
  });
});

describe('ops dlq redrive: watching the moved messages', () => {
  it('recognizes a moved event back in the DLQ by its dedupe key (new message id), not the original left behind', async () => {
    sqsMock.on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message('m1', 'k1')] }) // the original whose delete failed: not a return
      .resolvesOnce({ Messages: [] })
      .resolvesOnce({ Messages: [message('m1', 'k1'), message('new-id', 'k2', { failureClass: 'transient' })] })
      .resolves({ Messages: [] });
    const asked: string[][] = [];

    const watch = await watchRedriven(sqs, {
      deadLetterQueueUrl: DLQ,
      moves: { messages: [{ dedupeKey: 'k1', copyId: 'c1' }, { dedupeKey: 'k2', copyId: 'c2' }, { dedupeKey: 'k3', copyId: 'c3' }], ignoreIds: ['m1'] },
      seconds: 1,
      pollMs: 1,
      waitSeconds: 0,
      processed: async (keys) => {
        asked.push([...keys]);
        return new Set(asked.length >= 2 ? ['k1'] : []);
      },
    });

    expect(watch).toMatchObject({ tracked: 3, processed: 1, pending: 1 });
    expect(watch.back).toEqual([{ messageId: 'new-id', dedupeKey: 'k2', eventType: 'note.created', failureClass: 'transient', failureReason: 'DrillError' }]);
    expect(watch.seconds).toBeGreaterThanOrEqual(1);
  });

  it('ends as soon as every moved event is processed', async () => {
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [] });
    const started = Date.now();

    const watch = await watchRedriven(sqs, {
      deadLetterQueueUrl: DLQ, moves: { messages: [{ dedupeKey: 'k1' }], ignoreIds: [] }, seconds: 60, pollMs: 1, waitSeconds: 0,
      processed: async (keys) => new Set(keys),
    });

    expect(watch).toEqual({ seconds: expect.any(Number), tracked: 1, back: [], processed: 1, pending: 0 });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
