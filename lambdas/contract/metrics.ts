/**
 * The metrics contract (docs/architecture.md, "Metrics"): the namespace, the Powertools service names and
 * every custom metric name the handlers emit. The handlers emit these, lib/alarm-metrics.ts builds the alarms'
 * CloudWatch metrics from the same names, the local pipeline sets the same namespace and service names:
 * a metric renamed here is renamed everywhere, and an alarm cannot watch a name nobody emits.
 * One dimension, `provider` (the spool sweeper's metrics have none).
 */

export const METRICS_NAMESPACE = 'WebhookReceiver';

/** POWERTOOLS_SERVICE_NAME of each function. */
export const VERIFIER_SERVICE = 'verifier';
export const SPOOL_SWEEPER_SERVICE = 'spool-sweeper';
export const CANARY_SERVICE = 'canary';
export const processorService = (providerId: string): string => `processor-${providerId}`;

/** The verifier's metrics, per provider. */
export const VerifierMetric = {
  Accepted: 'Accepted',
  Duplicate: 'Duplicate',
  InFlight: 'InFlight',
  SignatureFailure: 'SignatureFailure',
  BadRequest: 'BadRequest',
  SecretCurrentMatched: 'SecretCurrentMatched',
  SecretPreviousMatched: 'SecretPreviousMatched',
  PreviousSecretAfterGrace: 'PreviousSecretAfterGrace',
  DedupeConflict: 'DedupeConflict',
  EnqueueFailure: 'EnqueueFailure',
  /** Bytes, not a count: the size of each accepted or rejected body. */
  BodyBytes: 'BodyBytes',
  /** Signed, but its type or dedupe key could not be read (accepted, then dead-lettered by the processor). */
  UnrecognizedEvent: 'UnrecognizedEvent',
  /** Enqueued without a ledger claim (DynamoDB unavailable): the processor claims it. */
  LedgerBypass: 'LedgerBypass',
  /** Written to the S3 spool because SQS refused it; the sweeper sends it on. */
  Spooled: 'Spooled',
  /** Refused 403: the caller's address is outside the provider's allowedSourceCidrs. */
  SourceNotAllowed: 'SourceNotAllowed',
} as const;
export type VerifierMetricName = (typeof VerifierMetric)[keyof typeof VerifierMetric];

/**
 * The verifier's one metric with another dimension set, {provider, secretVersionId}: a passing signature,
 * counted under the Secrets Manager version that matched (lambdas/shared/observability.ts). Not in
 * VerifierMetric, whose metrics carry `provider` only; no alarm watches it: `ops secret status|retire` read it.
 */
export const SECRET_VERSION_MATCHED = 'SecretVersionMatched';

/** The processor's metrics, per provider. */
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

/**
 * Counted from the API's access logs by a metric filter (lib/constructs/monitoring.ts), not by a handler:
 * requests API Gateway refused 429 (the route's throttle), dimension `route` (`POST /webhooks/<id>`).
 */
export const ApiMetric = {
  ApiThrottled: 'ApiThrottled',
} as const;

/** The spool sweeper's metrics: stack-wide, no dimension. */
export const SpoolMetric = {
  SpoolOldestAgeSeconds: 'SpoolOldestAgeSeconds',
  SpoolDrained: 'SpoolDrained',
  SpoolRejected: 'SpoolRejected',
} as const;
export type SpoolMetricName = (typeof SpoolMetric)[keyof typeof SpoolMetric];

/**
 * The synthetic canary's metrics (lambdas/canary/handler.ts): stack-wide, no dimension. One of each per run:
 * CanarySuccess 1 or 0 (alarmed: two failed runs in a row, or no run), CanaryLatencyMs from signing to the
 * ledger's `processed` (successful runs only).
 */
export const CanaryMetric = {
  CanarySuccess: 'CanarySuccess',
  CanaryLatencyMs: 'CanaryLatencyMs',
} as const;
export type CanaryMetricName = (typeof CanaryMetric)[keyof typeof CanaryMetric];
