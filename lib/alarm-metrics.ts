/**
 * CloudWatch metrics for the alarms and the dashboard, from the names in lambdas/contract/metrics.ts: one
 * dimension `provider`. CloudWatch matches dimension sets exactly, so this relies on the handlers clearing
 * Powertools' default `service` dimension (lambdas/shared/observability.ts does).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  METRICS_NAMESPACE, type ProcessorMetricName, type SpoolMetricName, type VerifierMetricName,
} from '../lambdas/contract/metrics.ts';

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
