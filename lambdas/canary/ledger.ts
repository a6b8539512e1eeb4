/**
 * The canary's one ledger read: its event's entry by dedupe key (lambdas/contract/ledger-keys.ts), a
 * consistent GetItem of the attributes run-canary.ts reports. The canary's role may read only the
 * `EVT#canary#<shard>` partitions (dynamodb:LeadingKeys, lib/constructs/synthetic-canary.ts).
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readLedgerFields } from '../contract/ledger-entry.ts';
import { eventKey } from '../contract/ledger-keys.ts';
import { CANARY_PROVIDER_ID } from '../../providers/canary/declaration.ts';
import type { CanaryLedgerEntry } from './run-canary.ts';

const STRINGS = ['status', 'receivedAt', 'enqueuedAt', 'processedAt', 'outcome', 'lastError'] as const;
const NUMBERS = ['attempts'] as const;
const FIELDS = [...STRINGS, ...NUMBERS] as const;

export async function readCanaryEntry(client: DynamoDBClient, table: string, dedupeKey: string): Promise<CanaryLedgerEntry | undefined> {
  const { pk, sk } = eventKey(CANARY_PROVIDER_ID, dedupeKey);
  const out = await client.send(new GetItemCommand({
    TableName: table,
    Key: { pk: { S: pk }, sk: { S: sk } },
    ConsistentRead: true,
    ProjectionExpression: FIELDS.map((f) => `#${f}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(FIELDS.map((f) => [`#${f}`, f])),
  }));
  return out.Item ? (readLedgerFields(out.Item, STRINGS, NUMBERS) as CanaryLedgerEntry) : undefined;
}
