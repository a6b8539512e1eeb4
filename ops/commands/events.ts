/**
 * `ops events`: one provider's event ledger entries (dedupe key, event type, status, times), read with
 * one Query per ledger shard (lambdas/shared/ledger-keys.ts eventPartitions). The ledger never holds a
 * body, and the queries project only the listed attributes. `--local` reads the running local stack;
 * otherwise the deployed stack, whose table is found in its CloudFormation outputs by stack name.
 */
import { DynamoDBClient, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { eventPartitions } from '../../lambdas/shared/ledger-keys.ts';
import { parseOptions } from '../args.ts';
import { ExitCode, type Command, type Io } from '../command.ts';
import { providerIds, requireProvider } from '../providers.ts';
import { toRecord, type LedgerRecord } from '../ledger.ts';
import { failureMessage, resolveTarget, targetChoice, targetHelp, TARGET_OPTIONS, whereOf } from '../stack.ts';
import { json, shown } from '../terminal.ts';

/** What is listed; everything else in the item (hashes, tokens, keys) stays unread. */
const FIELDS = ['dedupeKey', 'eventType', 'status', 'receivedAt', 'enqueuedAt', 'processedAt', 'attempts', 'outcome', 'lastError'] as const;

/** An entry as listed: the projected subset of ops/ledger.ts's record. */
export type LedgerEntry = LedgerRecord;

const usage = `usage: ops events --provider <id> [--local] [--json] [--stack <name>] [--region <region>]

Lists the provider's event ledger entries, oldest first: status (received, enqueued, spooled,
processed, failed), event type, times, attempts and dedupe key. Never a body: the ledger holds none.

options:
  --provider <id>    ${providerIds().join(', ')}
${targetHelp()}
  --json             one JSON array instead of the table
  -h, --help         show this help

exit codes: 0 listed (possibly none); 1 the stack, table or local stack was not found or could not
be read; 2 usage error (unknown provider, bad option)

examples:
  npm run -s ops -- events --provider sully --local
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

async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  const args = parseOptions(argv, { ...TARGET_OPTIONS, json: { type: 'boolean' } }, ['provider']);
  const provider = requireProvider(args.required('provider'));
  const choice = targetChoice(args);
  const where = whereOf(choice);
  let entries: LedgerEntry[];
  try {
    const target = await resolveTarget(choice, provider.id);
    const client = new DynamoDBClient(target.client('dynamodb'));
    try {
      entries = await listLedger(client, target.table, provider.id);
    } finally {
      client.destroy();
    }
  } catch (error) {
    io.err(`ops events: ${failureMessage(error, where, choice.local, 'the ledger table')}`);
    return ExitCode.Negative;
  }

  if (args.flag('json')) {
    io.out(json(entries, 2));
    return ExitCode.Ok;
  }
  if (entries.length === 0) {
    io.out(`no ledger entries for ${provider.id} in ${where}`);
    return ExitCode.Ok;
  }
  for (const line of table(entries)) io.out(line);
  io.err(summary(entries));
  return ExitCode.Ok;
}

export const events: Command = {
  name: 'events',
  summary: "list a provider's event ledger entries (status, type, times; never bodies)",
  usage,
  run,
};
