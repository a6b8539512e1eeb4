/**
 * What happens to a record whose processing failed (docs/architecture.md, "Failures, retries and the DLQ"):
 *
 *   permanent (errors.ts PermanentError)   → SendMessage to the DLQ now, record reported handled
 *   transient, budget left                 → ChangeMessageVisibility(backoff), record reported failed
 *   transient, budget spent                → SendMessage to the DLQ, record reported handled
 *   the DLQ send itself failed             → record reported failed: it comes back after the queue's
 *                                            visibility timeout and the move is tried again
 *
 * The SQS call comes first and the ledger write second, so the ledger says what was done, not what was
 * meant: `nextRetryAt` only once the visibility changed, `deadLetteredAt` only once the copy is in the DLQ.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { errorFields } from '../shared/observability.ts';
import { failureClassOf, RecordFailedError, safeErrorSummary, UnrecognizedEventError, type FailureClass } from './errors.ts';
import type { FailureRecord, LedgerEntryRef, LedgerWrite } from './processing-ledger.ts';
import { ProcessorMetric, type ProcessorMetricName } from '../contract/metrics.ts';
import type { Redelivery } from './redelivery.ts';
import { decideRetry } from './retry-policy.ts';

export interface FailureDeps {
  readonly config: { readonly retryBudgetSeconds: number };
  readonly ledger: { markFailed(entry: LedgerEntryRef, failure: FailureRecord, now: Date): Promise<LedgerWrite> };
  readonly redelivery: Pick<Redelivery, 'retryAfter' | 'moveToDeadLetterQueue'>;
  readonly logger: Logger;
  readonly count: (metric: ProcessorMetricName) => void;
  readonly clock: () => Date;
  readonly random: () => number;
}

type LogFields = Record<string, string | number | undefined>;

/** Epoch ms of the first receive; SentTimestamp, then now, where the attribute is missing. */
function firstReceiveMs(record: SQSRecord, now: Date): number {
  for (const value of [record.attributes.ApproximateFirstReceiveTimestamp, record.attributes.SentTimestamp]) {
    const ms = Number(value);
    if (value && Number.isFinite(ms) && ms > 0) return ms;
  }
  return now.getTime();
}

type Plan =
  | { readonly action: 'dead-letter'; readonly reason: string }
  | { readonly action: 'retry'; readonly delaySeconds: number };

function plan(record: SQSRecord, failureClass: FailureClass, summary: string, now: Date, deps: FailureDeps): Plan {
  if (failureClass === 'permanent') return { action: 'dead-letter', reason: summary };
  const decision = decideRetry({
    receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
    firstReceiveMs: firstReceiveMs(record, now),
    nowMs: now.getTime(),
    budgetSeconds: deps.config.retryBudgetSeconds,
    random: deps.random,
  });
  if (decision.kind === 'retry') return { action: 'retry', delaySeconds: decision.delaySeconds };
  return { action: 'dead-letter', reason: `retry budget of ${deps.config.retryBudgetSeconds} s spent (${decision.elapsedSeconds} s since the first receive); last error ${summary}` };
}

/** Returns when the record is handled (in the DLQ, or processed by another delivery); throws to have it retried. */
export async function handleFailure(
  record: SQSRecord, entry: LedgerEntryRef | undefined, error: unknown, fields: LogFields, deps: FailureDeps,
): Promise<void> {
  const { logger, count } = deps;
  const summary = safeErrorSummary(error);
  const failureClass = failureClassOf(error);
  const now = deps.clock();
  const next = plan(record, failureClass, summary, now, deps);
  const failure: { -readonly [K in keyof FailureRecord]: FailureRecord[K] } = { lastError: summary, failureClass };
  let disposition: 'dead-lettered' | 'retry-scheduled' | 'retry';

  if (next.action === 'dead-letter') {
    try {
      await deps.redelivery.moveToDeadLetterQueue(record, { failureClass, reason: next.reason.slice(0, 256), at: now });
      failure.deadLetteredAt = now;
      disposition = 'dead-lettered';
    } catch (sendError) {
      logger.warn('could not move the message to the dead-letter queue; it comes back after the visibility timeout', { ...fields, ...errorFields(sendError), error: safeErrorSummary(sendError) });
      disposition = 'retry';
    }
  } else {
    try {
      await deps.redelivery.retryAfter(record, next.delaySeconds);
      failure.nextRetryAt = new Date(now.getTime() + next.delaySeconds * 1000);
      fields['retryDelaySeconds'] = next.delaySeconds;
      disposition = 'retry-scheduled';
    } catch (visibilityError) {
      logger.warn('could not delay the retry; it comes back after the visibility timeout', { ...fields, ...errorFields(visibilityError), error: safeErrorSummary(visibilityError) });
      disposition = 'retry';
    }
  }

  if (entry !== undefined && (await markFailed(deps, entry, failure, now, fields)) === 'already-processed') {
    // Another delivery of the same event succeeded meanwhile: nothing is left to retry.
    count(ProcessorMetric.DuplicateDelivery);
    logger.info('duplicate delivery: failed, but the event was already processed', { ...fields, error: summary });
    return;
  }
  count(ProcessorMetric.ProcessingFailure);
  // errorFields adds the HTTP status and AWS request id of a service error (for AWS support), no message.
  logger.error('event processing failed', { ...fields, ...errorFields(error), error: summary, failureClass, disposition });
  if (disposition === 'dead-lettered') {
    count(ProcessorMetric.DeadLettered);
    if (error instanceof UnrecognizedEventError) count(ProcessorMetric.UnrecognizedDeadLettered);
    return;
  }
  if (disposition === 'retry-scheduled') count(ProcessorMetric.RetryScheduled);
  throw new RecordFailedError(summary);
}

async function markFailed(
  deps: FailureDeps, entry: LedgerEntryRef, failure: FailureRecord, now: Date, fields: LogFields,
): Promise<LedgerWrite | undefined> {
  try {
    return await deps.ledger.markFailed(entry, failure, now);
  } catch (error) {
    deps.logger.warn('could not mark the ledger entry failed', { ...fields, ...errorFields(error), error: safeErrorSummary(error) });
    return undefined;
  }
}
