/**
 * local/queue-keeper.ts: the local queues survive a restart of `npm start`. Against the runner's own SQS
 * stand-in (no stack start): messages queued, in flight (received, not deleted: a processor's backoff) and
 * dead-lettered are written at stop to a file only its owner can read, and come back at the next start in
 * the same queues, with their message attributes and their age; the inventory reports depth and age.
 */
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { queueName, queuesFile, restoreQueues, saveQueues } from '../../../local/queue-keeper.ts';
import { clientConfig, createProviderQueues, startSqs } from '../../../local/stand-ins.ts';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function sqsWithQueues() {
  const sqs = await startSqs();
  stops.push(sqs.stop);
  const queues = await createProviderQueues(sqs.endpoint, 'sully', { maxReceiveCount: 2, visibilityTimeoutSeconds: 30 });
  const client = new SQSClient(clientConfig(sqs.endpoint));
  stops.push(async () => client.destroy());
  const urls = new Map([queues.queueUrl, queues.deadLetterQueueUrl].map((url) => [queueName(url), url]));
  return { sqs, queues, client, urls };
}

describe('local queues across a restart', () => {
  it('keeps queued, in-flight and dead-lettered messages with their attributes and age; restores them once', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'queue-keeper-'));
    const first = await sqsWithQueues();
    const attrs = { dedupeKey: { DataType: 'String', StringValue: 'k-1' } };
    for (const body of ['{"n":1}', '{"n":2}']) await first.client.send(new SendMessageCommand({ QueueUrl: first.queues.queueUrl, MessageBody: body, MessageAttributes: attrs }));
    await first.client.send(new SendMessageCommand({ QueueUrl: first.queues.deadLetterQueueUrl, MessageBody: '{"dead":true}', MessageAttributes: { failureClass: { DataType: 'String', StringValue: 'transient' } } }));
    // One message in flight, as a processor leaves a failed one (its visibility set to a backoff).
    const received = await first.client.send(new ReceiveMessageCommand({ QueueUrl: first.queues.queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 600 }));
    expect(received.Messages).toHaveLength(1);
    const queue = queueName(first.queues.queueUrl);
    const dlq = queueName(first.queues.deadLetterQueueUrl);
    expect(first.sqs.inventory.stats(queue)).toMatchObject({ messages: 2, inFlight: 1 });
    const oldest = first.sqs.inventory.stats(queue).oldestSentAt!;
    expect(Date.now() - oldest).toBeLessThan(10_000);

    const kept = saveQueues(stateDir, first.sqs.inventory, [...first.urls.keys()]);

    expect(kept).toMatchObject({ total: 3, counts: { [queue]: 2, [dlq]: 1 } });
    expect(statSync(queuesFile(stateDir)).mode & 0o777).toBe(0o600);
    await first.sqs.stop();
    stops.length = 0;
    first.client.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));

    const second = await sqsWithQueues();
    const restored = await restoreQueues(stateDir, second.sqs.endpoint, second.sqs.inventory, second.urls);

    expect(restored).toMatchObject({ total: 3, counts: { [queue]: 2, [dlq]: 1 } });
    expect(existsSync(queuesFile(stateDir))).toBe(false);
    // Their age survives: the oldest message is as old as before the restart.
    expect(second.sqs.inventory.stats(queue)).toMatchObject({ messages: 2, inFlight: 0, oldestSentAt: oldest });
    const back = await second.client.send(new ReceiveMessageCommand({ QueueUrl: second.queues.queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
    expect(back.Messages?.map((m) => m.Body).sort()).toEqual(['{"n":1}', '{"n":2}']);
    expect(back.Messages?.[0]?.MessageAttributes?.['dedupeKey']?.StringValue).toBe('k-1');
    const dead = await second.client.send(new ReceiveMessageCommand({ QueueUrl: second.queues.deadLetterQueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
    expect(dead.Messages?.map((m) => [m.Body, m.MessageAttributes?.['failureClass']?.StringValue])).toEqual([['{"dead":true}', 'transient']]);

    // A second start finds nothing to restore.
    expect((await restoreQueues(stateDir, second.sqs.endpoint, second.sqs.inventory, second.urls)).total).toBe(0);
  });

  it('empty queues leave no file; a deleted message and a redrive to the DLQ are followed', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'queue-keeper-'));
    const { sqs, queues, client, urls } = await sqsWithQueues();
    await client.send(new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: 'x' }));
    const got = await client.send(new ReceiveMessageCommand({ QueueUrl: queues.queueUrl, MaxNumberOfMessages: 1 }));
    const { DeleteMessageCommand } = await import('@aws-sdk/client-sqs');
    await client.send(new DeleteMessageCommand({ QueueUrl: queues.queueUrl, ReceiptHandle: got.Messages![0]!.ReceiptHandle! }));
    expect(sqs.inventory.stats(queueName(queues.queueUrl))).toEqual({ messages: 0, inFlight: 0 });

    expect(saveQueues(stateDir, sqs.inventory, [...urls.keys()]).total).toBe(0);
    expect(existsSync(queuesFile(stateDir))).toBe(false);

    // Redrive (maxReceiveCount 2, visibility 1 s): the message leaves the queue for the DLQ, same id.
    await client.send(new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: 'y' }));
    for (let i = 0; i < 2; i++) {
      await client.send(new ReceiveMessageCommand({ QueueUrl: queues.queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 1 }));
      await new Promise((resolve) => setTimeout(resolve, 1_300));
    }
    expect(sqs.inventory.stats(queueName(queues.queueUrl)).messages).toBe(0);
    expect(sqs.inventory.stats(queueName(queues.deadLetterQueueUrl)).messages).toBe(1);
    const kept = saveQueues(stateDir, sqs.inventory, [...urls.keys()]);
    expect(kept.counts).toEqual({ [queueName(queues.deadLetterQueueUrl)]: 1 });
    expect(readFileSync(queuesFile(stateDir), 'utf8')).toContain('"body":"y"');
  });
});
