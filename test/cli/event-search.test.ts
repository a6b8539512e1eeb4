/**
 * ops/event-search.ts findEvents, the search behind `ops events` (and `ops replay --since`, `ops status`):
 * the query plan with aws-sdk-client-mock (one Query per shard on the time index, never a Scan, pages read
 * only as the merge needs them, BatchGetItem for the status), and the real index on dynalite, fed by the
 * verifier's claim and by the processor's writes (including an entry it creates when the claim was bypassed).
 */
import {
  BatchGetItemCommand, DynamoDBClient, PutItemCommand, QueryCommand, ScanCommand, UpdateItemCommand, type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventKey, LEDGER_TIME_INDEX } from '../../lambdas/contract/ledger-keys.ts';
import { markFailedRequest, markProcessedRequest } from '../../lambdas/processor/processing-ledger.ts';
import { ClaimLedger } from '../../lambdas/verifier/claim-ledger.ts';
import { findEvents, shardQuery } from '../../ops/event-search.ts';
import { NotFound } from '../../ops/stack.ts';
import { addTimeIndexLocally, hasTimeIndex } from '../../tools/stand-ins/ledger-table.ts';
import { adminClientConfig, createLedgerTable, startDynalite, type StandIn } from '../support/stand-ins.ts';

type Item = Record<string, AttributeValue>;
const TABLE = 'ledger';
const T0 = Date.parse('2026-12-07T15:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('findEvents query plan (mocked DynamoDB)', () => {
  const ddb = mockClient(DynamoDBClient);
  /** Index items per pk, in receivedAt order, and table items by key. */
  let index: Map<string, Item[]>;
  let tableItems: Map<string, Item>;

  function add(n: number, status: string, type = 'note.created'): void {
    const dedupeKey = `evt-${String(n).padStart(4, '0')}`;
    const { pk } = eventKey('sully', dedupeKey);
    const receivedAt = iso(T0 + n * 1_000);
    const list = index.get(pk) ?? [];
    list.push({ pk: { S: pk }, sk: { S: dedupeKey }, receivedAt: { S: receivedAt }, eventType: { S: type } });
    list.sort((a, b) => a['receivedAt']!.S!.localeCompare(b['receivedAt']!.S!));
    index.set(pk, list);
    tableItems.set(`${pk}|${dedupeKey}`, {
      pk: { S: pk }, sk: { S: dedupeKey }, dedupeKey: { S: dedupeKey }, eventType: { S: type }, status: { S: status }, receivedAt: { S: receivedAt },
    });
  }

  beforeEach(() => {
    ddb.reset();
    index = new Map();
    tableItems = new Map();
    ddb.on(QueryCommand).callsFake((input) => {
      const values = input.ExpressionAttributeValues as Item;
      let items = [...(index.get(values[':pk']!.S!) ?? [])];
      if (values[':since']) items = items.filter((i) => i['receivedAt']!.S! >= values[':since']!.S!);
      if (values[':until']) items = items.filter((i) => i['receivedAt']!.S! <= values[':until']!.S!);
      if (input.ScanIndexForward === false) items.reverse();
      const start = input.ExclusiveStartKey ? items.findIndex((i) => i['sk']!.S === input.ExclusiveStartKey.sk.S) + 1 : 0;
      const page = items.slice(start, start + input.Limit);
      const more = start + input.Limit < items.length;
      const filtered = values[':type'] ? page.filter((i) => i['eventType']!.S === values[':type']!.S) : page;
      return { Items: filtered, ...(more ? { LastEvaluatedKey: page[page.length - 1] } : {}) };
    });
    ddb.on(BatchGetItemCommand).callsFake((input) => {
      const keys = input.RequestItems[TABLE].Keys as Item[];
      return { Responses: { [TABLE]: keys.map((k) => tableItems.get(`${k['pk']!.S}|${k['sk']!.S}`)).filter(Boolean) } };
    });
  });
  afterAll(() => ddb.restore());

  it('queries the time index of each of the 16 shards with the window as the key condition, never a Scan', async () => {
    for (let n = 0; n < 40; n++) add(n, n % 4 === 0 ? 'failed' : 'processed');

    const found = await findEvents(new DynamoDBClient({ region: 'us-east-1' }), TABLE, {
      provider: 'sully', since: T0 + 10_000, until: T0 + 29_000, status: 'failed',
    });

    expect(found.events.map((e) => e.dedupeKey)).toEqual(['evt-0012', 'evt-0016', 'evt-0020', 'evt-0024', 'evt-0028']);
    expect(found.events.every((e) => e.status === 'failed')).toBe(true);
    expect(ddb.commandCalls(ScanCommand)).toHaveLength(0);
    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries).toHaveLength(16);
    expect(new Set(queries.map((q) => (q.ExpressionAttributeValues as Item)[':pk']!.S))).toEqual(new Set(Array.from({ length: 16 }, (_, i) => `EVT#sully#${i.toString(16)}`)));
    for (const q of queries) {
      expect(q).toMatchObject({
        TableName: TABLE, IndexName: LEDGER_TIME_INDEX, KeyConditionExpression: 'pk = :pk AND #t BETWEEN :since AND :until',
        ExpressionAttributeNames: { '#t': 'receivedAt' }, ScanIndexForward: true,
      });
      expect((q.ExpressionAttributeValues as Item)[':since']).toEqual({ S: iso(T0 + 10_000) });
      expect((q.ExpressionAttributeValues as Item)[':until']).toEqual({ S: iso(T0 + 29_000) });
    }
    // The 20 candidates of the window, fetched for their status in one BatchGetItem.
    expect(found.examined).toBe(20);
    expect(ddb.commandCalls(BatchGetItemCommand)).toHaveLength(1);
  });

  it('--newest --limit merges the shards newest first and stops early: one BatchGetItem of just the limit', async () => {
    for (let n = 0; n < 300; n++) add(n, 'processed');

    const found = await findEvents(new DynamoDBClient({ region: 'us-east-1' }), TABLE, { provider: 'sully', newest: true, limit: 3 });

    expect(found.events.map((e) => e.dedupeKey)).toEqual(['evt-0299', 'evt-0298', 'evt-0297']);
    expect(found.truncated).toBe(true);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(16);
    expect(ddb.commandCalls(QueryCommand).every((c) => c.args[0].input.ScanIndexForward === false && c.args[0].input.KeyConditionExpression === 'pk = :pk')).toBe(true);
    const batch = ddb.commandCalls(BatchGetItemCommand);
    expect(batch).toHaveLength(1);
    expect(batch[0]!.args[0].input.RequestItems![TABLE]!.Keys).toHaveLength(3);
  });

  it('oldest first across pages of every shard, in exact time order', async () => {
    for (let n = 0; n < 2_500; n++) add(n, 'processed');

    const found = await findEvents(new DynamoDBClient({ region: 'us-east-1' }), TABLE, { provider: 'sully', since: iso(T0) });

    expect(found.events).toHaveLength(2_500);
    expect(found.events.map((e) => e.dedupeKey)).toEqual(Array.from({ length: 2_500 }, (_, n) => `evt-${String(n).padStart(4, '0')}`));
    expect(found.truncated).toBe(false);
    // ~156 items per shard: two pages each.
    expect(ddb.commandCalls(QueryCommand).length).toBeGreaterThanOrEqual(32);
    expect(ddb.commandCalls(ScanCommand)).toHaveLength(0);
  });

  it('--type is a FilterExpression on the projected eventType', async () => {
    for (let n = 0; n < 20; n++) add(n, 'processed', n % 2 ? 'note.created' : 'note.deleted');

    const found = await findEvents(new DynamoDBClient({ region: 'us-east-1' }), TABLE, { provider: 'sully', type: 'note.deleted', until: '2099-01-01' });

    expect(found.events).toHaveLength(10);
    expect(found.events.every((e) => e.eventType === 'note.deleted')).toBe(true);
    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toMatchObject({
      KeyConditionExpression: 'pk = :pk AND #t <= :until', FilterExpression: '#type = :type', ExpressionAttributeNames: { '#t': 'receivedAt', '#type': 'eventType' },
    });
  });

  it('retries BatchGetItem unprocessed keys', async () => {
    for (let n = 0; n < 5; n++) add(n, 'failed');
    const all = [...tableItems.values()];
    ddb.on(BatchGetItemCommand)
      .resolvesOnce({ Responses: { [TABLE]: all.slice(0, 2) }, UnprocessedKeys: { [TABLE]: { Keys: all.slice(2).map((i) => ({ pk: i['pk']!, sk: i['sk']! })) } } })
      .resolvesOnce({ Responses: { [TABLE]: all.slice(2) } });

    const found = await findEvents(new DynamoDBClient({ region: 'us-east-1' }), TABLE, { provider: 'sully', status: 'failed' });

    expect(found.events).toHaveLength(5);
    expect(ddb.commandCalls(BatchGetItemCommand)).toHaveLength(2);
  });

  it('a table without the index (a stack not yet updated) is a NotFound that says to deploy', async () => {
    ddb.on(QueryCommand).rejects(Object.assign(new Error('The table does not have the specified index: byReceivedAt'), { name: 'ValidationException' }));

    await expect(findEvents(new DynamoDBClient({ region: 'us-east-1' }), TABLE, { provider: 'sully' })).rejects.toThrow(NotFound);
    await expect(findEvents(new DynamoDBClient({ region: 'us-east-1' }), TABLE, { provider: 'sully' })).rejects.toThrow(/no byReceivedAt index yet: deploy this version/);
  });

  it('shardQuery: no time bound, no range condition', () => {
    expect(shardQuery(TABLE, 'EVT#sully#0', { provider: 'sully' })).toEqual({
      TableName: TABLE, IndexName: LEDGER_TIME_INDEX, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'EVT#sully#0' } },
      ScanIndexForward: true, Limit: 100,
    });
  });
});

describe('findEvents on dynalite: the index the verifier and the processor write', () => {
  let dynamo: StandIn;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dynamo = await startDynalite();
    client = new DynamoDBClient(adminClientConfig(dynamo.endpoint));
    await createLedgerTable(client, TABLE);
    const claims = new ClaimLedger(client, TABLE, 30, 30_000);
    const claim = (dedupeKey: string, eventType: string, at: number) =>
      claims.claim({ provider: 'sully', dedupeKey, eventType, bodySha256: 'a'.repeat(64), bodyBytes: 10, now: at });
    // Claimed by the verifier: processed, failed, still in flight.
    await claim('k-processed', 'note.created', T0);
    await client.send(new UpdateItemCommand(markProcessedRequest(TABLE, { provider: 'sully', dedupeKey: 'k-processed', eventType: 'note.created' }, 'applied', new Date(T0 + 500), 30)));
    await claim('k-failed', 'note.deleted', T0 + 1_000);
    await client.send(new UpdateItemCommand(markFailedRequest(TABLE, { provider: 'sully', dedupeKey: 'k-failed', eventType: 'note.deleted' }, { lastError: 'Error: x', failureClass: 'transient' }, new Date(T0 + 1_500), 30)));
    await claim('k-in-flight', 'note.created', T0 + 2_000);
    // The verifier could not reach the ledger: the processor's mark creates the entry, receivedAt from the envelope.
    await client.send(new UpdateItemCommand(markProcessedRequest(TABLE, {
      provider: 'sully', dedupeKey: 'k-bypassed', eventType: 'note.created', bodySha256: 'b'.repeat(64), receivedAt: iso(T0 + 3_000),
    }, 'applied', new Date(T0 + 3_500), 30)));
    // Another provider and a state record: never found for sully.
    await claims.claim({ provider: 'suki', dedupeKey: 'k-other', eventType: 'note.created', bodySha256: 'c'.repeat(64), bodyBytes: 1, now: T0 + 100 });
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'STATE#sully#note' }, sk: { S: 'n1' }, status: { S: 'x' } } }));
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.stop();
  });

  it('finds every entry of the provider in time order, the bypassed one included', async () => {
    const found = await findEvents(client, TABLE, { provider: 'sully' });
    expect(found.events.map((e) => [e.dedupeKey, e.status])).toEqual([
      ['k-processed', 'processed'], ['k-failed', 'failed'], ['k-in-flight', 'received'], ['k-bypassed', 'processed'],
    ]);
  });

  it('--status, --type, the window, --newest and --limit', async () => {
    const keys = async (q: Parameters<typeof findEvents>[2]) => (await findEvents(client, TABLE, q)).events.map((e) => e.dedupeKey);
    expect(await keys({ provider: 'sully', status: 'failed' })).toEqual(['k-failed']);
    expect(await keys({ provider: 'sully', status: 'in-flight' })).toEqual(['k-in-flight']);
    expect(await keys({ provider: 'sully', type: 'note.created', status: 'processed' })).toEqual(['k-processed', 'k-bypassed']);
    expect(await keys({ provider: 'sully', since: T0 + 1_000, until: T0 + 2_000 })).toEqual(['k-failed', 'k-in-flight']);
    expect(await keys({ provider: 'sully', newest: true, limit: 2 })).toEqual(['k-bypassed', 'k-in-flight']);
  });

  it('a table kept from before the index gets it locally, its items carried over', async () => {
    const { CreateTableCommand } = await import('@aws-sdk/client-dynamodb');
    await client.send(new CreateTableCommand({
      TableName: 'old', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    }));
    await new ClaimLedger(client, 'old', 30, 30_000).claim({ provider: 'sully', dedupeKey: 'kept', eventType: 't', bodySha256: 'd'.repeat(64), bodyBytes: 1, now: T0 });
    expect(await hasTimeIndex(client, 'old')).toBe(false);

    expect(await addTimeIndexLocally(client, 'old')).toBe(1);

    expect(await hasTimeIndex(client, 'old')).toBe(true);
    expect((await findEvents(client, 'old', { provider: 'sully' })).events.map((e) => e.dedupeKey)).toEqual(['kept']);
  });
});
