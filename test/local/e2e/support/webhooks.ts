/**
 * Signed webhook requests for the end-to-end tests, and reads of the local stack's ledger and queues.
 * Requests are the `ops send` samples signed with lambdas/domain/signing.ts: these tests prove the pipeline
 * end to end (the verification itself is proven against independent signers in test/domain).
 */
import { DynamoDBClient, GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { deriveKey } from '../../../../lambdas/domain/keys.ts';
import type { Provider } from '../../../../lambdas/domain/provider.ts';
import { findProvider } from '../../../../providers/index.ts';
import { signRequest } from '../../../../lambdas/domain/signing.ts';
import { verify } from '../../../../lambdas/domain/verification.ts';
import { eventKey } from '../../../../lambdas/contract/ledger-keys.ts';
import { sampleEvent, type SampleOptions } from '../../../../ops/samples.ts';
import type { RuntimeInfo } from '../../../../local/runtime-files.ts';

export function provider(id: string): Provider {
  const found = findProvider(id);
  if (!found) throw new Error(`unknown provider ${id}`);
  return found;
}

export interface SignedRequest {
  readonly providerId: string;
  readonly eventType: string;
  readonly dedupeKey: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** The signature header's value: must never appear in any output. */
  readonly signature: string;
}

export interface RequestOptions extends SampleOptions {
  readonly eventType?: string;
  /** Unix seconds the request is signed at. @default now */
  readonly timestamp?: number;
  /** @default application/json */
  readonly contentType?: string;
  /** Replace the body after sampling (e.g. to exceed the size limit), still signed correctly. */
  readonly body?: Buffer;
}

export function signedRequest(providerId: string, secret: string, options: RequestOptions = {}): SignedRequest {
  const p = provider(providerId);
  const sample = sampleEvent(p, options.eventType, { ...(options.note ? { note: options.note } : {}), ...(options.padBytes ? { padBytes: options.padBytes } : {}) });
  const body = options.body ?? sample.body;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signed = signRequest(p, secret, body, { timestamp, ...(sample.headerEventType ? { eventType: sample.headerEventType } : {}) });
  const verdict = verify(p, signed, body, { current: deriveKey(p, secret) }, timestamp);
  return {
    providerId,
    eventType: sample.eventType,
    dedupeKey: verdict.ok ? verdict.dedupeKey : `unverifiable-${randomUUID()}`,
    headers: { ...signed, 'content-type': options.contentType ?? 'application/json' },
    body,
    signature: signed[p.signatureHeader] ?? '',
  };
}

export interface Answer {
  readonly status: number;
  readonly json: Record<string, string>;
}

export async function post(baseUrl: string, path: string, headers: Record<string, string>, body: Buffer | string): Promise<Answer> {
  const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(20_000) });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, string>) : {} };
}

export function send(baseUrl: string, request: SignedRequest): Promise<Answer> {
  return post(baseUrl, `/webhooks/${request.providerId}`, request.headers, request.body);
}

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
// The SDK is pinned: its notice that future releases need node 22 is noise in the test output.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

export class LocalAws {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;

  constructor(private readonly runtime: RuntimeInfo) {
    this.dynamodb = new DynamoDBClient({ endpoint: runtime.endpoints.dynamodb, region: runtime.region, credentials: CREDENTIALS });
    this.sqs = new SQSClient({ endpoint: runtime.endpoints.sqs, region: runtime.region, credentials: CREDENTIALS });
  }

  async ledgerEntry(providerId: string, dedupeKey: string): Promise<Record<string, AttributeValue> | undefined> {
    const { pk, sk } = eventKey(providerId, dedupeKey);
    const out = await this.dynamodb.send(new GetItemCommand({ TableName: this.runtime.table, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }));
    return out.Item;
  }

  /** Resolves the entry once its status is `status`. */
  async entryWithStatus(providerId: string, dedupeKey: string, status: string): Promise<Record<string, AttributeValue> | undefined> {
    const item = await this.ledgerEntry(providerId, dedupeKey);
    return item?.status?.S === status ? item : undefined;
  }

  /** Visible + in flight + delayed messages. */
  async depth(queueUrl: string): Promise<number> {
    const out = await this.sqs.send(new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }));
    const a = out.Attributes ?? {};
    return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
  }

  /** The message attributes (never the body) of the messages in a DLQ. */
  async deadLetterAttributes(providerId: string): Promise<Record<string, string>[]> {
    const out = await this.sqs.send(new ReceiveMessageCommand({
      QueueUrl: this.runtime.providers[providerId]!.deadLetterQueueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 1,
      MessageAttributeNames: ['All'],
    }));
    return (out.Messages ?? []).map((m) => Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? ''])));
  }

  destroy(): void {
    this.dynamodb.destroy();
    this.sqs.destroy();
  }
}
