/**
 * What each local-aws-sqs queue holds, seen from inside the process that runs it: SQS's API cannot show a
 * queue's in-flight messages without waiting out their visibility, nor the age of its oldest message
 * (deployed, that is CloudWatch's ApproximateAgeOfOldestMessage). The local runner uses this to report
 * queue age (`ops status --local`) and to keep the queues across a restart (a snapshot at stop, restored at
 * start). local-aws-sqs keeps its messages in a private array; every message enters through the queue's
 * `newRecord` and leaves through `delete`, a redrive to the DLQ (which re-adds it there under the same
 * MessageId), a purge or its retention period, which is what this follows.
 */
import { messageIdOf } from './sqs-visibility.ts';

/** A message as local-aws-sqs keeps it (the fields used here). */
interface Entry {
  visible: boolean;
  record: {
    MessageId: string;
    MessageBody: string;
    ReceiptHandle?: string;
    MessageAttributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: unknown }>;
    attributes: { SentTimestamp: string; ApproximateReceiveCount: string };
  };
}

interface LocalQueue {
  QueueName: string;
  MessageRetentionPeriod: number;
  newRecord: (record: Entry['record'], delay?: number) => Entry;
  delete(receiptHandle: string): boolean;
  clearRecords(): void;
  changeVisibility(receiptHandle: string, visibilityTimeout: unknown): boolean;
}

export interface QueueStats {
  /** Messages in the queue, in flight included. */
  readonly messages: number;
  readonly inFlight: number;
  /** SentTimestamp (epoch ms) of the oldest message, when there is one. */
  readonly oldestSentAt?: number;
}

/** A message as kept across a restart: its body and attributes, as sent. */
export interface KeptMessage {
  readonly body: string;
  readonly attributes?: Record<string, { DataType: string; StringValue?: string }>;
  readonly sentAt: number;
  readonly receiveCount: number;
}

export class QueueInventory {
  readonly #queues = new Map<string, { queue: LocalQueue; entries: Map<string, Entry> }>();

  /** Follows every queue the service creates from now on. */
  static follow(service: { Queues: unknown[] }): QueueInventory {
    const inventory = new QueueInventory();
    const queues = service.Queues;
    const push = queues.push.bind(queues);
    queues.push = (...added: unknown[]) => {
      for (const queue of added) inventory.#track(queue as LocalQueue);
      return push(...added);
    };
    return inventory;
  }

  #track(queue: LocalQueue): void {
    const entries = new Map<string, Entry>();
    this.#queues.set(queue.QueueName, { queue, entries });
    const newRecord = queue.newRecord;
    queue.newRecord = (record, delay) => {
      const entry = newRecord(record, delay);
      // A redrive re-adds the message to the DLQ under its MessageId: it left the source queue.
      for (const other of this.#queues.values()) other.entries.delete(record.MessageId);
      entries.set(record.MessageId, entry);
      return entry;
    };
    const remove = queue.delete.bind(queue);
    queue.delete = (receiptHandle) => {
      const id = messageIdOf(receiptHandle);
      const removed = remove(receiptHandle);
      if (id !== undefined) entries.delete(id);
      return removed;
    };
    const clear = queue.clearRecords.bind(queue);
    queue.clearRecords = () => {
      clear();
      entries.clear();
    };
  }

  /** The live entries of a queue (past their retention period: gone). */
  #live(name: string): Entry[] {
    const tracked = this.#queues.get(name);
    if (!tracked) return [];
    const oldest = Date.now() - tracked.queue.MessageRetentionPeriod * 1000;
    for (const [id, entry] of tracked.entries) if (Number(entry.record.attributes.SentTimestamp) < oldest) tracked.entries.delete(id);
    return [...tracked.entries.values()];
  }

  stats(name: string): QueueStats {
    const live = this.#live(name);
    const sent = live.map((e) => Number(e.record.attributes.SentTimestamp)).filter(Number.isFinite);
    return {
      messages: live.length,
      inFlight: live.filter((e) => !e.visible).length,
      ...(sent.length > 0 ? { oldestSentAt: Math.min(...sent) } : {}),
    };
  }

  /** Every message of the queue, in flight included, oldest first: for a snapshot at stop (nothing changes). */
  messages(name: string): KeptMessage[] {
    return this.#live(name)
      .map((e) => ({
        body: e.record.MessageBody,
        ...(e.record.MessageAttributes && Object.keys(e.record.MessageAttributes).length > 0
          ? { attributes: Object.fromEntries(Object.entries(e.record.MessageAttributes).map(([k, v]) => [k, { DataType: v.DataType, ...(v.StringValue !== undefined ? { StringValue: v.StringValue } : {}) }])) }
          : {}),
        sentAt: Number(e.record.attributes.SentTimestamp),
        receiveCount: Number(e.record.attributes.ApproximateReceiveCount) || 0,
      }))
      .sort((a, b) => a.sentAt - b.sentAt);
  }

  /** Sets a restored message's SentTimestamp back to when it was first sent (its age survives the restart). */
  backdate(name: string, messageId: string, sentAt: number): void {
    const entry = this.#queues.get(name)?.entries.get(messageId);
    if (entry && Number.isFinite(sentAt)) entry.record.attributes.SentTimestamp = String(sentAt);
  }
}
