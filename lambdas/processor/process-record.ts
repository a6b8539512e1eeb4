/**
 * One SQS record, start to finish: open the envelope, resolve and parse the body, hand it to the
 * provider's `EventProcessor` (event-processor.ts: the seam to the business logic, `providers/<id>/processor.ts`),
 * then mark the ledger entry processed (exactly once, conditionally).
 *
 * A failure is split (failures.ts): a permanent one (unrecognized event, poison message, missing field,
 * unusable body, any `PermanentError` the processor throws) is moved to the DLQ on this receive and the
 * record reported handled; a transient one is put back with a jittered backoff delay and reported failed,
 * until the retry budget is spent, then moved to the DLQ too. Either way the ledger entry says `failed` with what happened. Logs carry ids, types, sizes
 * and outcomes; bodies never leave this function.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { EnvelopeError, parseEnvelope, type Envelope } from '../contract/envelope.ts';
import type { ArchiveOutcome } from './archive.ts';
import { ArchiveError } from './archive.ts';
import { assertBodyDigest, parseJsonBody, resolveBody, type ClaimCheckReader } from './body.ts';
import type { ProcessorSettings } from './config.ts';
import { FailureDrillError, PoisonMessageError, UnrecognizedEventError } from './errors.ts';
import { handleFailure, type FailureDeps } from './failures.ts';
import type { EventProcessor, JsonObject, ProcessingOutcome, ProcessorEvent } from './event-processor.ts';
import type { FailureRecord, LedgerEntryRef, LedgerWrite } from './processing-ledger.ts';
import { ProcessorMetric, type ProcessorMetricName } from '../contract/metrics.ts';
import { wasDeadLettered, type Redelivery } from './redelivery.ts';

export interface RecordProcessorDeps {
  readonly config: Pick<ProcessorSettings, 'providerId' | 'claimCheckBucket' | 'failEventTypes' | 'retryBudgetSeconds'>;
  readonly processor: EventProcessor;
  readonly ledger: {
    markProcessed(entry: LedgerEntryRef, outcome: ProcessingOutcome, now: Date): Promise<LedgerWrite>;
    markFailed(entry: LedgerEntryRef, failure: FailureRecord, now: Date): Promise<LedgerWrite>;
  };
  readonly redelivery: Pick<Redelivery, 'retryAfter' | 'moveToDeadLetterQueue'>;
  /** [0, 1): the backoff's jitter (Math.random; fixed in tests). */
  readonly random: () => number;
  readonly readClaimCheck: ClaimCheckReader;
  readonly logger: Logger;
  readonly count: (metric: ProcessorMetricName) => void;
  readonly clock: () => Date;
}

/** Log fields: ids, types, sizes and outcomes only. */
export type LogFields = Record<string, string | number | undefined>;

function openEnvelope(text: string, providerId: string): Envelope {
  let envelope: Envelope;
  try {
    envelope = parseEnvelope(text);
  } catch (error) {
    // EnvelopeError messages name fields only; anything else is reduced to its name.
    throw new PoisonMessageError(error instanceof EnvelopeError ? error.message : 'message could not be read');
  }
  if (envelope.provider !== providerId) throw new PoisonMessageError(`envelope is for provider '${envelope.provider}'`);
  return envelope;
}

function eventTimeOf(processor: EventProcessor, body: JsonObject, envelope: Envelope): number {
  const own = processor.eventTime(body, envelope);
  if (own !== undefined) return own;
  const received = Date.parse(envelope.receivedAt);
  if (!Number.isFinite(received)) throw new PoisonMessageError('envelope receivedAt is not a time');
  return received;
}

/** Runs the event through its processor; adds what it learns (sizes, time, the processor's ids) to `fields` for the log line. */
async function processEvent(envelope: Envelope, deps: RecordProcessorDeps, fields: LogFields): Promise<ProcessingOutcome> {
  if (deps.config.failEventTypes.has(envelope.eventType)) {
    throw new FailureDrillError('event type is listed in PROCESSOR_FAIL_EVENT_TYPES (failure drill)');
  }
  const { bytes, carrier } = await resolveBody(envelope, deps.readClaimCheck, deps.config.claimCheckBucket);
  fields['carrier'] = carrier;
  fields['bodyBytes'] = bytes.length;
  assertBodyDigest(bytes, envelope.bodySha256);
  const body = parseJsonBody(bytes, deps.processor.decodeBody);
  const event: ProcessorEvent = {
    provider: envelope.provider,
    eventType: envelope.eventType,
    dedupeKey: envelope.dedupeKey,
    receivedAt: envelope.receivedAt,
    ...(envelope.signedTimestamp !== undefined ? { signedTimestamp: envelope.signedTimestamp } : {}),
    eventTime: eventTimeOf(deps.processor, body, envelope),
    body,
  };
  fields['eventTime'] = new Date(event.eventTime).toISOString();
  const outcome = await deps.processor.handle(event, {
    clock: deps.clock,
    annotate: (extra) => Object.assign(fields, extra),
  });
  // A redriven unrecognized event still without a handler goes back to the DLQ: recording it as
  // processed (`unknown-event-type`) would drop a signed event nobody has looked at.
  if (outcome === 'unknown-event-type' && envelope.unrecognized !== undefined) {
    throw new UnrecognizedEventError(`no handler for event type '${envelope.eventType}' yet`);
  }
  return outcome;
}

const OUTCOME_METRIC: Partial<Record<ProcessingOutcome, ProcessorMetricName>> = {
  'unknown-event-type': ProcessorMetric.UnknownEventType,
  'stale-ignored': ProcessorMetric.StaleEventIgnored,
};

/**
 * `archived`: where the handler's batch archive (archive.ts) put this record, or the ArchiveError of a failed
 * archive PUT (the record then fails transiently, before any business logic), or undefined (not archived:
 * a replayed delivery, or a message that is not an envelope of this provider).
 */
export function createRecordProcessor(deps: RecordProcessorDeps): (record: SQSRecord, archived?: ArchiveOutcome) => Promise<void> {
  const { logger, count } = deps;

  return async (record, archived) => {
    const fields: LogFields = { messageId: record.messageId, receiveCount: Number(record.attributes.ApproximateReceiveCount) };
    let entry: LedgerEntryRef | undefined;
    try {
      const envelope = openEnvelope(record.body, deps.config.providerId);
      entry = {
        provider: envelope.provider, dedupeKey: envelope.dedupeKey, eventType: envelope.eventType,
        // For an entry the processor creates (unclaimed, or after TTL), what the verifier's claim would have held.
        bodySha256: envelope.bodySha256, receivedAt: envelope.receivedAt,
        ...(archived !== undefined && !(archived instanceof ArchiveError) ? { archive: archived } : {}),
        ...(envelope.replay !== undefined ? { replayRunId: envelope.replay.runId } : {}),
      };
      fields['eventType'] = entry.eventType;
      fields['dedupeKey'] = entry.dedupeKey;
      if (envelope.replay !== undefined) fields['replayRunId'] = envelope.replay.runId;
      // Archived before any business logic, or not processed at all: an event handled wrongly must be replayable.
      if (archived instanceof ArchiveError) throw archived;
      // The verifier could not read this signed event's type or dedupe key: no handler was written for its
      // shape. Straight to the DLQ, unless on-call redrove it from there (after adding a handler).
      // A replay run (ops replay) counts as such a decision too.
      if (envelope.unrecognized !== undefined && !wasDeadLettered(record) && envelope.replay === undefined) {
        throw new UnrecognizedEventError(`signed event not recognized by the verifier: ${envelope.unrecognized}`);
      }

      const outcome = await processEvent(envelope, deps, fields);
      fields['outcome'] = outcome;
      // Counted only when this delivery made the transition, so every metric counts events, not deliveries.
      if ((await deps.ledger.markProcessed(entry, outcome, deps.clock())) === 'already-processed') {
        count(ProcessorMetric.DuplicateDelivery);
        logger.info(entry.replayRunId !== undefined ? 'duplicate delivery: event already replayed by this run' : 'duplicate delivery: event already processed', fields);
        return;
      }
      count(ProcessorMetric.Processed);
      const extra = OUTCOME_METRIC[outcome];
      if (extra !== undefined) count(extra);
      logger.info('event processed', fields);
    } catch (error) {
      // Returns when the record is handled (moved to the DLQ, or processed meanwhile); throws to retry it.
      await handleFailure(record, entry, error, fields, deps satisfies FailureDeps);
    }
  };
}
