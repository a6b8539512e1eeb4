/**
 * Finding a provider's events by time, type and status, for `ops events`, `ops status` and `ops replay
 * --since`: `findEvents(client, table, { provider, since, until, type, status, limit, newest })`.
 *
 * Plan (never a Scan): one Query per ledger shard (`EVT#<provider>#0`..`f`) on the time index
 * (LEDGER_TIME_INDEX, lambdas/contract/ledger-keys.ts) with `receivedAt BETWEEN since AND until`, in time
 * order (descending with `newest`), the event type as a FilterExpression on the projected `eventType`; the
 * sixteen ordered streams are merged by `receivedAt`, fetched a page at a time only as the merge needs them,
 * so `--limit 5 --newest` reads a handful of index items per shard, not the window. The index holds only
 * what never changes after the claim, so the status (and the listed times, attempts, outcome, error) comes
 * from the table: one BatchGetItem per 100 candidates, consistent with what the processor wrote last; the
 * status filter applies to that, until `limit` events matched. Nothing read here holds a body.
 */
import {
  BatchGetItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { eventPartitions, LEDGER_TIME_ATTRIBUTE, LEDGER_TIME_INDEX } from '../lambdas/contract/ledger-keys.ts';
import { UsageError } from './args.ts';
import { readLedgerFields, type LedgerRecord } from '../lambdas/contract/ledger-entry.ts';
import { RECORD_NUMBER_FIELDS, RECORD_STRING_FIELDS } from './ledger-records.ts';
import { NotFound } from './stack.ts';
import { parseTime } from './time-range.ts';

type Item = Record<string, AttributeValue>;

/** What `--status` accepts: a ledger status, or one of the groups below. */
export const STATUS_FILTERS = ['received', 'enqueued', 'spooled', 'processed', 'failed', 'in-flight', 'unrecognized', 'dead-lettered'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

/** `in-flight`: accepted, not processed or failed yet. */
const IN_FLIGHT = new Set(['received', 'enqueued', 'spooled']);

export interface EventQuery {
  readonly provider: string;
  /** Lower bound of `receivedAt`, inclusive: epoch ms, or text ops/time-range.ts reads (ISO 8601, `1h`). */
  readonly since?: number | string | undefined;
  /** Upper bound, inclusive; likewise. */
  readonly until?: number | string | undefined;
  /** Exact event type. */
  readonly type?: string | undefined;
  readonly status?: StatusFilter | undefined;
  /** At most this many events (undefined: all that match). */
  readonly limit?: number | undefined;
  /** Newest first (default: oldest first). */
  readonly newest?: boolean | undefined;
}

/** An event ledger entry as found: the ledger record plus what the search and replay need. */
export interface FoundEvent extends LedgerRecord {
  /** The entry's partition key (`EVT#<provider>#<shard>`); with `dedupeKey` (the sort key), its key. */
  readonly pk: string;
  /** Why the verifier could not read the type or dedupe key (field names only), when it could not. */
  readonly unrecognized?: string;
  readonly failureClass?: string;
  readonly deadLetteredAt?: string;
  /** Written by `ops replay`'s processing, when the entry was replayed. */
  readonly replays?: number;
  readonly lastReplayAt?: string;
  readonly archiveKey?: string;
  /** The line of this event in the archive object `archiveKey` (written by the processor with it). */
  readonly archiveLine?: number;
}

export interface SearchResult {
  readonly events: FoundEvent[];
  /** True when `limit` stopped the search before the window was exhausted. */
  readonly truncated: boolean;
  /** Index items read (after the type filter), and calls made: for the operator's note and the tests. */
  readonly examined: number;
  readonly queries: number;
  readonly batchGets: number;
}

const STRING_FIELDS = [...RECORD_STRING_FIELDS, 'unrecognized', 'failureClass'];
const NUMBER_FIELDS = RECORD_NUMBER_FIELDS;
/** Index query page size: small enough that `--limit 5` reads little, large enough for a window. */
const PAGE = 100;
/** BatchGetItem's limit. */
const BATCH = 100;

function toFound(item: Item): FoundEvent {
  const dedupeKey = item['dedupeKey']?.S ?? item['sk']?.S ?? '';
  return { pk: item['pk']?.S ?? '', dedupeKey, ...readLedgerFields(item, STRING_FIELDS, NUMBER_FIELDS) } as unknown as FoundEvent;
}

/** Whether an entry passes `--status`. */
export function matchesStatus(event: FoundEvent, status: StatusFilter | undefined): boolean {
  if (status === undefined) return true;
  if (status === 'in-flight') return IN_FLIGHT.has(event.status ?? '');
  if (status === 'unrecognized') return event.unrecognized !== undefined;
  if (status === 'dead-lettered') return event.deadLetteredAt !== undefined;
  return event.status === status;
}

export function parseStatusFilter(text: string | undefined): StatusFilter | undefined {
  if (text === undefined) return undefined;
  if ((STATUS_FILTERS as readonly string[]).includes(text)) return text as StatusFilter;
  throw new UsageError(`--status must be one of ${STATUS_FILTERS.join(', ')}`);
}

const toMs = (value: number | string | undefined, flag: string): number | undefined =>
  value === undefined ? undefined : typeof value === 'number' ? value : parseTime(value, flag);

/** The Query of one shard's page, as sent (exported for the planning tests). */
export function shardQuery(table: string, pk: string, query: EventQuery, start?: Item): QueryCommandInput {
  const since = toMs(query.since, '--since');
  const until = toMs(query.until, '--until');
  const values: Item = { ':pk': { S: pk } };
  let range = '';
  if (since !== undefined && until !== undefined) {
    range = ' AND #t BETWEEN :since AND :until';
  } else if (since !== undefined) {
    range = ' AND #t >= :since';
  } else if (until !== undefined) {
    range = ' AND #t <= :until';
  }
  if (since !== undefined) values[':since'] = { S: new Date(since).toISOString() };
  // Inclusive to the millisecond: receivedAt has milliseconds, so the bound's own millisecond is in.
  if (until !== undefined) values[':until'] = { S: new Date(until).toISOString() };
  const names: Record<string, string> = range ? { '#t': LEDGER_TIME_ATTRIBUTE } : {};
  if (query.type !== undefined) {
    names['#type'] = 'eventType';
    values[':type'] = { S: query.type };
  }
  return {
    TableName: table,
    IndexName: LEDGER_TIME_INDEX,
    KeyConditionExpression: `pk = :pk${range}`,
    ...(query.type !== undefined ? { FilterExpression: '#type = :type' } : {}),
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: values,
    ScanIndexForward: !query.newest,
    Limit: PAGE,
    ...(start ? { ExclusiveStartKey: start } : {}),
  };
}

/** One shard's index items in order, a page at a time. */
class ShardCursor {
  buffer: Item[] = [];
  #start: Item | undefined;
  #done = false;

  constructor(private readonly pk: string) {}

  get exhausted(): boolean {
    return this.#done && this.buffer.length === 0;
  }

  /** Reads pages until the buffer holds an item or the shard is done. */
  async fill(client: DynamoDBClient, table: string, query: EventQuery, count: () => void): Promise<void> {
    while (this.buffer.length === 0 && !this.#done) {
      count();
      const out = await client.send(new QueryCommand(shardQuery(table, this.pk, query, this.#start)));
      this.buffer.push(...(out.Items ?? []));
      this.#start = out.LastEvaluatedKey;
      if (!this.#start) this.#done = true;
    }
  }
}

const keyOf = (item: Item) => `${item['pk']?.S ?? ''}\u0000${item['sk']?.S ?? ''}`;

/** Orders index items by receivedAt, then key (oldest first; reversed for newest). */
function compare(a: Item, b: Item): number {
  return (a[LEDGER_TIME_ATTRIBUTE]?.S ?? '').localeCompare(b[LEDGER_TIME_ATTRIBUTE]?.S ?? '') ||
    (a['sk']?.S ?? '').localeCompare(b['sk']?.S ?? '') || (a['pk']?.S ?? '').localeCompare(b['pk']?.S ?? '');
}

function indexMissing(error: unknown): boolean {
  const e = error as Error | undefined;
  return e?.name === 'ValidationException' && /index/i.test(e.message ?? '');
}

/** The table items of `keys` (in any order), with the fields above; retries unprocessed keys. */
async function batchGet(client: DynamoDBClient, table: string, keys: Item[], count: () => void): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  const fields = ['pk', 'sk', 'dedupeKey', ...STRING_FIELDS, ...NUMBER_FIELDS];
  let pending: Item[] = keys;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)));
    if (attempt > 8) throw new Error('BatchGetItem kept returning unprocessed keys (throttled)');
    count();
    const out = await client.send(new BatchGetItemCommand({
      RequestItems: {
        [table]: {
          Keys: pending,
          ProjectionExpression: fields.map((f) => `#${f}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(fields.map((f) => [`#${f}`, f])),
        },
      },
    }));
    for (const item of out.Responses?.[table] ?? []) found.set(keyOf(item), item);
    pending = out.UnprocessedKeys?.[table]?.Keys ?? [];
  }
  return found;
}

/**
 * The provider's events received in [since, until] (both optional), of `type`, with `status`, oldest first
 * (newest first with `newest`), at most `limit`. Entries without `receivedAt` are not in the index and not
 * found (docs/architecture.md).
 */
export async function findEvents(client: DynamoDBClient, table: string, query: EventQuery): Promise<SearchResult> {
  const since = toMs(query.since, '--since');
  const until = toMs(query.until, '--until');
  const plan: EventQuery = { ...query, since, until };
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit > 0)) throw new UsageError('--limit must be at least 1');
  const order = query.newest ? (a: Item, b: Item) => compare(b, a) : compare;
  const cursors = eventPartitions(query.provider).map((pk) => new ShardCursor(pk));
  const events: FoundEvent[] = [];
  let queries = 0;
  let batchGets = 0;
  let examined = 0;
  let overflow = false;
  const resolve = async (candidates: Item[]) => {
    if (candidates.length === 0) return;
    const items = await batchGet(client, table, candidates.map((c) => ({ pk: c['pk']!, sk: c['sk']! })), () => void batchGets++);
    for (const candidate of candidates) {
      const item = items.get(keyOf(candidate));
      // Gone since the index was read (TTL): not an event any more.
      if (!item) continue;
      const event = toFound({ ...candidate, ...item });
      if (!matchesStatus(event, query.status)) continue;
      if (events.length < limit) events.push(event);
      else overflow = true;
    }
  };
  try {
    let candidates: Item[] = [];
    for (;;) {
      await Promise.all(cursors.filter((c) => c.buffer.length === 0 && !c.exhausted).map((c) => c.fill(client, table, plan, () => void queries++)));
      const live = cursors.filter((c) => c.buffer.length > 0);
      if (live.length === 0) break;
      let best = live[0]!;
      for (const cursor of live) if (order(cursor.buffer[0]!, best.buffer[0]!) < 0) best = cursor;
      candidates.push(best.buffer.shift()!);
      examined++;
      // Enough candidates for what is still missing (all of them when a status filter may drop some).
      const wanted = query.status === undefined ? Math.min(BATCH, limit - events.length) : BATCH;
      if (candidates.length >= wanted) {
        await resolve(candidates);
        candidates = [];
        if (events.length >= limit) break;
      }
    }
    await resolve(candidates);
  } catch (error) {
    if (indexMissing(error)) {
      throw new NotFound(`the ledger table ${table} has no ${LEDGER_TIME_INDEX} index yet: deploy this version (cdk deploy adds it in place), or wait until its backfill is done`);
    }
    throw error;
  }
  const truncated = overflow || (events.length >= limit && cursors.some((c) => !c.exhausted));
  return { events, truncated, examined, queries, batchGets };
}
