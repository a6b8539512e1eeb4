/**
 * The custom metrics the handlers emit (docs/architecture.md, "Metrics"): namespace WebhookReceiver, one
 * dimension `provider`. CloudWatch matches dimension sets exactly, so this relies on the handlers clearing
 * Powertools' default `service` dimension (lambdas/shared/observability.ts does).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

export const METRICS_NAMESPACE = 'WebhookReceiver';
export const VERIFIER_SERVICE = 'verifier';

export function processorService(providerId: string): string {
  return `processor-${providerId}`;
}

export type VerifierMetricName =
  | 'Accepted' | 'Duplicate' | 'InFlight' | 'SignatureFailure' | 'BadRequest' | 'SecretCurrentMatched'
  | 'SecretPreviousMatched' | 'PreviousSecretAfterGrace' | 'DedupeConflict' | 'EnqueueFailure' | 'BodyBytes'
  | 'UnrecognizedEvent' | 'LedgerBypass' | 'Spooled';

/** The spool sweeper's metrics (lambdas/spool/handler.ts): stack-wide, no dimension. */
export type SpoolMetricName = 'SpoolOldestAgeSeconds' | 'SpoolDrained' | 'SpoolRejected';
export const SPOOL_SWEEPER_SERVICE = 'spool-sweeper';

export type ProcessorMetricName =
  | 'Processed' | 'DuplicateDelivery' | 'UnknownEventType' | 'ProcessingFailure' | 'StaleEventIgnored'
  | 'RetryScheduled' | 'DeadLettered' | 'UnrecognizedDeadLettered';

/** A per-provider custom metric (EMF, dimension `provider` only), summed over the period. */
function providerMetric(name: string, providerId: string, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { provider: providerId },
    statistic: cloudwatch.Stats.SUM,
    period,
  });
}

export function verifierMetric(name: VerifierMetricName, providerId: string, period = Duration.minutes(5)): cloudwatch.Metric {
  return providerMetric(name, providerId, period);
}

export function processorMetric(name: ProcessorMetricName, providerId: string, period = Duration.minutes(5)): cloudwatch.Metric {
  return providerMetric(name, providerId, period);
}

/** A spool sweeper metric: no dimension (the sweeper serves every provider). */
export function spoolMetric(name: SpoolMetricName, statistic: string, period = Duration.minutes(5)): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: name, statistic, period });
}
