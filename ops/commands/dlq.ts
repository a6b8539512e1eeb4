/**
 * `ops dlq list` and `ops dlq redrive`: what is in a provider's dead-letter queue (ids, types, dedupe keys,
 * receive counts, the ledger's last error; never a body unless --show-body), and moving it back to the
 * queue once the cause is fixed. The mechanics (reading without consuming, moving without losing) are in
 * ops/dlq-operations.ts. docs/runbook.md#dlq-not-empty is the procedure around them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseOptions, UsageError, type ParsedArgs } from '../args.ts';
import { ExitCode, type Command, type Io } from '../command.ts';
import {
  MoveTaskRunning, peekMessages, queueDepth, redrive, watchRedriven, type DeadLetter, type QueueDepth, type RedriveResult, type WatchResult,
} from '../dlq-operations.ts';
import type { LedgerRecord } from '../../lambdas/contract/ledger-entry.ts';
import { readLedgerRecord } from '../ledger-records.ts';
import { providerIds, requireProvider } from '../providers.ts';
import { chooseTarget, failureMessage, resolveTarget, targetHelp, TARGET_OPTIONS, whereOf, type Target } from '../stack.ts';
import { shown } from '../terminal.ts';

const DEFAULT_MAX = 100;
const MAX_MAX = 1_000;
/** How long a listed message stays hidden if `dlq list` dies before making it visible again. */
const PEEK_VISIBILITY_SECONDS = 20;

export const PHI_WARNING =
  'WARNING: --show-body prints webhook bodies, which hold patient data (PHI). Keep this output off tickets, chat, ' +
  'screenshots and shared terminals; clear your scrollback afterwards.';

function parseMax(args: ParsedArgs, fallback: number | undefined): number | undefined {
  const text = args.optional('max');
  if (text === undefined) return fallback;
  if (!/^[0-9]{1,4}$/.test(text) || Number(text) < 1 || Number(text) > MAX_MAX) throw new UsageError(`--max must be a whole number from 1 to ${MAX_MAX}`);
  return Number(text);
}

/**
 * Messages in a queue: visible + in flight on SQS; the local SQS (local-aws-sqs) already counts in-flight
 * messages in ApproximateNumberOfMessages.
 */
const total = (depth: QueueDepth, target: Target) => (target.kind === 'local' ? depth.visible : depth.visible + depth.inFlight);

/** Long polls on AWS (short polls sample a subset of servers); the local SQS answers at once. */
const waitSeconds = (target: Target) => (target.kind === 'local' ? 0 : 1);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const time = (iso: string | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

/** Every cell escaped (ops/terminal.ts): ids, event types, dedupe keys and errors come from senders. */
function table(head: readonly string[], rawRows: readonly (readonly string[])[]): string[] {
  const rows = rawRows.map((r) => r.map(shown));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)];
}

interface Listed {
  readonly messageId: string;
  readonly eventType?: string;
  readonly dedupeKey?: string;
  /** Receives in the queue before the processor set it aside, else SQS's count before this listing (see RECEIVES_HELP). */
  readonly receiveCount: number;
  readonly receiveCountSource: 'processor' | 'sqs';
  readonly sentAt?: string;
  readonly firstFailureAt?: string;
  /** `ledger` (firstFailedAt) or `sqs` (ApproximateFirstReceiveTimestamp). */
  readonly firstFailureSource?: 'ledger' | 'sqs';
  /** Why the processor set it aside (message attributes it added): `permanent` or `transient`, and the reason. */
  readonly failureClass?: string;
  readonly failureReason?: string;
  /** The ledger entry's status, attempts, times and last error; null when it has none. */
  readonly ledger: Omit<LedgerRecord, 'dedupeKey' | 'claimCheckKey' | 'bodySha256' | 'messageId' | 'eventType'> & { readonly claimChecked: boolean } | null;
  readonly body?: string;
}

function ledgerView(record: LedgerRecord | undefined): Listed['ledger'] {
  if (!record) return null;
  const { dedupeKey: _k, claimCheckKey, bodySha256: _s, messageId: _m, eventType: _t, ...rest } = record;
  return { ...rest, claimChecked: claimCheckKey !== undefined };
}

/** The webhook body inside the envelope, for --show-body only. */
export function bodyText(raw: string): string {
  let envelope: { body?: unknown; bodyBase64?: unknown; claimCheck?: { bucket?: unknown; key?: unknown } };
  try {
    envelope = JSON.parse(raw) as typeof envelope;
  } catch {
    return `(not an envelope; the raw message:)\n${raw}`;
  }
  if (typeof envelope.body === 'string') return envelope.body;
  if (typeof envelope.bodyBase64 === 'string') return `(not UTF-8; ${Buffer.from(envelope.bodyBase64, 'base64').length} bytes as base64:)\n${envelope.bodyBase64}`;
  if (envelope.claimCheck) return `(in the claim-check bucket, not fetched: s3://${String(envelope.claimCheck.bucket)}/${String(envelope.claimCheck.key)})`;
  return `(the envelope carries no body; the raw message:)\n${raw}`;
}

async function enrich(letters: readonly DeadLetter[], target: Target, showBody: boolean): Promise<Listed[]> {
  const dynamo = new DynamoDBClient(target.client('dynamodb'));
  try {
    const listed: Listed[] = [];
    // Ten reads at a time: fast for a typical DLQ, gentle on an on-demand table.
    for (let i = 0; i < letters.length; i += 10) {
      listed.push(...await Promise.all(letters.slice(i, i + 10).map(async (letter): Promise<Listed> => {
        const record = letter.dedupeKey ? await readLedgerRecord(dynamo, target.table, target.providerId, letter.dedupeKey) : undefined;
        const firstFailureAt = record?.firstFailedAt ?? letter.firstReceiveAt;
        return {
          messageId: letter.messageId,
          ...(letter.eventType !== undefined ? { eventType: letter.eventType } : {}),
          ...(letter.dedupeKey !== undefined ? { dedupeKey: letter.dedupeKey } : {}),
          receiveCount: letter.queueReceiveCount ?? letter.receiveCount,
          receiveCountSource: letter.queueReceiveCount !== undefined ? 'processor' as const : 'sqs' as const,
          ...(letter.sentAt ? { sentAt: letter.sentAt } : {}),
          ...(firstFailureAt ? { firstFailureAt, firstFailureSource: record?.firstFailedAt ? 'ledger' as const : 'sqs' as const } : {}),
          ...(letter.failureClass !== undefined ? { failureClass: letter.failureClass } : {}),
          ...(letter.failureReason !== undefined ? { failureReason: letter.failureReason } : {}),
          ledger: ledgerView(record),
          ...(showBody ? { body: bodyText(letter.body) } : {}),
        };
      })));
    }
    return listed;
  } finally {
    dynamo.destroy();
  }
}

/** The processor's own reason (it moved the message) first, else the ledger's last error. */
function lastError(m: Listed): string {
  if (m.failureReason !== undefined) return `  ${m.failureClass ?? 'failure'}: ${m.failureReason}`;
  return m.ledger?.lastError ? `  error: ${m.ledger.lastError}` : '';
}

function rows(listed: readonly Listed[]): string[] {
  return table(
    ['MESSAGE ID', 'EVENT TYPE', 'RECEIVES', 'FIRST FAILURE', 'LEDGER', 'DEDUPE KEY / LAST ERROR'],
    listed.map((m) => [
      m.messageId,
      m.eventType ?? '-',
      `${m.receiveCount}${m.receiveCountSource === 'sqs' ? '*' : ''}`,
      time(m.firstFailureAt),
      m.ledger ? `${m.ledger.status ?? '?'}${m.ledger.attempts !== undefined ? `, ${plural(m.ledger.attempts, 'attempt')}` : ''}` : 'no entry',
      `${m.dedupeKey ?? '-'}${lastError(m)}`,
    ]),
  );
}

/** What a listing changes, said exactly (output and help). */
const READ_EFFECT =
  'each listed message was received once (SQS adds 1 to its ApproximateReceiveCount; the local SQS adds 2, it also counts ' +
  'the ChangeMessageVisibility that makes it visible again); nothing acts on that count in a DLQ, and RECEIVES leaves it out';

const listUsage = `usage: ops dlq list --provider <id> [--local | --stack <name> [--region <region>]] [--max <n>] [--json] [--show-body]

Lists the messages in the provider's dead-letter queue without removing them: how many there are and,
per message, its id, event type, dedupe key, receive count, first failure, and the ledger's status,
processing attempts and last error (the processor's own short message, never a body). Messages are read
with a ${PEEK_VISIBILITY_SECONDS} s visibility timeout and made visible again at once (ChangeMessageVisibility 0);
nothing is deleted. No bodies unless --show-body.

What a listing changes: SQS has no peek, so each message listed is received once, which adds 1 to its
SQS ApproximateReceiveCount (2 on the local SQS, which also counts the ChangeMessageVisibility). The DLQ
has no redrive policy, so nothing acts on that count, and a listing does not change what it lists:
RECEIVES excludes it (see below). Nothing else changes.

options:
  --provider <id>    ${providerIds().join(', ')}
${targetHelp()}
  --max <n>          read at most n messages (default ${DEFAULT_MAX}, at most ${MAX_MAX}); the count covers all of them
  --json             one JSON object {provider, where, approximateCount, readEffect, messages: [...]}
  --show-body        also print each message's webhook body: PATIENT DATA. A warning goes to stderr first;
                     keep the output off tickets and chat
  -h, --help         show this help

FIRST FAILURE is the ledger's firstFailedAt where the processor records it, else SQS's
ApproximateFirstReceiveTimestamp (the first delivery attempt; approximate: a queue service that
restarts it in the DLQ, as the local SQS does, reports the first read there). RECEIVES is the number of
receives in the queue before the processor set the message aside (its receiveCount attribute; no
listing changes it); for a message SQS moved itself after maxReceiveCount (no such attribute) it is
SQS's ApproximateReceiveCount before this listing, marked *, which includes earlier listings and
redrives' reads. The ledger's attempts count processing attempts. --json: receiveCount and
receiveCountSource (processor or sqs).

exit codes: 0 listed (possibly none); 1 the stack, the provider in it, its DLQ or the local stack was not
found or could not be read; 2 usage error (unknown provider, bad option)

examples:
  npm run -s ops -- dlq list --provider sully --local
  AWS_PROFILE=prod npm run -s ops -- dlq list --provider stripe --stack WebhookReceiver-prod --json`;

async function runList(argv: readonly string[], io: Io): Promise<ExitCode> {
  const args = parseOptions(argv, { ...TARGET_OPTIONS, max: { type: 'string' }, json: { type: 'boolean' }, 'show-body': { type: 'boolean' } }, ['provider']);
  const provider = requireProvider(args.required('provider'));
  const max = parseMax(args, DEFAULT_MAX)!;
  const showBody = args.flag('show-body');
  const json = args.flag('json');
  const choice = await chooseTarget(args, io, 'dlq list');
  if (showBody) io.err(PHI_WARNING);

  let target: Target;
  let count: number;
  let listed: Listed[];
  let released: boolean;
  try {
    target = await resolveTarget(choice, provider.id);
    const sqs = new SQSClient(target.client('sqs'));
    try {
      count = total(await queueDepth(sqs, target.deadLetterQueueUrl), target);
      if (count === 0) {
        listed = [];
        released = true;
      } else {
        const peek = await peekMessages(sqs, target.deadLetterQueueUrl, {
          max,
          visibilitySeconds: PEEK_VISIBILITY_SECONDS,
          waitSeconds: waitSeconds(target),
          progress: (seen) => { if (seen >= 50 && seen % 50 < 10) io.err(`read ${seen} of about ${count}...`); },
        });
        released = peek.released;
        listed = await enrich(peek.messages, target, showBody);
      }
    } finally {
      sqs.destroy();
    }
  } catch (error) {
    io.err(`ops dlq list: ${failureMessage(error, whereOf(choice), choice.local, `the dead-letter queue of ${provider.id}`)}`);
    return ExitCode.Negative;
  }
  if (!released) io.err(`note: some messages could not be made visible again; they reappear within ${PEEK_VISIBILITY_SECONDS} s`);

  if (json) {
    io.out(JSON.stringify({ provider: provider.id, where: target.where, approximateCount: count, ...(listed.length > 0 ? { readEffect: READ_EFFECT } : {}), messages: listed }, null, 2));
    return ExitCode.Ok;
  }
  if (count === 0 && listed.length === 0) {
    io.out(`the dead-letter queue of ${provider.id} in ${target.where} is empty`);
    return ExitCode.Ok;
  }
  if (listed.length === 0) {
    io.out(`the dead-letter queue of ${provider.id} in ${target.where} holds about ${plural(count, 'message')}, but none is visible right now ` +
      `(being read by another ops dlq list, or being moved): try again in ${PEEK_VISIBILITY_SECONDS} s`);
    return ExitCode.Ok;
  }
  for (const line of rows(listed)) io.out(line);
  if (showBody) {
    for (const m of listed) {
      io.out('');
      io.out(`--- body of ${shown(m.messageId)} (${shown(m.eventType ?? '-')} ${shown(m.dedupeKey ?? '-')}) ---`);
      io.out(m.body ?? '');
    }
  }
  io.err(`note: ${READ_EFFECT}${listed.some((m) => m.receiveCountSource === 'sqs') ? ' (RECEIVES marked * is SQS\'s count before this listing)' : ''}`);
  const inflight = count - listed.length;
  io.err(`${plural(count, 'message')} in the dead-letter queue of ${provider.id} (${target.where}, approximate)` +
    `${listed.length < count ? `; listed ${listed.length}${inflight > 0 && listed.length < max ? ' (the others are being read or moved elsewhere right now)' : ` (--max ${max})`}` : ''}`);
  io.err(`next: fix the cause (docs/runbook.md#dlq-not-empty), then: ops dlq redrive --provider ${provider.id}${choice.local ? ' --local' : ''}`);
  return ExitCode.Ok;
}

/** The longest --wait: a watch is for one processing cycle, not for a retry budget. */
const MAX_WAIT_SECONDS = 3_600;
/** The default watch: the queue's visibility timeout (one receive, even one that times out), within these bounds. */
const MIN_WATCH_SECONDS = 10;
const MAX_WATCH_SECONDS = 300;

function parseWait(args: ParsedArgs): number | undefined {
  const text = args.optional('wait');
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,4}$/.test(text) || Number(text) > MAX_WAIT_SECONDS) throw new UsageError(`--wait must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}`);
  return Number(text);
}

/** One processing cycle: the queue's visibility timeout (a received message is handled, or visible again, by then). */
async function processingCycleSeconds(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['VisibilityTimeout'] })).catch(() => undefined);
  const visibility = Number(out?.Attributes?.VisibilityTimeout);
  return Math.min(MAX_WATCH_SECONDS, Math.max(MIN_WATCH_SECONDS, Number.isFinite(visibility) ? visibility : MAX_WATCH_SECONDS));
}

/** Which of these events the ledger has as processed (ten reads at a time); a ledger that cannot be read answers none. */
function ledgerProcessed(target: Target, dynamo: DynamoDBClient, note: (line: string) => void) {
  let warned = false;
  return async (keys: readonly string[]): Promise<ReadonlySet<string>> => {
    const done = new Set<string>();
    try {
      for (let i = 0; i < keys.length; i += 10) {
        const records = await Promise.all(keys.slice(i, i + 10).map((key) => readLedgerRecord(dynamo, target.table, target.providerId, key)));
        for (const record of records) if (record?.status === 'processed') done.add(record.dedupeKey);
      }
    } catch (error) {
      if (!warned) note(`note: the ledger could not be read (${(error as Error).name}): the watch sees returns to the DLQ only, for its whole time`);
      warned = true;
    }
    return done;
  };
}

const redriveUsage = `usage: ops dlq redrive --provider <id> [--local | --stack <name> [--region <region>]] [--max <n>] [--wait <s>] [--dry-run] [--json]

Moves the messages in the provider's dead-letter queue back to its queue, where the processor takes them
again. Fix the cause first: ops dlq list shows each message's last error (docs/runbook.md#dlq-not-empty).

Without --max, SQS moves the whole DLQ itself (StartMessageMoveTask; progress from ListMessageMoveTasks;
interrupting this command does not stop the task). Where SQS does not offer that (StartMessageMoveTask
fails before a task starts), and with --max, the messages are moved in batches of 10: receive from the
DLQ, send to the queue, then delete from the DLQ. Send comes first, so an interrupted redrive leaves a
message in both queues, never in neither, and the copy is harmless: the processor's ledger update is
conditional, so each event is processed once. Once a move task has started, an error while following
it is reported (exit 1) and nothing is moved by hand: the task may still be running.

Then it watches the moved messages for one processing cycle (the queue's visibility timeout, ${MIN_WATCH_SECONDS} to
${MAX_WATCH_SECONDS} s) or --wait seconds, until each is processed (the ledger) or back in the DLQ (same dedupe key),
and reports how many came back: any is exit 1, the cause is not fixed. A transient failure is retried
for the processor's retry budget before it returns to the DLQ: those show as "not processed yet".
The watch reads the DLQ as ops dlq list does (each read adds 1 to SQS's receive count there).
A receive-send-delete redrive also stops early if a message it moved is back already.

options:
  --provider <id>    ${providerIds().join(', ')}
${targetHelp()}
  --max <n>          move at most n messages (1 to ${MAX_MAX}), one batch at a time
  --wait <s>         watch the moved messages for s seconds (0 to ${MAX_WAIT_SECONDS}; 0: do not watch)
  --dry-run          show what would be moved (count, ids, event types, dedupe keys); move nothing
  --json             the result as one JSON object
  -h, --help         show this help

exit codes: 0 moved everything asked for (or the DLQ was empty) and none of it came back to the DLQ while
watched; 1 a moved message came back to the DLQ, the stack, queue or local stack was not found, a move
task is already running, following the move task failed, or the move stopped early; 2 usage error

examples:
  npm run -s ops -- dlq redrive --provider sully --local --dry-run
  AWS_PROFILE=prod npm run -s ops -- dlq redrive --provider stripe --stack WebhookReceiver-prod --max 1`;

function watchLine(watch: WatchResult, moved: number): string {
  const untracked = moved - watch.tracked;
  const tail = untracked > 0 ? ` (${plural(untracked, 'moved message was', 'moved messages were')} not tracked: more than the watch reads, or no dedupe key)` : '';
  if (watch.back.length > 0) {
    return `watched ${watch.seconds} s: ${watch.back.length} of ${watch.tracked} moved ${watch.tracked === 1 ? 'message' : 'messages'} came back to the DLQ: ` +
      `the processor still fails ${watch.back.length === 1 ? 'it' : 'them'}; fix the cause first (ops dlq list shows why)${tail}`;
  }
  if (watch.pending === 0) return `watched ${watch.seconds} s: ${watch.processed} of ${watch.tracked} processed, none came back to the DLQ${tail}`;
  return `watched ${watch.seconds} s: ${watch.processed} of ${watch.tracked} processed, none came back to the DLQ, ${watch.pending} not processed yet ` +
    `(still queued, or failing again: a transient failure is retried for the retry budget before it returns to the DLQ)${tail}`;
}

function resultLine(providerId: string, where: string, result: RedriveResult): string {
  const how = result.method === 'move-task' ? 'SQS message move task' : 'receive, send, delete';
  return `redrive ${providerId} (${where}): moved ${plural(result.moved, 'message')} from the DLQ to the queue (${how})` +
    `${result.failed > 0 ? `; ${result.failed} could not be sent and stay in the DLQ` : ''}`;
}

async function runRedrive(argv: readonly string[], io: Io): Promise<ExitCode> {
  const args = parseOptions(argv, { ...TARGET_OPTIONS, max: { type: 'string' }, wait: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } }, ['provider']);
  const provider = requireProvider(args.required('provider'));
  const max = parseMax(args, undefined);
  const wait = parseWait(args);
  const dryRun = args.flag('dry-run');
  const json = args.flag('json');
  const choice = await chooseTarget(args, io, 'dlq redrive');
  const where = whereOf(choice);

  let target: Target;
  const sqsHolder: { client?: SQSClient } = {};
  try {
    target = await resolveTarget(choice, provider.id);
    const sqs = new SQSClient(target.client('sqs'));
    sqsHolder.client = sqs;
    const before = await queueDepth(sqs, target.deadLetterQueueUrl);
    const count = total(before, target);
    if (count === 0) {
      if (json) io.out(JSON.stringify({ provider: provider.id, where: target.where, dryRun, moved: 0, remaining: 0 }));
      else io.out(`the dead-letter queue of ${provider.id} in ${target.where} is empty: nothing to redrive`);
      return ExitCode.Ok;
    }
    if (before.inFlight > 0) io.err(`note: ${plural(before.inFlight, 'message is', 'messages are')} being read right now (ops dlq list, or another redrive?); ${before.inFlight === 1 ? 'it is' : 'they are'} moved once visible again`);

    if (dryRun) {
      const peek = await peekMessages(sqs, target.deadLetterQueueUrl, { max: max ?? DEFAULT_MAX, visibilitySeconds: PEEK_VISIBILITY_SECONDS, waitSeconds: waitSeconds(target) });
      const wouldMove = Math.min(count, max ?? count);
      const method = max !== undefined ? 'receive, send, delete' : 'an SQS message move task (or receive, send, delete where SQS has none)';
      if (json) {
        io.out(JSON.stringify({
          provider: provider.id, where: target.where, dryRun: true, approximateCount: count, wouldMove,
          messages: peek.messages.map(({ messageId, eventType, dedupeKey, receiveCount }) => ({ messageId, eventType, dedupeKey, receiveCount })),
        }, null, 2));
        return ExitCode.Ok;
      }
      for (const line of table(['MESSAGE ID', 'EVENT TYPE', 'DEDUPE KEY'], peek.messages.map((m) => [m.messageId, m.eventType ?? '-', m.dedupeKey ?? '-']))) io.out(line);
      io.out(`dry run: would move ${plural(wouldMove, 'message')} (of about ${count}) from the DLQ of ${provider.id} (${target.where}) to its queue by ${method}; nothing moved`);
      return ExitCode.Ok;
    }

    io.err(`moving ${max !== undefined ? `at most ${max} of ` : ''}about ${plural(count, 'message')} from the DLQ of ${provider.id} (${target.where}) to its queue...`);
    const result = await redrive(sqs, {
      deadLetterQueueUrl: target.deadLetterQueueUrl,
      queueUrl: target.queueUrl,
      ...(max !== undefined ? { max } : {}),
      waitSeconds: waitSeconds(target),
      pollMs: target.kind === 'local' ? 250 : 2_000,
      progress: (line) => io.err(line),
    });
    const after = await queueDepth(sqs, target.deadLetterQueueUrl).catch(() => undefined);
    const remaining = after ? total(after, target) : undefined;
    const { moves, ...reported } = result;
    let watch: WatchResult | undefined;
    const watchSeconds = wait ?? await processingCycleSeconds(sqs, target.queueUrl);
    if (!result.problem && result.moved > 0 && watchSeconds > 0) {
      if (!json) io.out(resultLine(provider.id, target.where, result));
      io.err(`watching the moved messages for up to ${watchSeconds} s (until each is processed or back in the DLQ)...`);
      const dynamo = new DynamoDBClient(target.client('dynamodb'));
      try {
        watch = await watchRedriven(sqs, {
          deadLetterQueueUrl: target.deadLetterQueueUrl,
          moves,
          seconds: watchSeconds,
          pollMs: target.kind === 'local' ? 250 : 2_000,
          waitSeconds: waitSeconds(target),
          processed: ledgerProcessed(target, dynamo, (line) => io.err(line)),
        });
      } finally {
        dynamo.destroy();
      }
    } else if (!json) io.out(resultLine(provider.id, target.where, result));
    const events = `ops events --provider ${provider.id}${choice.local ? ' --local' : ''}`;
    if (json) {
      io.out(JSON.stringify({
        provider: provider.id, where: target.where, dryRun: false, ...reported, ...(remaining !== undefined ? { remaining } : {}),
        ...(watch ? { watch: { ...watch, back: watch.back.map(({ messageId, dedupeKey, eventType, failureClass }) => ({ messageId, dedupeKey, eventType, failureClass })) } } : { watch: null }),
      }, null, 2));
    } else {
      if (watch) io.out(watchLine(watch, result.moved));
      if (result.fallbackReason) io.err(`note: ${result.fallbackReason}`);
      if (result.problem) io.err(`ops dlq redrive: ${result.problem}`);
      for (const m of watch?.back ?? []) {
        io.err(`  back: ${shown(m.messageId)}  ${shown(m.eventType ?? '-')}  ${shown(m.dedupeKey ?? '-')}${m.failureReason !== undefined ? `  ${shown(m.failureClass ?? 'failure')}: ${shown(m.failureReason)}` : ''}`);
      }
      if (remaining !== undefined) io.err(`the DLQ held about ${plural(remaining, 'message')} right after the move`);
      if (watch && watch.back.length > 0) io.err(`ops dlq redrive: ${plural(watch.back.length, 'moved message')} came back to the DLQ: the fault is still there; see docs/runbook.md#dlq-not-empty`);
      else if (!watch && result.moved > 0 && !result.problem) io.err(`note: not watched (--wait 0): whether the moved events are processed, and none came back, is for ${events} and ops dlq list to tell`);
      io.err(`next: ${events} (processed, or failing again); events processed already are not processed again`);
    }
    return result.problem || result.failed > 0 || (watch?.back.length ?? 0) > 0 ? ExitCode.Negative : ExitCode.Ok;
  } catch (error) {
    if (error instanceof MoveTaskRunning) io.err(`ops dlq redrive: ${error.message}`);
    else io.err(`ops dlq redrive: ${failureMessage(error, where, choice.local, `the queues of ${provider.id}`)}`);
    return ExitCode.Negative;
  } finally {
    sqsHolder.client?.destroy();
  }
}

const list: Command = { name: 'list', summary: "list a provider's dead-letter queue (ids, types, keys, last error; no bodies)", usage: listUsage, run: runList };
const redriveCommand: Command = { name: 'redrive', summary: "move a provider's dead-letter queue back to its queue", usage: redriveUsage, run: runRedrive };

const usage = `usage: ops dlq list --provider <id> [--local | --stack <name>] [--max <n>] [--json] [--show-body]
       ops dlq redrive --provider <id> [--local | --stack <name>] [--max <n>] [--wait <s>] [--dry-run] [--json]

A provider's dead-letter queue: events the processor set aside (a permanent failure at once, a transient one after the retry budget) or that crashed it maxReceiveCount times.
  list      what is in it, without removing anything (no bodies unless --show-body)
  redrive   move it back to the queue once the cause is fixed

Run 'ops dlq list --help' or 'ops dlq redrive --help' for the options. Procedure:
docs/runbook.md#dlq-not-empty`;

export const dlq: Command = {
  name: 'dlq',
  summary: "inspect a provider's dead-letter queue and redrive it",
  usage,
  run: () => {
    throw new UsageError('expected a subcommand: list, redrive');
  },
  subcommands: [list, redriveCommand],
};
