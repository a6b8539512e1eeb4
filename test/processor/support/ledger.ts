/** Reading and seeding the ledger table the way the verifier and ops see it. */
import { GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { eventKey, stateKey } from '../../../lambdas/contract/ledger-keys.ts';
import type { Envelope } from '../../../lambdas/contract/envelope.ts';

export type Item = Record<string, AttributeValue>;

/** `attempts` counts processing attempts only (the verifier counts its claims in `claims`). */
export const attemptsAfter = (n: number): string => String(n);

/** The entry the verifier leaves behind after a successful enqueue (status `enqueued`). */
export async function seedEnqueuedEntry(client: DynamoDBClient, table: string, envelope: Envelope): Promise<void> {
  const { pk, sk } = eventKey(envelope.provider, envelope.dedupeKey);
  await client.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        pk: { S: pk },
        sk: { S: sk },
        provider: { S: envelope.provider },
        dedupeKey: { S: envelope.dedupeKey },
        eventType: { S: envelope.eventType },
        status: { S: 'enqueued' },
        bodySha256: { S: envelope.bodySha256 },
        receivedAt: { S: envelope.receivedAt },
        enqueuedAt: { S: envelope.receivedAt },
        claimToken: { S: 'claim-token' },
        leaseUntil: { N: String(Date.now() + 30_000) },
        messageId: { S: 'verifier-message-id' },
        claims: { N: '1' },
        expiresAt: { N: String(Math.floor(Date.now() / 1000) + 86_400) },
      },
    }),
  );
}

export async function ledgerEntry(client: DynamoDBClient, table: string, provider: string, dedupeKey: string): Promise<Item | undefined> {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: table, Key: toKey(eventKey(provider, dedupeKey)), ConsistentRead: true }),
  );
  return Item;
}

export async function stateRecord(
  client: DynamoDBClient, table: string, provider: string, resourceType: string, resourceId: string,
): Promise<Item | undefined> {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: table, Key: toKey(stateKey(provider, resourceType, resourceId)), ConsistentRead: true }),
  );
  return Item;
}

/** Every state record of one provider and resource type. */
export async function stateRecords(client: DynamoDBClient, table: string, provider: string, resourceType: string): Promise<Item[]> {
  const { Items } = await client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: stateKey(provider, resourceType, '-').pk } },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

function toKey({ pk, sk }: { pk: string; sk: string }): Item {
  return { pk: { S: pk }, sk: { S: sk } };
}
