/**
 * Loads lambdas/processor/handler.ts the way Lambda does: environment first, then the module (its
 * configuration and clients are built at module load). Each call gets a fresh module instance.
 */
import { vi } from 'vitest';
import { S3StandIn } from '../../../tools/stand-ins/s3-stand-in.ts';

export type ProcessorHandler = (typeof import('../../../lambdas/processor/handler.ts'))['handler'];

/**
 * The processor archives every batch to CLAIM_CHECK_BUCKET before processing it (lambdas/processor/archive.ts):
 * a test that gives no S3 endpoint gets this in-memory S3 (one per test file), with the bucket created.
 */
let archiveS3: S3StandIn | undefined;
export async function archiveStandIn(bucket: string): Promise<S3StandIn> {
  if (archiveS3 === undefined) {
    archiveS3 = new S3StandIn();
    await archiveS3.start();
  }
  archiveS3.createBucket(bucket);
  return archiveS3;
}

export async function loadProcessorHandler(env: Record<string, string | undefined>): Promise<ProcessorHandler> {
  vi.resetModules();
  const s3 = env['AWS_ENDPOINT_URL_S3'] === undefined ? { AWS_ENDPOINT_URL_S3: (await archiveStandIn(env['CLAIM_CHECK_BUCKET'] ?? 'claim-check-test')).endpoint } : {};
  for (const [name, value] of Object.entries({ ...env, ...s3 })) vi.stubEnv(name, value);
  const module = await import('../../../lambdas/processor/handler.ts');
  return module.handler;
}

/** Dummy credentials and region for the local stand-ins, and the processor's contract variables. */
export function processorEnv(options: {
  provider: string;
  table: string;
  dynamodbEndpoint: string;
  s3Endpoint?: string;
  bucket?: string;
  failEventTypes?: string;
  /** SQS for the backoff and the DLQ moves; without it, a closed port (those calls fail, as SQS being down would). */
  sqsEndpoint?: string;
  queueUrl?: string;
  deadLetterQueueUrl?: string;
  retryBudgetSeconds?: number;
  /** REPLAY_PROTECTION_DAYS, as the stack sets it for providers that sign no timestamp. */
  replayProtectionDays?: number;
}): Record<string, string | undefined> {
  const sqs = options.sqsEndpoint ?? 'http://127.0.0.1:9';
  return {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamodbEndpoint,
    AWS_ENDPOINT_URL_S3: options.s3Endpoint,
    AWS_ENDPOINT_URL_SQS: sqs,
    QUEUE_URL: options.queueUrl ?? `${sqs}/123456789012/processor-test`,
    DEAD_LETTER_QUEUE_URL: options.deadLetterQueueUrl ?? `${sqs}/123456789012/processor-test-dlq`,
    PROCESSOR_RETRY_BUDGET_SECONDS: options.retryBudgetSeconds !== undefined ? String(options.retryBudgetSeconds) : undefined,
    REPLAY_PROTECTION_DAYS: options.replayProtectionDays !== undefined ? String(options.replayProtectionDays) : undefined,
    PROVIDER_ID: options.provider,
    LEDGER_TABLE: options.table,
    CLAIM_CHECK_BUCKET: options.bucket ?? 'claim-check-test',
    LEDGER_RETENTION_DAYS: '30',
    POWERTOOLS_SERVICE_NAME: `processor-${options.provider}`,
    POWERTOOLS_METRICS_NAMESPACE: 'WebhookReceiver',
    PROCESSOR_FAIL_EVENT_TYPES: options.failEventTypes,
  };
}
