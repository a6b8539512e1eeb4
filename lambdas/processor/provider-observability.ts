/**
 * The processor's metrics, on the shared Powertools instances (lambdas/shared/observability.ts). One
 * function serves one provider, so `provider` is set once as the default dimension and log key.
 */
import type { ProcessorMetricName } from '../contract/metrics.ts';
import { logger, metrics, MetricUnit } from '../shared/observability.ts';

/** Tags every metric and log line with the provider; returns the counter the record pipeline uses. */
export function observeProvider(providerId: string): (metric: ProcessorMetricName) => void {
  // The shared module cleared Powertools' `service` dimension: `provider` is the contract's only one.
  metrics.setDefaultDimensions({ provider: providerId });
  logger.appendPersistentKeys({ provider: providerId });
  return (metric) => metrics.addMetric(metric, MetricUnit.Count, 1);
}
