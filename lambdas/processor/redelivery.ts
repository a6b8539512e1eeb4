/**
 * The processor's two SQS calls, both about the message it is handling: put it back later
 * (ChangeMessageVisibility: the backoff of a transient failure) or move it to this provider's DLQ itself
 * (SendMessage of the original body and attributes, plus why), so that a permanent failure goes there on
 * its first receive and SQS's maxReceiveCount is only the safety net for crashes and timeouts.
 */
import { ChangeMessageVisibilityCommand, SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { FailureClass } from './errors.ts';

/** Why a message is in the DLQ: read by `ops dlq list` and by the processor when it is redriven. */
export const FAILURE_ATTRIBUTES = ['failureClass', 'failureReason', 'receiveCount', 'deadLetteredAt'] as const;
/** SQS allows 10 message attributes; the verifier's 3 ids plus these 4 fit. */
const MAX_MESSAGE_ATTRIBUTES = 10;

export interface DeadLetterReason {
  readonly failureClass: FailureClass;
  /** A safe summary (errors.ts), never body content. */
  readonly reason: string;
  readonly at: Date;
}

/** The record's own attributes as SendMessage takes them (Lambda hands binary values over as base64). */
function originalAttributes(record: SQSRecord): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if ((FAILURE_ATTRIBUTES as readonly string[]).includes(name)) continue; // replaced below, on a second move
    if (value.stringValue !== undefined) attributes[name] = { DataType: value.dataType, StringValue: value.stringValue };
    else if (value.binaryValue !== undefined) attributes[name] = { DataType: value.dataType, BinaryValue: Buffer.from(value.binaryValue, 'base64') };
  }
  return attributes;
}

export function deadLetterMessage(queueUrl: string, record: SQSRecord, why: DeadLetterReason) {
  const own: Record<string, MessageAttributeValue> = {
    failureClass: { DataType: 'String', StringValue: why.failureClass },
    failureReason: { DataType: 'String', StringValue: why.reason },
    receiveCount: { DataType: 'Number', StringValue: String(Number(record.attributes.ApproximateReceiveCount) || 1) },
    deadLetteredAt: { DataType: 'String', StringValue: why.at.toISOString() },
  };
  const kept = Object.entries(originalAttributes(record)).slice(0, MAX_MESSAGE_ATTRIBUTES - Object.keys(own).length);
  return { QueueUrl: queueUrl, MessageBody: record.body, MessageAttributes: { ...Object.fromEntries(kept), ...own } };
}

/** True when the message came back from the DLQ (a redrive): the processor put these attributes on it. */
export function wasDeadLettered(record: SQSRecord): boolean {
  return record.messageAttributes?.['failureClass']?.stringValue !== undefined;
}

export class Redelivery {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string,
  ) {}

  /** The message comes back after `seconds` instead of the queue's fixed visibility timeout. */
  async retryAfter(record: SQSRecord, seconds: number): Promise<void> {
    await this.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds }));
  }

  /** Puts a copy in the DLQ; the caller then reports the record handled, so the event source deletes it. */
  async moveToDeadLetterQueue(record: SQSRecord, why: DeadLetterReason): Promise<void> {
    await this.sqs.send(new SendMessageCommand(deadLetterMessage(this.deadLetterQueueUrl, record, why)));
  }
}
