/**
 * The processor's metrics, on the shared Powertools instances (lambdas/shared/observability.ts). One
 * function serves one provider, so `provider` is set once as the default dimension and log key.
 */
import { logger, metrics, MetricUnit } from '../shared/observability.ts';

/** The processor's metrics (docs/architecture.md, "Metrics"). */
export const ProcessorMetric = {
  /** A ledger entry moved to `processed` (once per event, whatever the outcome). */
  Processed: 'Processed',
  /** A delivery of an event whose ledger entry was already `processed`. */
  DuplicateDelivery: 'DuplicateDelivery',
  /** An event type with no handler: recorded as processed, not failed. */
  UnknownEventType: 'UnknownEventType',
  /** A delivery that failed (whatever happens next: a retry later, or the DLQ). */
  ProcessingFailure: 'ProcessingFailure',
  /** A transient failure put back with a backoff delay (ChangeMessageVisibility). */
  RetryScheduled: 'RetryScheduled',
  /** The processor moved a message to the DLQ: a permanent failure, or the retry budget spent. */
  DeadLettered: 'DeadLettered',
  /**
   * Of those, events the verifier marked `unrecognized` (signed, but type or dedupe key unreadable). Not
   * named `UnrecognizedEvent`: that is the verifier's metric, same namespace and dimension, and its alarm.
   */
  UnrecognizedDeadLettered: 'UnrecognizedDeadLettered',
  /** An event older than the resource's state record: ignored, not failed. */
  StaleEventIgnored: 'StaleEventIgnored',
} as const;

export type ProcessorMetricName = (typeof ProcessorMetric)[keyof typeof ProcessorMetric];

/** Tags every metric and log line with the provider; returns the counter the record pipeline uses. */
export function observeProvider(providerId: string): (metric: ProcessorMetricName) => void {
  // The shared module cleared Powertools' `service` dimension: `provider` is the contract's only one.
  metrics.setDefaultDimensions({ provider: providerId });
  logger.appendPersistentKeys({ provider: providerId });
  return (metric) => metrics.addMetric(metric, MetricUnit.Count, 1);
}
