/**
 * The one Powertools Logger and Metrics of a function (the processors' Tracer is in tracing.ts). The service
 * name comes from POWERTOOLS_SERVICE_NAME (`verifier`, `processor-<id>`), the namespace from POWERTOOLS_METRICS_NAMESPACE.
 *
 * PHI rule for every caller: log ids, event types, sizes and outcomes; never a body, a signature, a header
 * value or a secret. `errorFields` is the only way errors should reach a log line.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SECRET_VERSION_MATCHED } from '../contract/metrics.ts';

export { MetricUnit };

export const logger = new Logger();

// Powertools' own warnings ("No application metrics to publish") go through the logger, as JSON.
export const metrics = new Metrics({ logger });
// Powertools adds a `service` dimension by default; the contract's metrics carry `provider` only, and a
// metric's identity is its full dimension set, so alarms on {provider} would never see {service, provider}.
metrics.clearDefaultDimensions();

/** The part of Metrics that request code uses: lets unit tests pass a recorder (singleMetric optional there). */
export type MetricsSink = Pick<Metrics, 'addMetric' | 'addDimension'> & Partial<Pick<Metrics, 'singleMetric'>>;

/**
 * One `SecretVersionMatched` data point with the dimensions {provider, secretVersionId}, published at once
 * as its own EMF record: the version id cannot be a dimension of the request's other metrics (alarms watch
 * them under {provider} only, and a metric's identity is its full dimension set). One metric per provider
 * and secret version: a rotation adds one. `ops secret status|retire` read it (ops/secrets.ts).
 */
export function countSecretVersionMatch(sink: MetricsSink, provider: string, secretVersionId: string): void {
  const single = sink.singleMetric?.();
  if (!single) return;
  single.clearDefaultDimensions(); // singleMetric() adds `service` again
  single.addDimension('provider', provider);
  single.addDimension('secretVersionId', secretVersionId);
  single.addMetric(SECRET_VERSION_MATCHED, MetricUnit.Count, 1);
}

/**
 * Loggable facts about a failure. AWS error messages can echo request values (keys, attribute values),
 * so only the name, the HTTP status and the request id are kept.
 */
export function errorFields(error: unknown): Record<string, string | number | undefined> {
  if (!(error instanceof Error)) return { errorName: typeof error };
  const meta = (error as { $metadata?: { httpStatusCode?: number; requestId?: string } }).$metadata;
  return { errorName: error.name, httpStatus: meta?.httpStatusCode, awsRequestId: meta?.requestId };
}
