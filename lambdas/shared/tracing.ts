/**
 * Powertools Tracer: X-Ray subsegments for each AWS SDK call and the handler. The processors always load
 * it; the verifier only as lambdas/verifier/traced-handler.ts (cdk.json `traceVerifierAwsCalls`), since
 * aws-xray-sdk-core adds ~130 KB and 25–45% to the cold import of the latency-critical function (measured
 * by `npm run bench:e2e`). Lambda's active tracing records the verifier's invocations either way.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

export const tracer = new Tracer();

/** Adds X-Ray subsegments to the client's calls (the client is changed in place and returned). */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
