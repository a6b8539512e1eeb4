/**
 * One SQS record, start to finish: open the envelope, resolve and parse the body, route it through the
 * provider's handler map, then mark the ledger entry processed (exactly once, conditionally). A failure
 * marks the entry `failed` and throws, so the batch reports the record and SQS redelivers it (then the DLQ).
 * Logs carry ids, types, sizes and outcomes; bodies never leave this function.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { EnvelopeError, parseEnvelope, type Envelope } from '../shared/envelope.ts';
import { assertBodyDigest, parseJsonBody, resolveBody, type ClaimCheckReader } from './body.ts';
import type { ProcessorSettings } from './config.ts';
import { errorFields } from '../shared/observability.ts';
import { FailureDrillError, PoisonMessageError, RecordFailedError, safeErrorSummary } from './errors.ts';
import type { JsonObject } from './fields.ts';
import type { LedgerEntryRef, LedgerWrite } from './ledger.ts';
import { ProcessorMetric, type ProcessorMetricName } from './observability.ts';
import {
  findHandler,
  type ProcessingOutcome,
  type ProcessorEvent,
  type ProviderProcessor,
  type ResourceStateChange,
  type StateWrite,
} from './routing.ts';
import { assertSafeStateChange } from './state-store.ts';

export interface RecordProcessorDeps {
  readonly config: Pick<ProcessorSettings, 'providerId' | 'claimCheckBucket' | 'failEventTypes'>;
  readonly processor: ProviderProcessor;
  readonly ledger: {
    markProcessed(entry: LedgerEntryRef, outcome: ProcessingOutcome, now: Date): Promise<LedgerWrite>;
    markFailed(entry: LedgerEntryRef, lastError: string, now: Date): Promise<LedgerWrite>;
  };
  readonly states: { apply(event: ProcessorEvent, change: ResourceStateChange, now: Date): Promise<StateWrite> };
  readonly readClaimCheck: ClaimCheckReader;
  readonly logger: Logger;
  readonly count: (metric: ProcessorMetricName) => void;
  readonly clock: () => Date;
}

/** Log fields: ids, types, sizes and outcomes only. */
type LogFields = Record<string, string | number | undefined>;

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

function eventTimeOf(processor: ProviderProcessor, body: JsonObject, envelope: Envelope): number {
  const own = processor.eventTime(body, envelope);
  if (own !== undefined) return own;
  const received = Date.parse(envelope.receivedAt);
  if (!Number.isFinite(received)) throw new PoisonMessageError('envelope receivedAt is not a time');
  return received;
}

/** Runs the event through its handler; adds what it learns (sizes, resource, time) to `fields` for the log line. */
async function processEvent(envelope: Envelope, deps: RecordProcessorDeps, fields: LogFields): Promise<ProcessingOutcome> {
  if (deps.config.failEventTypes.has(envelope.eventType)) {
    throw new FailureDrillError('event type is listed in PROCESSOR_FAIL_EVENT_TYPES (failure drill)');
  }
  const { bytes, carrier } = await resolveBody(envelope, deps.readClaimCheck, deps.config.claimCheckBucket);
  fields['carrier'] = carrier;
  fields['bodyBytes'] = bytes.length;
  assertBodyDigest(bytes, envelope.bodySha256);
  const body = parseJsonBody(bytes, deps.processor.decodeBody);
  const handler = findHandler(deps.processor.handlers, envelope.eventType);
  if (handler === undefined) return 'unknown-event-type';

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
  return handler(event, {
    recordState: (change) => {
      assertSafeStateChange(change);
      fields['resourceType'] = change.resourceType;
      fields['resourceId'] = change.resourceId;
      return deps.states.apply(event, change, deps.clock());
    },
  });
}

const OUTCOME_METRIC: Partial<Record<ProcessingOutcome, ProcessorMetricName>> = {
  'unknown-event-type': ProcessorMetric.UnknownEventType,
  'stale-ignored': ProcessorMetric.StaleEventIgnored,
};

export function createRecordProcessor(deps: RecordProcessorDeps): (record: SQSRecord) => Promise<void> {
  const { logger, count } = deps;

  return async (record) => {
    const fields: LogFields = { messageId: record.messageId, receiveCount: Number(record.attributes.ApproximateReceiveCount) };
    let entry: LedgerEntryRef | undefined;
    try {
      const envelope = openEnvelope(record.body, deps.config.providerId);
      entry = { provider: envelope.provider, dedupeKey: envelope.dedupeKey, eventType: envelope.eventType };
      fields['eventType'] = entry.eventType;
      fields['dedupeKey'] = entry.dedupeKey;

      const outcome = await processEvent(envelope, deps, fields);
      fields['outcome'] = outcome;
      // Counted only when this delivery made the transition, so every metric counts events, not deliveries.
      if ((await deps.ledger.markProcessed(entry, outcome, deps.clock())) === 'already-processed') {
        count(ProcessorMetric.DuplicateDelivery);
        logger.info('duplicate delivery: event already processed', fields);
        return;
      }
      count(ProcessorMetric.Processed);
      const extra = OUTCOME_METRIC[outcome];
      if (extra !== undefined) count(extra);
      logger.info('event processed', fields);
    } catch (error) {
      const summary = safeErrorSummary(error);
      if (entry !== undefined && (await markFailed(deps, entry, summary, fields)) === 'already-processed') {
        // Another delivery of the same event succeeded meanwhile: nothing is left to retry.
        count(ProcessorMetric.DuplicateDelivery);
        logger.info('duplicate delivery: failed, but the event was already processed', { ...fields, error: summary });
        return;
      }
      count(ProcessorMetric.ProcessingFailure);
      // errorFields adds the HTTP status and AWS request id of a service error (for AWS support), no message.
      logger.error('event processing failed', { ...fields, ...errorFields(error), error: summary });
      throw new RecordFailedError(summary);
    }
  };
}

async function markFailed(
  deps: RecordProcessorDeps, entry: LedgerEntryRef, summary: string, fields: LogFields,
): Promise<LedgerWrite | undefined> {
  try {
    return await deps.ledger.markFailed(entry, summary, deps.clock());
  } catch (error) {
    deps.logger.warn('could not mark the ledger entry failed', { ...fields, ...errorFields(error), error: safeErrorSummary(error) });
    return undefined;
  }
}
