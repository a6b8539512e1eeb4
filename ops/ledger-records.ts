/**
 * One event ledger entry by provider and dedupe key (docs/architecture.md, "Ledger table"), as the on-call
 * commands need it. The ledger never holds a body; the read projects only the attributes used here.
 */
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readLedgerFields, type LedgerRecord } from '../lambdas/contract/ledger-entry.ts';
import { eventKey } from '../lambdas/contract/ledger-keys.ts';


export const RECORD_STRING_FIELDS = [
  'eventType', 'status', 'receivedAt', 'enqueuedAt', 'processedAt', 'outcome', 'lastError', 'firstFailedAt', 'messageId',
  'claimCheckKey', 'bodySha256', 'archiveKey', 'lastReplayAt', 'deadLetteredAt',
] as const;
export const RECORD_NUMBER_FIELDS = ['attempts', 'signedAt', 'archiveLine', 'replays'] as const;


export function toRecord(dedupeKey: string, item: Record<string, AttributeValue>): LedgerRecord {
  return { dedupeKey, ...readLedgerFields(item, RECORD_STRING_FIELDS, RECORD_NUMBER_FIELDS) } as unknown as LedgerRecord;
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
