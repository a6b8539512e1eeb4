/**
 * `ops status`: the whole stack on one screen, one row per provider (ops/status-report.ts says where each
 * figure comes from). The first step of every alarm section of docs/runbook.md. Never a body or a secret:
 * it receives no message and reads no secret value.
 */
import { parseOptions, UsageError } from '../args.ts';
import { ExitCode, type Command, type Io } from '../command.ts';
import { providerIds, requireProvider } from '../providers.ts';
import { chooseTarget, failureMessage, NotFound, resolveTarget, targetHelp, TARGET_OPTIONS, whereOf, type Target } from '../stack.ts';
import { readStackStatus, type ProviderStatus, type QueueStatus, type StackStatus } from '../status-report.ts';
import { json, shown } from '../terminal.ts';

const usage = `usage: ops status [--local | --stack <name> [--region <region>]] [--provider <id>] [--json]

One row per enabled provider: events accepted and failed in the last hour, queue and dead-letter
queue depth and the age of their oldest message, the signing secret's versions (and until when a
previous one is still accepted), alarms in ALARM; then the grace window, stack-wide alarms and
(locally) whether a failure drill is on. Never a body or a secret value.

Where the figures come from: deployed, the hour's counts are CloudWatch metrics (Accepted per event,
ProcessingFailure per failed delivery) and the ages SQS's ApproximateAgeOfOldestMessage; locally,
the ledger's time index (entries received in the last hour, and those now failed) and the local
stack's own queues.

options:
  --provider <id>    only this provider's row (${providerIds().join(', ')})
${targetHelp()}
  --json             one JSON object instead of the table
  -h, --help         show this help

exit codes: 0 shown (whatever the state: read the rows); 1 the stack or local stack was not found or
could not be read at all; 2 usage error

examples:
  npm run -s ops -- status --local
  AWS_PROFILE=prod npm run -s ops -- status --stack WebhookReceiver-prod --json`;

const count = (n: number | null) => (n === null ? '?' : String(n));

/** `45s`, `12m`, `3h`, `2d`; `-` when empty, `?` when unknown. */
export function age(seconds: number | null, depth: number | null): string {
  if (seconds === null) return '?';
  if (seconds === 0 && (depth ?? 0) === 0) return '-';
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3_600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

const depth = (q: QueueStatus) => (q.depth === null ? '?' : q.inFlight ? `${q.depth}+${q.inFlight}` : String(q.depth));

function secretCell(p: ProviderStatus): string {
  if (!p.secret) return '?';
  const versions = `${p.secret.versions} version${p.secret.versions === 1 ? '' : 's'}`;
  if (!p.secret.previousAcceptedUntil) return versions;
  return p.secret.previousAccepted ? `${versions}, previous until ${p.secret.previousAcceptedUntil.slice(0, 16).replace('T', ' ')}Z` : `${versions}, previous past grace`;
}

/** The screen: the table, then one line each for the grace window, the drill, alarms and what was unavailable. */
export function render(status: StackStatus): string[] {
  const head = ['PROVIDER', 'ACCEPTED 1H', 'FAILED 1H', 'QUEUE', 'OLDEST', 'DLQ', 'DLQ OLDEST', 'SECRET', 'ALARMS'];
  const rows = status.providers.map((p) => [
    p.provider, count(p.accepted1h), count(p.failed1h), depth(p.queue), age(p.queue.oldestAgeSeconds, p.queue.depth),
    depth(p.dlq), age(p.dlq.oldestAgeSeconds, p.dlq.depth), secretCell(p), p.alarms.length === 0 ? '-' : String(p.alarms.length),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const alarmNames = [...status.providers.flatMap((p) => p.alarms.map((a) => `${a} (${p.provider})`)), ...(status.stackAlarms ?? [])];
  return [
    `status of ${status.where} at ${status.at.slice(0, 19).replace('T', ' ')}Z (hour counts: ${status.counts})`,
    line(head),
    ...rows.map(line),
    `rotation grace window: ${status.grace.hours} h (${status.grace.source})`,
    ...(status.drill !== undefined ? [status.drill ? `FAILURE DRILL ON: processors fail event types ${shown(status.drill)} on purpose (drill.json / PROCESSOR_FAIL_EVENT_TYPES)` : 'failure drill: off'] : []),
    status.alarmsNote && alarmNames.length === 0 ? `alarms: ${status.alarmsNote}` : alarmNames.length === 0 ? 'alarms in ALARM: none' : `alarms in ALARM: ${alarmNames.map(shown).join(', ')}`,
    ...status.providers.filter((p) => p.unavailable.length > 0).map((p) => `unavailable for ${p.provider}: ${p.unavailable.join(', ')}`),
    'QUEUE and DLQ: messages waiting (+ in flight); next: ops events --provider <id> --status failed --since 1h, ops dlq list --provider <id>',
  ];
}

async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  const args = parseOptions(argv, { ...TARGET_OPTIONS, json: { type: 'boolean' } });
  const only = args.optional('provider');
  if (only !== undefined) requireProvider(only);
  const choice = await chooseTarget(args, io, 'status');
  const where = whereOf(choice);
  let status: StackStatus;
  try {
    const resolved = await Promise.all((only !== undefined ? [only] : providerIds()).map(async (id) => {
      try {
        return await resolveTarget(choice, id);
      } catch (error) {
        // A provider the stack does not enable has no row; anything else (no stack at all) is the command's failure.
        if (only === undefined && error instanceof NotFound && /not enabled/.test(error.message)) return undefined;
        throw error;
      }
    }));
    const targets = resolved.filter((t): t is Target => t !== undefined);
    if (targets.length === 0) throw new NotFound(`${where} enables no provider`);
    status = await readStackStatus(targets);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.err(`ops status: ${failureMessage(error, where, choice.local, 'the stack')}`);
    return ExitCode.Negative;
  }
  if (args.flag('json')) {
    io.out(json(status, 2));
    return ExitCode.Ok;
  }
  for (const line of render(status)) io.out(line);
  return ExitCode.Ok;
}

export const status: Command = {
  name: 'status',
  summary: 'one screen per stack: hour counts, queues, DLQs, secrets, alarms (runbook step 1)',
  usage,
  run,
};
