/**
 * Diagnosis only (bench:e2e "what-if" bundles): Powertools Tracer replaced by a no-op with the same surface
 * the handlers use, to measure what the tracer (and the aws-xray-sdk-core it pulls in) costs in bundle size
 * and cold import time. Never deployed.
 */
export class Tracer {
  captureAWSv3Client<T>(client: T): T {
    return client;
  }
  isTracingEnabled(): boolean {
    return false;
  }
}

export function captureLambdaHandler(_tracer?: unknown, _options?: unknown): { before: () => void } {
  return { before: () => undefined };
}
