/**
 * `ops replay`: re-processes recorded events through the provider's processor (docs/architecture.md,
 * "Archive and replay"). One event by `--key`, or every event of a time range (`--since`, ops/replay/range.ts).
 * Each is rebuilt from its archive line (the processor archives every batch before processing it), or, for an
 * entry without one, from the ledger entry and its claim-checked body (lambdas/verifier/enqueue.ts
 * claimCheckMessage), and sent with a replay marker: the processor processes it even if processed before,
 * once per replay run (the ledger's `replays`, `lastReplayAt`, `lastReplayRun`). Never prints a body.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { signedTimestampText } from '../../lambdas/contract/ledger-keys.ts';
import { claimCheckMessage } from '../../lambdas/verifier/enqueue.ts';
import { parseOptions, UsageError } from '../args.ts';
import { ExitCode, type Command, type Io } from '../command.ts';
import { readLedgerRecord } from '../ledger-records.ts';
import { ArchiveReader, newReplayRun, prepareReplay, REPLAYABLE_STATUSES, sendReplay } from '../replay/replayer.ts';
import { replayRange, summaryJson, summaryLine } from '../replay/range.ts';
import { parseStatusFilter, STATUS_FILTERS, type StatusFilter } from '../event-search.ts';
import { parseTimeRange } from '../time-range.ts';
import { json } from '../terminal.ts';
import { providerOperations } from '../../providers/operations.ts';
import { providerIds, requireProvider } from '../providers.ts';
import { chooseTarget, failureMessage, NotFound, resolveTarget, targetHelp, TARGET_OPTIONS, whereOf } from '../stack.ts';
import { shown } from '../terminal.ts';

/** What the sender does when asked to resend (`providers/<id>/notes.ts`), for the "not replayable" message. */
const resendNote = (providerId: string): string | undefined => providerOperations.get(providerId)?.notes.resend;

const usage = `usage: ops replay --provider <id> (--key <dedupe key> | --since <time> [--until <time>]) [--type <event type>]
                  [--status <status>] [--dry-run] [--max <n>] [--local | --stack <name> [--region <region>]] [--json]

Re-processes recorded events through the provider's processor, after a processor bug was fixed: each event
is rebuilt from the archive (the processor archives every batch it receives, bodies as received, for
ledgerRetentionDays) and sent to the provider's queue with a replay marker. The processor processes a
replayed event even if its ledger entry says processed, at most once per replay run, and records
'replays' and 'lastReplayAt' on the entry. State updates stay idempotent and ordered by event time.
An entry without an archive line (processed before the archive existed) is rebuilt from its claim-checked
body when it has one. Events past the retention (no ledger entry, or no archive object) are not found.

options:
  --provider <id>    ${providerIds().join(', ')}
  --key <dedupe key> one event (ops events and ops dlq list show dedupe keys)
  --since <time>     every event received at or after <time>: ISO 8601 with a zone (2026-12-07T16:00:00Z; a date
                     is UTC midnight) or a duration before now (30m, 1h, 2d)
  --until <time>     ... and at or before <time> (default: now)
  --type <type>      only this event type
  --status <status>  only entries with this status: ${STATUS_FILTERS.join(', ')}
                     (only ${REPLAYABLE_STATUSES.join(' and ')} entries are replayed; the others are in flight: skipped)
  --dry-run          list what would be replayed; send nothing
  --max <n>          replay at most n events (the rest are reported as skipped)
${targetHelp()}
  --json             the result as one JSON object
  -h, --help         show this help

output: a line per event and a summary (replayed, skipped, not found, failed) on stdout; progress on stderr.

exit codes: 0 done (a range may include events skipped or not found); 1 something failed to send, or with
--key: no such entry, nothing kept to rebuild it from, or the stack, queue or local stack was not found;
2 usage error

examples:
  npm run -s ops -- replay --provider stripe --since 1h --dry-run --local
  npm run -s ops -- replay --provider stripe --since 2026-12-07T09:00:00Z --until 2026-12-07T11:00:00Z --type invoice.paid --local
  AWS_PROFILE=prod npm run -s ops -- replay --provider sully --key 'note_generation.succeeded:note_42' --stack WebhookReceiver-prod`;

async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  const args = parseOptions(argv, {
    ...TARGET_OPTIONS, key: { type: 'string' }, json: { type: 'boolean' }, since: { type: 'string' }, until: { type: 'string' },
    type: { type: 'string' }, status: { type: 'string' }, 'dry-run': { type: 'boolean' }, max: { type: 'string' },
  }, ['provider']);
  const provider = requireProvider(args.required('provider'));
  const sinceText = args.optional('since');
  const keyText = args.optional('key');
  if ((sinceText === undefined) === (keyText === undefined)) throw new UsageError('give either --key <dedupe key> or --since <time>');
  if (sinceText === undefined && args.optional('until') !== undefined) throw new UsageError('--until needs --since');
  const now = new Date();
  // The same time syntax as ops events (ops/time-range.ts): ISO 8601 with a zone, a date, or 30m/1h/2d before now.
  const { since, until } = parseTimeRange({ since: sinceText, until: args.optional('until') }, now.getTime());
  const type = args.optional('type');
  const status = parseStatusFilter(args.optional('status'));
  const maxText = args.optional('max');
  if (maxText !== undefined && !/^[1-9]\d{0,6}$/.test(maxText)) throw new UsageError('--max must be a whole number from 1 to 9999999');
  const max = maxText === undefined ? undefined : Number(maxText);
  const dryRun = args.flag('dry-run');
  const marker = newReplayRun(now);
  const choice = await chooseTarget(args, io, 'replay');
  const where = whereOf(choice);
  if (since !== undefined) {
    return runRange({ providerId: provider.id, unit: provider.timestamp?.unit, choice, where, since, until, type, status, dryRun, max, marker, asJson: args.flag('json') }, io);
  }
  const key = keyText!;
  if (key === '' || key.length > 1024) throw new UsageError('--key must be a dedupe key of 1 to 1024 characters');

  const clients: { destroy(): void }[] = [];
  try {
    const target = await resolveTarget(choice, provider.id);
    const dynamo = new DynamoDBClient(target.client('dynamodb'));
    clients.push(dynamo);
    const entry = await readLedgerRecord(dynamo, target.table, provider.id, key);
    if (!entry) {
      throw new NotFound(`no ledger entry for ${provider.id} with dedupe key '${key}' in ${target.where}: check the key (ops events --provider ${provider.id}${choice.local ? ' --local' : ''}); entries expire after ledgerRetentionDays`);
    }
    if ((type !== undefined && entry.eventType !== type) || (status !== undefined && !keyMatchesStatus(entry, status))) {
      io.out(`skipped ${provider.id} '${shown(key)}': its event type ${shown(entry.eventType ?? '-')} / status ${entry.status ?? '-'} do not match --type/--status`);
      return ExitCode.Ok;
    }
    if (entry.archiveKey !== undefined) {
      if (!target.bucket) throw new NotFound(`${target.where} has no ClaimCheckBucketName output`);
      const s3 = new S3Client(target.client('s3'));
      clients.push(s3);
      const prepared = await prepareReplay(entry, { provider: provider.id, bucket: target.bucket, reader: new ArchiveReader(s3, target.bucket), marker, ...(provider.timestamp?.unit ? { timestampUnit: provider.timestamp.unit } : {}) });
      if (prepared.kind !== 'send') {
        if (prepared.kind === 'skipped') {
          io.out(`skipped ${provider.id} '${shown(key)}': ${prepared.reason}`);
          return ExitCode.Ok;
        }
        throw new NotFound(`${provider.id} event '${shown(key)}' cannot be replayed: ${prepared.reason}`);
      }
      const summary = { provider: provider.id, where: target.where, runId: marker.runId, dedupeKey: key, eventType: entry.eventType ?? null, ledgerStatus: entry.status ?? null, source: prepared.source, archive: { key: entry.archiveKey, line: entry.archiveLine ?? null }, replays: entry.replays ?? 0, alreadyProcessed: entry.status === 'processed' };
      if (dryRun) {
        io.out(args.flag('json') ? json({ ...summary, dryRun: true }, 2) : `would replay ${provider.id} ${shown(entry.eventType ?? '-')} '${shown(key)}' from the archive (${target.where})`);
        return ExitCode.Ok;
      }
      const sqsClient = new SQSClient(target.client('sqs'));
      clients.push(sqsClient);
      const messageId = await sendReplay(sqsClient, target.queueUrl, prepared.envelope);
      if (args.flag('json')) io.out(json({ ...summary, messageId: messageId ?? null }, 2));
      else {
        io.out(`re-enqueued ${provider.id} ${shown(entry.eventType ?? '-')} '${shown(key)}' from the archive as message ${messageId ?? '?'} (${target.where}), replay run ${marker.runId}`);
        io.out(replayConsequence(entry.status, entry.processedAt));
        io.err(`follow it: ops events --provider ${provider.id}${choice.local ? ' --local' : ''}`);
      }
      return ExitCode.Ok;
    }
    if (!entry.claimCheckKey) {
      const note = entry.status === 'received' ? ' (and it is still being received: its claim is in flight)' : '';
      throw new NotFound(`the body of ${provider.id} event '${key}' is not kept: it travelled inline in its SQS message (bodies under the claim-check threshold do), ` +
        `and the ledger stores no body${note}. If the message is in the DLQ, use ops dlq redrive --provider ${provider.id}${choice.local ? ' --local' : ''}; ` +
        `otherwise ask the sender: ${resendNote(provider.id) ?? 'resend it from the sender\'s side'}`);
    }
    if (!target.bucket) throw new NotFound(`${target.where} has no ClaimCheckBucketName output`);
    if (!entry.eventType || !entry.receivedAt || !entry.bodySha256) {
      throw new NotFound(`the ledger entry of '${key}' lacks ${['eventType', 'receivedAt', 'bodySha256'].filter((f) => !entry[f as keyof typeof entry]).join(', ')}: it cannot be rebuilt into an envelope`);
    }
    const s3 = new S3Client(target.client('s3'));
    clients.push(s3);
    try {
      await s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: entry.claimCheckKey }));
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'NotFound' || name === 'NoSuchKey' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
        throw new NotFound(`the claim-checked body of '${key}' is gone from the bucket (kept claimCheckRetentionDays days): it cannot be replayed; ask the sender: ${resendNote(provider.id) ?? 'resend it'}`);
      }
      throw error;
    }

    // The signed timestamp as the sender sent it, as the verifier's envelope carries it (suki's processor
    // orders state by it). Entries claimed before the ledger stored signedAt have none: the processor then
    // falls back to receivedAt.
    const unit = provider.timestamp?.unit;
    const signedTimestamp = entry.signedAt !== undefined && unit ? signedTimestampText(entry.signedAt, unit) : undefined;
    const message = claimCheckMessage({
      provider: provider.id,
      queueUrl: target.queueUrl,
      eventType: entry.eventType,
      dedupeKey: key,
      receivedAt: Date.parse(entry.receivedAt),
      ...(signedTimestamp !== undefined ? { signedTimestamp } : {}),
      bodySha256: entry.bodySha256,
      body: new Uint8Array(0), // the claim check carries the body; the message never does
    }, { bucket: target.bucket, key: entry.claimCheckKey });
    if (dryRun) {
      io.out(`would replay ${provider.id} ${shown(entry.eventType)} '${shown(key)}' from the claim-check store (${target.where})`);
      return ExitCode.Ok;
    }
    const sqs = new SQSClient(target.client('sqs'));
    clients.push(sqs);
    // With the replay marker: processed again even if processed before, once for this run.
    const replayBody = JSON.stringify({ ...(JSON.parse(message.body) as object), replay: marker });
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: replayBody, MessageAttributes: message.attributes }));

    const processed = entry.status === 'processed';
    const consequence = replayConsequence(entry.status, entry.processedAt);
    if (args.flag('json')) {
      io.out(JSON.stringify({
        provider: provider.id, where: target.where, runId: marker.runId, source: 'claim-check', dedupeKey: key, eventType: entry.eventType, ledgerStatus: entry.status ?? null,
        signedTimestamp: signedTimestamp ?? null,
        messageId: sent.MessageId ?? null, claimCheck: { bucket: target.bucket, key: entry.claimCheckKey }, alreadyProcessed: processed, consequence,
      }, null, 2));
    } else {
      io.out(`re-enqueued ${provider.id} ${shown(entry.eventType)} '${shown(key)}' from the claim-check store as message ${sent.MessageId ?? '?'} (${target.where})`);
      io.out(consequence);
      io.err(`follow it: ops events --provider ${provider.id}${choice.local ? ' --local' : ''}`);
    }
    return ExitCode.Ok;
  } catch (error) {
    io.err(`ops replay: ${failureMessage(error, where, choice.local, `the ledger, bucket or queue of ${provider.id}`)}`);
    return ExitCode.Negative;
  } finally {
    for (const client of clients) client.destroy();
  }
}

/** What the processor does with the replayed event. */
function replayConsequence(status: string | undefined, processedAt: string | undefined): string {
  return status === 'processed'
    ? `it was processed already (${processedAt ?? 'earlier'}): the replay marker makes the processor process it again, once for this run ` +
      '(the ledger counts replays and sets lastReplayAt; its state update is idempotent and ordered by event time)'
    : `its ledger status is ${status ?? 'unknown'}: the processor processes it now, once for this run (a copy redriven from the DLQ afterwards is a duplicate delivery)`;
}

/** `--status` for one entry read by key (the search applies it for a range). */
function keyMatchesStatus(entry: { status?: string; deadLetteredAt?: string }, status: StatusFilter): boolean {
  if (status === 'in-flight') return ['received', 'enqueued', 'spooled'].includes(entry.status ?? '');
  if (status === 'dead-lettered') return entry.deadLetteredAt !== undefined;
  if (status === 'unrecognized') return false; // the ledger record read by key does not carry it; use --since
  return entry.status === status;
}

interface RangeRun {
  readonly providerId: string;
  readonly unit: 's' | 'ms' | undefined;
  readonly choice: Awaited<ReturnType<typeof chooseTarget>>;
  readonly where: string;
  readonly since: number;
  readonly until: number | undefined;
  readonly type: string | undefined;
  readonly status: StatusFilter | undefined;
  readonly dryRun: boolean;
  readonly max: number | undefined;
  readonly marker: ReturnType<typeof newReplayRun>;
  readonly asJson: boolean;
}

async function runRange(r: RangeRun, io: Io): Promise<ExitCode> {
  const clients: { destroy(): void }[] = [];
  try {
    const target = await resolveTarget(r.choice, r.providerId);
    if (!target.bucket) throw new NotFound(`${target.where} has no ClaimCheckBucketName output`);
    const dynamo = new DynamoDBClient(target.client('dynamodb'));
    const s3 = new S3Client(target.client('s3'));
    const sqs = new SQSClient(target.client('sqs'));
    clients.push(dynamo, s3, sqs);
    io.err(`replay run ${r.marker.runId}: ${r.dryRun ? 'listing' : 'replaying'} ${r.providerId} events received from ${new Date(r.since).toISOString()} to ${new Date(r.until ?? Date.now()).toISOString()} (${target.where})`);
    const summary = await replayRange({
      dynamo, sqs, table: target.table, queueUrl: target.queueUrl, where: target.where, dryRun: r.dryRun, asJson: r.asJson,
      ...(r.max !== undefined ? { max: r.max } : {}),
      filters: { provider: r.providerId, since: r.since, ...(r.until !== undefined ? { until: r.until } : {}), ...(r.type !== undefined ? { type: r.type } : {}), ...(r.status !== undefined ? { status: r.status } : {}) },
      context: { provider: r.providerId, bucket: target.bucket, reader: new ArchiveReader(s3, target.bucket), marker: r.marker, ...(r.unit ? { timestampUnit: r.unit } : {}) },
    }, io);
    io.out(r.asJson ? summaryJson(summary, r.providerId, target.where) : summaryLine(summary, target.where));
    if (!r.asJson && !r.dryRun && summary.replayed > 0) io.err(`follow it: ops events --provider ${r.providerId}${r.choice.local ? ' --local' : ''}`);
    return summary.failed > 0 ? ExitCode.Negative : ExitCode.Ok;
  } catch (error) {
    io.err(`ops replay: ${failureMessage(error, r.where, r.choice.local, `the ledger, bucket or queue of ${r.providerId}`)}`);
    return ExitCode.Negative;
  } finally {
    for (const client of clients) client.destroy();
  }
}

export const replay: Command = {
  name: 'replay',
  summary: 're-process recorded events through the processor (one by key, or a time range; from the archive)',
  usage,
  run,
};
