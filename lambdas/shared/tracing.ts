/**
 * Powertools Tracer, for the processors: X-Ray subsegments for each AWS SDK call and the handler.
 * The verifier does not load it: aws-xray-sdk-core adds ~130 KB and 25–45% to the cold import of the
 * latency-critical function (measured by `npm run bench:e2e`); the verifier's invocations are still traced
 * by Lambda's active tracing. To trace its SDK calls too, wrap its clients as `traced` does here.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

export const tracer = new Tracer();

/** Adds X-Ray subsegments to the client's calls (the client is changed in place and returned). */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
