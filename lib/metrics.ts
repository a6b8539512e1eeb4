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
  | 'SecretPreviousMatched' | 'PreviousSecretAfterGrace' | 'DedupeConflict' | 'EnqueueFailure' | 'BodyBytes';

export type ProcessorMetricName =
  | 'Processed' | 'DuplicateDelivery' | 'UnknownEventType' | 'ProcessingFailure' | 'StaleEventIgnored';

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
