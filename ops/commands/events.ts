/**
 * `ops events`: one provider's event ledger entries (dedupe key, event type, status, times), read with
 * one Query per ledger shard (lambdas/shared/ledger-keys.ts eventPartitions). The ledger never holds a
 * body, and the queries project only the listed attributes. `--local` reads the running local stack;
 * otherwise the deployed stack, whose table is found in its CloudFormation outputs by stack name.
 */
import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { eventPartitions } from '../../lambdas/shared/ledger-keys.ts';
import { pascalCase } from '../../lib/naming.ts';
import { readRuntime } from '../../scripts/local/runtime-files.ts';
import { loadAppConfig, LOCAL_CREDENTIALS, stateDirFrom } from '../../scripts/local/settings.ts';
import { parseOptions, UsageError } from '../args.ts';
import { ExitCode, type Command, type Io } from '../command.ts';
import { providerIds, requireProvider } from '../providers.ts';

/** What is listed; everything else in the item (hashes, tokens, keys) stays unread. */
const FIELDS = ['dedupeKey', 'eventType', 'status', 'receivedAt', 'enqueuedAt', 'processedAt', 'attempts', 'outcome', 'lastError'] as const;

export interface LedgerEntry {
  readonly dedupeKey: string;
  readonly eventType?: string;
  readonly status?: string;
  readonly receivedAt?: string;
  readonly enqueuedAt?: string;
  readonly processedAt?: string;
  readonly attempts?: number;
  /** The processor's outcome: applied, stale-ignored, accepted-not-processed, unknown-event-type. */
  readonly outcome?: string;
  /** A short error summary the processor wrote (never a body). */
  readonly lastError?: string;
}

function defaultStackName(): string {
  try {
    return loadAppConfig().stackName;
  } catch {
    return 'WebhookReceiver-dev';
  }
}

const usage = `usage: ops events --provider <id> [--local] [--json] [--stack <name>] [--region <region>]

Lists the provider's event ledger entries, oldest first: status (received, enqueued, processed,
failed), event type, times, attempts and dedupe key. Never a body: the ledger holds none.

options:
  --provider <id>    ${providerIds().join(', ')}
  --local            read the running local stack (npm start; found through .local/runtime.json,
                     or LOCAL_STATE_DIR)
  --stack <name>     the deployed stack to read (default: ${defaultStackName()}, the stackName of cdk.json);
                     its LedgerTableName output names the table; standard AWS credentials and region
  --region <region>  the stack's region (default: the AWS SDK's, e.g. AWS_REGION or the profile's)
  --json             one JSON array instead of the table
  -h, --help         show this help

exit codes: 0 listed (possibly none); 1 the stack, table or local stack was not found or could not
be read; 2 usage error (unknown provider, bad option)

examples:
  npm run -s ops -- events --provider sully --local
  AWS_PROFILE=prod npm run -s ops -- events --provider stripe --stack WebhookReceiver-prod --json`;

class NotFound extends Error {}

function text(value: AttributeValue | undefined): string | undefined {
  return value?.S;
}

export function toEntry(item: Record<string, AttributeValue>): LedgerEntry {
  const attempts = item['attempts']?.N;
  const entry: Record<string, string | number> = { dedupeKey: text(item['dedupeKey']) ?? text(item['sk']) ?? '' };
  for (const field of ['eventType', 'status', 'receivedAt', 'enqueuedAt', 'processedAt', 'outcome', 'lastError'] as const) {
    const value = text(item[field]);
    if (value !== undefined) entry[field] = value;
  }
  if (attempts !== undefined) entry['attempts'] = Number(attempts);
  return entry as unknown as LedgerEntry;
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

function output(outputs: readonly Output[], key: string): string | undefined {
  return outputs.find((o) => o.OutputKey === key)?.OutputValue;
}

async function deployedTable(stack: string, providerId: string, region: string | undefined): Promise<{ table: string; client: DynamoDBClient }> {
  const cfn = new CloudFormationClient(region ? { region } : {});
  let outputs: readonly Output[];
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stack }));
    outputs = out.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    const e = error as Error;
    if (e.name === 'ValidationError' && /does not exist/.test(e.message)) {
      throw new NotFound(`stack ${stack} was not found in ${await cfn.config.region().catch(() => 'the configured region')} (check --stack and --region)`);
    }
    throw error;
  } finally {
    cfn.destroy();
  }
  const table = output(outputs, 'LedgerTableName');
  if (!table) throw new NotFound(`stack ${stack} has no LedgerTableName output: is it a webhook receiver stack, and fully deployed?`);
  if (!output(outputs, `QueueUrl${pascalCase(providerId)}`)) {
    throw new NotFound(`provider ${providerId} is not enabled in stack ${stack} (it has no QueueUrl${pascalCase(providerId)} output)`);
  }
  return { table, client: new DynamoDBClient(region ? { region } : {}) };
}

function localTable(providerId: string): { table: string; client: DynamoDBClient } {
  const stateDir = stateDirFrom(process.env);
  const runtime = readRuntime(stateDir);
  if (!runtime) throw new NotFound(`the local stack is not running (no live ${stateDir}/runtime.json): start it with npm start`);
  if (!runtime.providers[providerId]) throw new NotFound(`provider ${providerId} is not enabled in the local stack (${Object.keys(runtime.providers).join(', ')})`);
  return {
    table: runtime.table,
    client: new DynamoDBClient({ endpoint: runtime.endpoints.dynamodb, region: runtime.region, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 }),
  };
}

const time = (iso: string | undefined) => (iso ? iso.replace('T', ' ').replace(/Z$/, '') : '-');

function table(entries: readonly LedgerEntry[]): string[] {
  const rows = entries.map((e) => [
    e.status ?? '-',
    e.eventType ?? '-',
    time(e.receivedAt),
    time(e.enqueuedAt),
    time(e.processedAt),
    e.attempts === undefined ? '-' : String(e.attempts),
    [e.dedupeKey, e.outcome ? `(${e.outcome})` : '', e.lastError ? `error: ${e.lastError}` : ''].filter(Boolean).join(' '),
  ]);
  const head = ['STATUS', 'EVENT TYPE', 'RECEIVED', 'ENQUEUED', 'PROCESSED', 'ATTEMPTS', 'DEDUPE KEY'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)];
}

function summary(entries: readonly LedgerEntry[]): string {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.status ?? 'unknown', (counts.get(e.status ?? 'unknown') ?? 0) + 1);
  return `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}: ${[...counts].map(([status, n]) => `${n} ${status}`).join(', ')}`;
}

async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  const args = parseOptions(argv, {
    provider: { type: 'string' },
    local: { type: 'boolean' },
    json: { type: 'boolean' },
    stack: { type: 'string' },
    region: { type: 'string' },
  }, ['provider']);
  const provider = requireProvider(args.required('provider'));
  const local = args.flag('local');
  const stack = args.optional('stack');
  const region = args.optional('region');
  if (local && (stack !== undefined || region !== undefined)) throw new UsageError('--local reads the local stack: --stack and --region do not apply');
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new UsageError('--region must be an AWS region such as eu-west-1');

  // The SDK is pinned (package.json): its notice about future releases needing node 22 is noise on call.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  let source: { table: string; client: DynamoDBClient };
  let entries: LedgerEntry[];
  const where = local ? 'the local stack' : `stack ${stack ?? defaultStackName()}`;
  try {
    source = local ? localTable(provider.id) : await deployedTable(stack ?? defaultStackName(), provider.id, region);
    try {
      entries = await listLedger(source.client, source.table, provider.id);
    } finally {
      source.client.destroy();
    }
  } catch (error) {
    const e = error as Error;
    if (error instanceof NotFound) io.err(`ops events: ${e.message}`);
    else if (e.name === 'ResourceNotFoundException') io.err(`ops events: the ledger table of ${where} does not exist (deleted, or another region?)`);
    else if (e.name === 'CredentialsProviderError' || /credential/i.test(e.message)) io.err(`ops events: no usable AWS credentials for ${where} (${e.name}); set AWS_PROFILE or use --local`);
    else if (local && /ECONNREFUSED|socket|connect/i.test(`${e.name} ${e.message} ${String((e as { code?: string }).code)}`)) io.err('ops events: the local stack does not answer: is npm start still running?');
    else io.err(`ops events: cannot read the ledger of ${where}: ${e.name}`);
    return ExitCode.Negative;
  }

  if (args.flag('json')) {
    io.out(JSON.stringify(entries, null, 2));
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
