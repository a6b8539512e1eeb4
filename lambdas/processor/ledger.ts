/**
 * The processor's two writes to an event ledger entry (docs/architecture.md, "Ledger table"). Both are
 * conditional on the entry not being `processed` yet, so the `processed` transition happens exactly once
 * per event however often SQS delivers it, and a late failure never overwrites a success.
 */
import { UpdateItemCommand, type DynamoDBClient, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { eventKey } from '../shared/ledger-keys.ts';
import { isConditionalCheckFailure } from './errors.ts';
import type { ProcessingOutcome } from './routing.ts';

export interface LedgerEntryRef {
  readonly provider: string;
  readonly dedupeKey: string;
  readonly eventType: string;
}

/** `marked`: this call made the transition; `already-processed`: an earlier delivery did. */
export type LedgerWrite = 'marked' | 'already-processed';

const NOT_YET_PROCESSED = 'attribute_not_exists(#status) OR #status <> :processed';
const DAY_SECONDS = 86_400;

/**
 * A delivery may find no entry (TTL removed it while the message waited, or an operator re-sent it):
 * the update then creates one, with the identifying attributes the verifier would have written.
 */
function identity(entry: LedgerEntryRef, now: Date, retentionDays: number) {
  return {
    expression: 'provider = if_not_exists(provider, :provider), dedupeKey = if_not_exists(dedupeKey, :dedupeKey), ' +
      'eventType = if_not_exists(eventType, :eventType), expiresAt = if_not_exists(expiresAt, :expiresAt)',
    values: {
      ':provider': { S: entry.provider },
      ':dedupeKey': { S: entry.dedupeKey },
      ':eventType': { S: entry.eventType },
      ':expiresAt': { N: String(Math.floor(now.getTime() / 1000) + retentionDays * DAY_SECONDS) },
    },
  };
}

/** One conditional transition of the entry: its own attributes, plus the attempt count and identity. */
function transition(
  table: string, entry: LedgerEntryRef, now: Date, retentionDays: number,
  sets: string, values: UpdateItemCommandInput['ExpressionAttributeValues'],
): UpdateItemCommandInput {
  const { pk, sk } = eventKey(entry.provider, entry.dedupeKey);
  const id = identity(entry, now, retentionDays);
  return {
    TableName: table,
    Key: { pk: { S: pk }, sk: { S: sk } },
    UpdateExpression: `SET ${sets}, attempts = if_not_exists(attempts, :zero) + :one, ${id.expression}`,
    ConditionExpression: NOT_YET_PROCESSED,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':processed': { S: 'processed' }, ':zero': { N: '0' }, ':one': { N: '1' }, ...values, ...id.values },
  };
}

export function markProcessedRequest(
  table: string, entry: LedgerEntryRef, outcome: ProcessingOutcome, now: Date, retentionDays: number,
): UpdateItemCommandInput {
  return transition(table, entry, now, retentionDays, '#status = :processed, processedAt = :now, outcome = :outcome', {
    ':now': { S: now.toISOString() },
    ':outcome': { S: outcome },
  });
}

export function markFailedRequest(
  table: string, entry: LedgerEntryRef, lastError: string, now: Date, retentionDays: number,
): UpdateItemCommandInput {
  // firstFailedAt tells on-call how long an event has been failing (`ops dlq list`).
  return transition(table, entry, now, retentionDays, '#status = :failed, lastError = :lastError, firstFailedAt = if_not_exists(firstFailedAt, :now)', {
    ':failed': { S: 'failed' },
    ':now': { S: now.toISOString() },
    ':lastError': { S: lastError },
  });
}

export class EventLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly retentionDays: number,
  ) {}

  markProcessed(entry: LedgerEntryRef, outcome: ProcessingOutcome, now: Date): Promise<LedgerWrite> {
    return this.conditionalUpdate(markProcessedRequest(this.table, entry, outcome, now, this.retentionDays));
  }

  /** `lastError` must be a safe summary (errors.ts), never body content. */
  markFailed(entry: LedgerEntryRef, lastError: string, now: Date): Promise<LedgerWrite> {
    return this.conditionalUpdate(markFailedRequest(this.table, entry, lastError, now, this.retentionDays));
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
