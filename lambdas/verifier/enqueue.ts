/**
 * Puts a verified event on its provider's queue as the envelope of docs/architecture.md; a body too large
 * for an SQS message goes to the claim-check bucket first and the message carries the pointer.
 */
import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { inlineBody, type ClaimCheck, type Envelope } from '../contract/envelope.ts';

export interface EventToEnqueue {
  readonly provider: string;
  readonly queueUrl: string;
  readonly eventType: string;
  readonly dedupeKey: string;
  /** Epoch ms the verifier accepted the request. */
  readonly receivedAt: number;
  readonly signedTimestamp?: string;
  readonly bodySha256: string;
  readonly body: Uint8Array;
  /** Why the event type or dedupe key could not be read (Verified.unrecognized): the processor dead-letters it. */
  readonly unrecognized?: string;
  /** Enqueued without a ledger claim (LedgerBypass). */
  readonly unclaimed?: boolean;
}

export interface Enqueued {
  readonly messageId: string;
  readonly claimCheckKey?: string;
}

export interface OutgoingMessage {
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
}

// SQS accepts only XML characters: U+FFFE/U+FFFF pass JSON.stringify unescaped, so escape them in the JSON;
// anything else outside the set (control characters) can only reach an attribute, where it is replaced.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;
const JSON_UNSAFE_FOR_SQS = /[\ufffe\uffff]/g;

function serialize(envelope: Envelope): string {
  return JSON.stringify(envelope).replace(JSON_UNSAFE_FOR_SQS, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** Attributes let operators list a DLQ without reading bodies; the envelope keeps the exact values. */
function attributes(event: EventToEnqueue): Record<string, MessageAttributeValue> {
  const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value.replace(NOT_XML_CHAR, '\ufffd') });
  return { provider: text(event.provider), eventType: text(event.eventType), dedupeKey: text(event.dedupeKey) };
}

/** SQS counts the body and every attribute's name, type and value against its size limit. */
export function messageBytes(message: OutgoingMessage): number {
  let total = Buffer.byteLength(message.body, 'utf8');
  for (const [name, value] of Object.entries(message.attributes)) {
    total += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  }
  return total;
}

function envelopeOf(event: EventToEnqueue, carrier: Pick<Envelope, 'body' | 'bodyBase64' | 'claimCheck'>): Envelope {
  return {
    v: 1,
    provider: event.provider,
    eventType: event.eventType,
    dedupeKey: event.dedupeKey,
    receivedAt: new Date(event.receivedAt).toISOString(),
    ...(event.signedTimestamp !== undefined ? { signedTimestamp: event.signedTimestamp } : {}),
    ...carrier,
    bodySha256: event.bodySha256,
    ...(event.unrecognized !== undefined ? { unrecognized: event.unrecognized } : {}),
    ...(event.unclaimed ? { unclaimed: true as const } : {}),
  };
}

/** The message with the body inline, as sent whenever it fits under the threshold. */
export function inlineMessage(event: EventToEnqueue): OutgoingMessage {
  return { body: serialize(envelopeOf(event, inlineBody(event.body))), attributes: attributes(event) };
}

export function claimCheckMessage(event: EventToEnqueue, claimCheck: ClaimCheck): OutgoingMessage {
  return { body: serialize(envelopeOf(event, { claimCheck })), attributes: attributes(event) };
}

/** `<provider>/<yyyy-mm-dd>/<sha256 of the dedupe key>`: no PHI in the key, and one object per event and day. */
export function claimCheckKey(provider: string, receivedAt: number, dedupeKey: string): string {
  const day = new Date(receivedAt).toISOString().slice(0, 10);
  return `${provider}/${day}/${createHash('sha256').update(dedupeKey).digest('hex')}`;
}

/**
 * SendMessage failed (or answered without a MessageId): carries the message exactly as it was to be sent, so
 * the verifier can spool it (lambdas/shared/spool.ts). `cause` is the SDK's error, for errorFields only.
 */
export class SendFailed extends Error {
  constructor(
    readonly queueUrl: string,
    readonly outgoing: OutgoingMessage,
    override readonly cause: unknown,
  ) {
    super('SendMessage failed');
    this.name = 'SendFailed';
  }
}

/** Stores a body as the object `key` of the claim-check bucket (claim-check-store.ts). */
export type ClaimCheckStore = (bucket: string, key: string, body: Uint8Array) => Promise<void>;

export class Enqueuer {
  constructor(
    private readonly sqs: SQSClient,
    private readonly storeClaimCheck: ClaimCheckStore,
    private readonly bucket: string,
    private readonly thresholdBytes: number,
  ) {}

  async enqueue(event: EventToEnqueue): Promise<Enqueued> {
    let message = inlineMessage(event);
    let key: string | undefined;
    // JSON escaping can grow a body, so the serialized size decides, not the body's.
    if (messageBytes(message) > this.thresholdBytes) {
      key = claimCheckKey(event.provider, event.receivedAt, event.dedupeKey);
      await this.storeClaimCheck(this.bucket, key, event.body);
      message = claimCheckMessage(event, { bucket: this.bucket, key });
    }
    let messageId: string | undefined;
    try {
      const out = await this.sqs.send(
        new SendMessageCommand({ QueueUrl: event.queueUrl, MessageBody: message.body, MessageAttributes: message.attributes }),
      );
      messageId = out.MessageId;
    } catch (error) {
      throw new SendFailed(event.queueUrl, message, error);
    }
    if (!messageId) throw new SendFailed(event.queueUrl, message, new Error('SendMessage returned no MessageId'));
    return { messageId, ...(key ? { claimCheckKey: key } : {}) };
  }
}
