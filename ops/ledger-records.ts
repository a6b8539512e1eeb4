/**
 * One event ledger entry by provider and dedupe key (docs/architecture.md, "Ledger table"), as the on-call
 * commands need it. The ledger never holds a body; the read projects only the attributes used here.
 */
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { eventKey } from '../lambdas/contract/ledger-keys.ts';

export interface LedgerRecord {
  readonly dedupeKey: string;
  readonly eventType?: string;
  readonly status?: string;
  readonly receivedAt?: string;
  readonly enqueuedAt?: string;
  readonly processedAt?: string;
  /** Processing attempts the processor recorded. */
  readonly attempts?: number;
  readonly outcome?: string;
  /** The processor's short error summary (error class and our own message, never a body). */
  readonly lastError?: string;
  /** When processing first failed, where the processor records it (a later ledger version may). */
  readonly firstFailedAt?: string;
  readonly messageId?: string;
  /** S3 key of the body in the claim-check bucket, when the body was too large for the message. */
  readonly claimCheckKey?: string;
  readonly bodySha256?: string;
  /** The signed timestamp of the claimed request (epoch ms), when the provider signs one. */
  readonly signedAt?: number;
  /** The archive object of the event's last delivery (lambdas/processor/archive.ts) and its 0-based line. */
  readonly archiveKey?: string;
  readonly archiveLine?: number;
  /** Times `ops replay` runs re-processed it, and when the last one did. */
  readonly replays?: number;
  readonly lastReplayAt?: string;
  /** When the processor moved it to the DLQ (its last failure). */
  readonly deadLetteredAt?: string;
}

export const RECORD_STRING_FIELDS = [
  'eventType', 'status', 'receivedAt', 'enqueuedAt', 'processedAt', 'outcome', 'lastError', 'firstFailedAt', 'messageId',
  'claimCheckKey', 'bodySha256', 'archiveKey', 'lastReplayAt', 'deadLetteredAt',
] as const;
export const RECORD_NUMBER_FIELDS = ['attempts', 'signedAt', 'archiveLine', 'replays'] as const;

/** The listed attributes of a ledger item, strings and numbers as such; other attributes are not read. */
export function readFields(
  item: Record<string, AttributeValue>, strings: readonly string[] = RECORD_STRING_FIELDS, numbers: readonly string[] = RECORD_NUMBER_FIELDS,
): Record<string, string | number> {
  const record: Record<string, string | number> = {};
  for (const field of strings) {
    const value = item[field]?.S;
    if (value !== undefined) record[field] = value;
  }
  for (const field of numbers) {
    const value = item[field]?.N;
    if (value !== undefined) record[field] = Number(value);
  }
  return record;
}

export function toRecord(dedupeKey: string, item: Record<string, AttributeValue>): LedgerRecord {
  return { dedupeKey, ...readFields(item) } as unknown as LedgerRecord;
}

/** The entry, or undefined when there is none (never received, or expired by TTL). */
export async function readLedgerRecord(client: DynamoDBClient, table: string, providerId: string, dedupeKey: string): Promise<LedgerRecord | undefined> {
  const { pk, sk } = eventKey(providerId, dedupeKey);
  const fields = [...RECORD_NUMBER_FIELDS, ...RECORD_STRING_FIELDS];
  const out = await client.send(new GetItemCommand({
    TableName: table,
    Key: { pk: { S: pk }, sk: { S: sk } },
    ConsistentRead: true,
    ProjectionExpression: fields.map((f) => `#${f}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(fields.map((f) => [`#${f}`, f])),
  }));
  return out.Item ? toRecord(dedupeKey, out.Item) : undefined;
}
