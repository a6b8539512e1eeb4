/**
 * `ops events`: one provider's event ledger entries (dedupe key, event type, status, times), found by time,
 * type and status through the ledger's time index (ops/event-search.ts findEvents: one Query per ledger
 * shard on the index, then BatchGetItem; never a Scan). The ledger never holds a body, and the reads
 * project only the listed attributes. `--local` reads the running local stack;
 * otherwise the deployed stack, whose table is found in its CloudFormation outputs by stack name.
 */
import { DynamoDBClient, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { eventPartitions } from '../../lambdas/contract/ledger-keys.ts';
import { parseOptions } from '../args.ts';
import { ExitCode, type Command, type Io } from '../command.ts';
import { providerIds, requireProvider } from '../providers.ts';
import type { LedgerRecord } from '../../lambdas/contract/ledger-entry.ts';
import { toRecord } from '../ledger-records.ts';
import { chooseTarget, failureMessage, resolveTarget, targetHelp, TARGET_OPTIONS, whereOf } from '../stack.ts';
import { json, shown } from '../terminal.ts';
import { findEvents, parseStatusFilter, STATUS_FILTERS, type FoundEvent } from '../event-search.ts';
import { isoRange, parseTimeRange } from '../time-range.ts';
import { UsageError } from '../args.ts';

/** `--limit` when none is given. */
export const DEFAULT_LIMIT = 50;
/** What --json gives of each event (no hashes, tokens, message ids or object keys). */
const JSON_FIELDS: readonly (keyof FoundEvent)[] = ['dedupeKey', 'eventType', 'status', 'receivedAt', 'enqueuedAt', 'processedAt', 'attempts', 'outcome', 'lastError', 'firstFailedAt', 'failureClass', 'deadLetteredAt', 'unrecognized', 'replays', 'lastReplayAt'];

/** What is listed; everything else in the item (hashes, tokens, keys) stays unread. */
const FIELDS = ['dedupeKey', 'eventType', 'status', 'receivedAt', 'enqueuedAt', 'processedAt', 'attempts', 'outcome', 'lastError'] as const;

/** An entry as listed: the projected subset of ops/ledger-records.ts's record. */
export type LedgerEntry = LedgerRecord;

const usage = `usage: ops events --provider <id> [--status <status>] [--type <type>] [--since <time>] [--until <time>]
                  [--limit <n>] [--newest] [--local] [--json] [--stack <name>] [--region <region>]

Lists the provider's event ledger entries received in a time window, oldest first (--newest: newest
first), at most --limit: status (received, enqueued, spooled, processed, failed), event type, times,
attempts and dedupe key. Read from the ledger's time index (byReceivedAt), never by scanning the
table. Never a body: the ledger holds none.

options:
  --provider <id>    ${providerIds().join(', ')}
                     (canary: the synthetic canary's events, ops canary; they are in partitions of their
                     own, so a vendor's listing never shows them)
  --status <status>  ${STATUS_FILTERS.join(', ')}
                     (in-flight: received, enqueued or spooled; unrecognized: the type or dedupe key
                     could not be read; dead-lettered: the processor moved it to the DLQ)
  --type <type>      only this event type (exact)
  --since <time>     received at or after: ISO 8601 (2026-12-07T16:00:00Z, a date is UTC midnight) or a
                     duration before now (30m, 1h, 2d, 1w)
  --until <time>     received at or before (same forms; default: now)
  --limit <n>        at most n entries (default ${DEFAULT_LIMIT})
  --newest           newest first (with --limit: the n most recent)
${targetHelp()}
  --json             one JSON array instead of the table
  -h, --help         show this help

exit codes: 0 listed (possibly none); 1 the stack, table or local stack was not found or could not
be read; 2 usage error (unknown provider, bad option)

examples:
  npm run -s ops -- events --provider sully --local
  npm run -s ops -- events --provider sully --local --status failed --since 1h
  npm run -s ops -- events --provider stripe --type invoice.paid --newest --limit 10
  AWS_PROFILE=prod npm run -s ops -- events --provider stripe --stack WebhookReceiver-prod --json`;

export function toEntry(item: Record<string, AttributeValue>): LedgerEntry {
  return toRecord(item['dedupeKey']?.S ?? item['sk']?.S ?? '', item);
}

/** Every entry of the provider: one paginated Query per shard, all shards at once. */
export async function listLedger(client: DynamoDBClient, table: string, providerId: string): Promise<LedgerEntry[]> {
  const shards = await Promise.all(eventPartitions(providerId).map(async (pk) => {
    const entries: LedgerEntry[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await client.send(new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ProjectionExpression: ['sk', ...FIELDS.map((f) => `#${f}`)].join(', '),
        ExpressionAttributeNames: Object.fromEntries(FIELDS.map((f) => [`#${f}`, f])),
        ...(start ? { ExclusiveStartKey: start } : {}),
      }));
      for (const item of out.Items ?? []) entries.push(toEntry(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return entries;
  }));
  return shards.flat().sort((a, b) => (a.receivedAt ?? a.processedAt ?? '').localeCompare(b.receivedAt ?? b.processedAt ?? '') || a.dedupeKey.localeCompare(b.dedupeKey));
}

const time = (iso: string | undefined) => (iso ? iso.replace('T', ' ').replace(/Z$/, '') : '-');

/** The table, sender-controlled text (event type, dedupe key, outcome, error) escaped (ops/terminal.ts). */
export function table(entries: readonly LedgerEntry[]): string[] {
  const rows = entries.map((e) => [
    shown(e.status ?? '-'),
    shown(e.eventType ?? '-'),
    time(e.receivedAt),
    time(e.enqueuedAt),
    time(e.processedAt),
    e.attempts === undefined ? '-' : String(e.attempts),
    [shown(e.dedupeKey), e.outcome ? `(${shown(e.outcome)})` : '', e.lastError ? `${e.status === 'processed' ? 'earlier error' : 'error'}: ${shown(e.lastError)}` : ''].filter(Boolean).join(' '),
  ]);
  const head = ['STATUS', 'EVENT TYPE', 'RECEIVED', 'ENQUEUED', 'PROCESSED', 'ATTEMPTS', 'DEDUPE KEY'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)];
}

function summary(entries: readonly LedgerEntry[]): string {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(shown(e.status ?? 'unknown'), (counts.get(shown(e.status ?? 'unknown')) ?? 0) + 1);
  return `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}: ${[...counts].map(([status, n]) => `${n} ${status}`).join(', ')}`;
}

/** The filters, for the summary line: ` (since ..., type ..., status ...)`. */
function describeFilters(range: { since?: number; until?: number }, type: string | undefined, status: string | undefined): string {
  const iso = isoRange(range);
  const parts = [
    ...(iso.since ? [`since ${iso.since}`] : []), ...(iso.until ? [`until ${iso.until}`] : []),
    ...(type !== undefined ? [`type ${shown(type)}`] : []), ...(status !== undefined ? [`status ${status}`] : []),
  ];
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  const args = parseOptions(argv, {
    ...TARGET_OPTIONS, json: { type: 'boolean' }, status: { type: 'string' }, type: { type: 'string' }, since: { type: 'string' },
    until: { type: 'string' }, limit: { type: 'string' }, newest: { type: 'boolean' },
  }, ['provider']);
  const provider = requireProvider(args.required('provider'));
  const status = parseStatusFilter(args.optional('status'));
  const type = args.optional('type');
  const range = parseTimeRange({ since: args.optional('since'), until: args.optional('until') });
  const limitText = args.optional('limit');
  if (limitText !== undefined && !/^[1-9][0-9]{0,5}$/.test(limitText)) throw new UsageError('--limit must be a whole number from 1 to 999999');
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
  const newest = args.flag('newest');
  const choice = await chooseTarget(args, io, 'events');
  const where = whereOf(choice);
  let entries: FoundEvent[];
  let truncated = false;
  try {
    const target = await resolveTarget(choice, provider.id);
    const client = new DynamoDBClient(target.client('dynamodb'));
    try {
      const found = await findEvents(client, target.table, { provider: provider.id, ...range, type, status, limit, newest });
      entries = found.events;
      truncated = found.truncated;
    } finally {
      client.destroy();
    }
  } catch (error) {
    io.err(`ops events: ${failureMessage(error, where, choice.local, 'the ledger table')}`);
    return ExitCode.Negative;
  }

  const more = truncated ? `; more match: raise --limit (now ${limit})${newest ? '' : ', or --newest for the most recent'}` : '';
  if (args.flag('json')) {
    io.out(json(entries.map((e) => Object.fromEntries(JSON_FIELDS.filter((f) => e[f] !== undefined).map((f) => [f, e[f]]))), 2));
    if (truncated) io.err(`ops events: showing ${entries.length}${more}`);
    return ExitCode.Ok;
  }
  if (entries.length === 0) {
    io.out(`no ledger entries for ${provider.id} in ${where}${describeFilters(range, type, status)}`);
    return ExitCode.Ok;
  }
  for (const line of table(entries)) io.out(line);
  io.err(`${summary(entries)}${describeFilters(range, type, status)}${more}`);
  return ExitCode.Ok;
}

export const events: Command = {
  name: 'events',
  summary: "find a provider's events by time, type and status (ledger index; never bodies)",
  usage,
  run,
};
