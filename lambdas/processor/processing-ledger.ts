/**
 * The processor's two writes to an event ledger entry (docs/architecture.md, "Ledger table"). Both are
 * conditional on the entry not being `processed` yet, so the `processed` transition happens exactly once
 * per event however often SQS delivers it, and a late failure never overwrites a success.
 */
import { UpdateItemCommand, type DynamoDBClient, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { eventKey } from '../contract/ledger-keys.ts';
import { isConditionalCheckFailure, type FailureClass } from './errors.ts';
import type { ProcessingOutcome } from './event-processor.ts';

export interface LedgerEntryRef {
  readonly provider: string;
  readonly dedupeKey: string;
  readonly eventType: string;
  /** From the envelope: kept on an entry this processor creates (the verifier's claim was bypassed). */
  readonly bodySha256?: string;
  readonly receivedAt?: string;
  /** Where this delivery archived the event (archive.ts): recorded as `archiveKey` and `archiveLine`. */
  readonly archive?: { readonly key: string; readonly line: number };
  /** The envelope's replay marker run id: the write is conditional on this run not having replayed it yet. */
  readonly replayRunId?: string;
}

/** `marked`: this call made the transition; `already-processed`: an earlier delivery did. */
export type LedgerWrite = 'marked' | 'already-processed';

const NOT_YET_PROCESSED = 'attribute_not_exists(#status) OR #status <> :processed';
/** A replayed delivery: processed again even if processed before, but once per replay run. */
const NOT_YET_REPLAYED_BY_RUN = 'attribute_not_exists(lastReplayRun) OR lastReplayRun <> :runId';
const DAY_SECONDS = 86_400;

/**
 * A delivery may find no entry (the verifier could not reach the ledger and enqueued it unclaimed, TTL
 * removed it while the message waited, or an operator re-sent it): the update then creates one, with the
 * identifying attributes the verifier would have written. `retentionDays` is the entry's lifetime: longer
 * for a provider that signs no timestamp, whose entry is its only replay protection (handler.ts).
 */
function identity(entry: LedgerEntryRef, now: Date, retentionDays: number) {
  const sets = [
    'provider = if_not_exists(provider, :provider)', 'dedupeKey = if_not_exists(dedupeKey, :dedupeKey)',
    'eventType = if_not_exists(eventType, :eventType)', 'expiresAt = if_not_exists(expiresAt, :expiresAt)',
  ];
  const values: NonNullable<UpdateItemCommandInput['ExpressionAttributeValues']> = {
    ':provider': { S: entry.provider },
    ':dedupeKey': { S: entry.dedupeKey },
    ':eventType': { S: entry.eventType },
    ':expiresAt': { N: String(Math.floor(now.getTime() / 1000) + retentionDays * DAY_SECONDS) },
  };
  if (entry.bodySha256 !== undefined) {
    sets.push('bodySha256 = if_not_exists(bodySha256, :bodySha256)');
    values[':bodySha256'] = { S: entry.bodySha256 };
  }
  // The time index's sort key (ops events): never an empty string, which DynamoDB refuses as an index key.
  if (entry.receivedAt) {
    sets.push('receivedAt = if_not_exists(receivedAt, :receivedAt)');
    values[':receivedAt'] = { S: entry.receivedAt };
  }
  return { expression: sets.join(', '), values };
}

/** One conditional transition of the entry: its own attributes, plus the attempt count and identity. */
function transition(
  table: string, entry: LedgerEntryRef, now: Date, retentionDays: number,
  sets: string, values: UpdateItemCommandInput['ExpressionAttributeValues'], removes: readonly string[] = [],
): UpdateItemCommandInput {
  const { pk, sk } = eventKey(entry.provider, entry.dedupeKey);
  const id = identity(entry, now, retentionDays);
  let archiveSets = '';
  const extra: NonNullable<UpdateItemCommandInput['ExpressionAttributeValues']> = {};
  if (entry.archive !== undefined) {
    archiveSets = ', archiveKey = :archiveKey, archiveLine = :archiveLine';
    extra[':archiveKey'] = { S: entry.archive.key };
    extra[':archiveLine'] = { N: String(entry.archive.line) };
  }
  // A replay run may overwrite a `processed` entry (that is its point); the condition is on the run instead.
  const replay = entry.replayRunId !== undefined;
  if (replay) extra[':runId'] = { S: entry.replayRunId! };
  else extra[':processed'] = { S: 'processed' };
  return {
    TableName: table,
    Key: { pk: { S: pk }, sk: { S: sk } },
    UpdateExpression: `SET ${sets}, attempts = if_not_exists(attempts, :zero) + :one, ${id.expression}${archiveSets}` +
      (removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''),
    ConditionExpression: replay ? NOT_YET_REPLAYED_BY_RUN : NOT_YET_PROCESSED,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':zero': { N: '0' }, ':one': { N: '1' }, ...extra, ...values, ...id.values },
  };
}

export function markProcessedRequest(
  table: string, entry: LedgerEntryRef, outcome: ProcessingOutcome, now: Date, retentionDays: number,
): UpdateItemCommandInput {
  // A retry that succeeded is no longer due: nextRetryAt goes; lastError and failureClass stay as history.
  if (entry.replayRunId !== undefined) {
    // Processed again by a replay run: counted once per run (the condition), processedAt stays the first time.
    return transition(table, entry, now, retentionDays,
      '#status = :processed, processedAt = if_not_exists(processedAt, :now), outcome = :outcome, ' +
      'replays = if_not_exists(replays, :zero) + :one, lastReplayAt = :now, lastReplayRun = :runId', {
        ':processed': { S: 'processed' },
        ':now': { S: now.toISOString() },
        ':outcome': { S: outcome },
      }, ['nextRetryAt']);
  }
  return transition(table, entry, now, retentionDays, '#status = :processed, processedAt = :now, outcome = :outcome', {
    ':now': { S: now.toISOString() },
    ':outcome': { S: outcome },
  }, ['nextRetryAt']);
}

/** What one failed delivery did with the message (docs/architecture.md, "Ledger table"). */
export interface FailureRecord {
  /** A safe summary (errors.ts), never body content. */
  readonly lastError: string;
  readonly failureClass: FailureClass;
  /** When the message comes back (ChangeMessageVisibility); unset when it went to the DLQ. */
  readonly nextRetryAt?: Date;
  /** When the processor moved it to the DLQ. */
  readonly deadLetteredAt?: Date;
}

export function markFailedRequest(
  table: string, entry: LedgerEntryRef, failure: FailureRecord, now: Date, retentionDays: number,
): UpdateItemCommandInput {
  // firstFailedAt tells on-call how long an event has been failing (`ops dlq list`).
  const sets = ['#status = :failed', 'lastError = :lastError', 'failureClass = :failureClass', 'firstFailedAt = if_not_exists(firstFailedAt, :now)'];
  const values: NonNullable<UpdateItemCommandInput['ExpressionAttributeValues']> = {
    ':failed': { S: 'failed' },
    ':now': { S: now.toISOString() },
    ':lastError': { S: failure.lastError },
    ':failureClass': { S: failure.failureClass },
  };
  // Only the current plan is kept: a redriven event that fails again is no longer "dead-lettered at".
  const removes: string[] = [];
  if (failure.nextRetryAt !== undefined) {
    sets.push('nextRetryAt = :nextRetryAt');
    values[':nextRetryAt'] = { S: failure.nextRetryAt.toISOString() };
  } else removes.push('nextRetryAt');
  if (failure.deadLetteredAt !== undefined) {
    sets.push('deadLetteredAt = :deadLetteredAt');
    values[':deadLetteredAt'] = { S: failure.deadLetteredAt.toISOString() };
  } else removes.push('deadLetteredAt');
  return transition(table, entry, now, retentionDays, sets.join(', '), values, removes);
}

export class ProcessingLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly retentionDays: number,
  ) {}

  markProcessed(entry: LedgerEntryRef, outcome: ProcessingOutcome, now: Date): Promise<LedgerWrite> {
    return this.conditionalUpdate(markProcessedRequest(this.table, entry, outcome, now, this.retentionDays));
  }

  /** `failure.lastError` must be a safe summary (errors.ts), never body content. */
  markFailed(entry: LedgerEntryRef, failure: FailureRecord, now: Date): Promise<LedgerWrite> {
    return this.conditionalUpdate(markFailedRequest(this.table, entry, failure, now, this.retentionDays));
  }

  private async conditionalUpdate(input: UpdateItemCommandInput): Promise<LedgerWrite> {
    try {
      await this.client.send(new UpdateItemCommand(input));
      return 'marked';
    } catch (error) {
      if (isConditionalCheckFailure(error)) return 'already-processed';
      throw error;
    }
  }
}
