/**
 * Diagnosis only (bench:e2e "what-if" bundles): @aws-sdk/client-s3 replaced by empty classes, to measure
 * what the S3 client (used only for claim checks above 240 KiB) costs in bundle size and cold import time.
 * Never deployed; a bundle built with it cannot store a claim check.
 */
export class S3Client {
  constructor(_config?: unknown) {}
  send(): Promise<never> {
    return Promise.reject(new Error('S3 is stubbed out in this diagnosis bundle'));
  }
}
export class PutObjectCommand {
  constructor(readonly input: unknown) {}
}
export class GetObjectCommand {
  constructor(readonly input: unknown) {}
}
