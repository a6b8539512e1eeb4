/**
 * The ledger table as lib/constructs/event-ledger.ts declares it (pk/sk strings, on demand, the time index
 * byReceivedAt), created on a stand-in. One definition for the local runner and the tests.
 */
import {
  BatchWriteItemCommand, CreateTableCommand, DeleteTableCommand, DescribeTableCommand, ScanCommand, type AttributeValue, type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { LEDGER_TIME_ATTRIBUTE, LEDGER_TIME_INDEX, LEDGER_TIME_INDEX_ATTRIBUTES } from '../../lambdas/contract/ledger-keys.ts';

export async function createLedgerTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: LEDGER_TIME_ATTRIBUTE, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [{
        IndexName: LEDGER_TIME_INDEX,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: LEDGER_TIME_ATTRIBUTE, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...LEDGER_TIME_INDEX_ATTRIBUTES] },
      }],
    }),
  );
  for (let i = 0; i < 200; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

/** True when the table already has the time index (a table persisted by an earlier local run may not). */
export async function hasTimeIndex(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return (Table?.GlobalSecondaryIndexes ?? []).some((index) => index.IndexName === LEDGER_TIME_INDEX);
}

/**
 * Gives a table persisted by an earlier local run the time index. dynalite cannot add a GSI to an existing
 * table (UpdateTable only changes throughput there; DynamoDB itself backfills in place), so the items are
 * read, the table re-created with the index, and the items written back: local data only, never a deployed
 * table. Returns the number of items carried over.
 */
export async function addTimeIndexLocally(client: DynamoDBClient, tableName: string): Promise<number> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(new ScanCommand({ TableName: tableName, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  for (let i = 0; i < 200; i++) {
    try {
      await client.send(new DescribeTableCommand({ TableName: tableName }));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') break;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await createLedgerTable(client, tableName);
  for (let i = 0; i < items.length; i += 25) {
    let pending: Record<string, AttributeValue>[] = items.slice(i, i + 25);
    while (pending.length > 0) {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } }));
      pending = (out.UnprocessedItems?.[tableName] ?? []).map((r) => r.PutRequest!.Item!);
    }
  }
  return items.length;
}
