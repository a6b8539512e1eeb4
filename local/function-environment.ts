/**
 * The environment of each local function: the variables lib/ sets on the deployed functions, built by the same
 * builders (lambdas/contract/environment.ts, docs/architecture.md "Environment variables"), plus what the Lambda runtime provides and the endpoint
 * variables that point the unchanged AWS SDK at the stand-ins. Nothing of the developer's own
 * environment leaks in (no AWS profile, no real credentials).
 */
import { join } from 'node:path';
import type { AppConfig, ProviderConfig } from '../lib/config/load.ts';
import { signsTimestamp } from '../lib/config/types.ts';
import * as contract from '../lambdas/contract/environment.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './settings.ts';

export interface Endpoints {
  readonly dynamodb: string;
  readonly sqs: string;
  readonly s3: string;
  readonly secretsManager: string;
}

export interface ProviderResources {
  readonly secretArn: string;
  readonly queueUrl: string;
}

/** What Lambda and our local wiring add to every function's environment. */
export function runtimeEnvironment(functionName: string, memoryMb: number, endpoints: Endpoints, stateDir: string): Record<string, string> {
  const none = join(stateDir, 'no-aws-config');
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    // A file that does not exist: the developer's ~/.aws config and profiles play no part.
    AWS_CONFIG_FILE: none,
    AWS_SHARED_CREDENTIALS_FILE: none,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    // No X-Ray daemon locally: Powertools Tracer would otherwise try to emit segments.
    POWERTOOLS_TRACE_ENABLED: 'false',
    TZ: 'UTC',
    // The SDK is pinned; its notice that future releases need node 22 would repeat in every function log.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // lib/constructs/webhook-function.ts sets NODE_OPTIONS=--enable-source-maps; the worker enables source maps itself.
  };
}

/** The verifier's (lib/constructs/ingress.ts). */
export function verifierEnvironment(app: AppConfig, resources: ReadonlyMap<string, ProviderResources>, table: string, bucket: string): Record<string, string> {
  const providersConfig = Object.fromEntries(app.providers.map((p) => [p.id, {
    secretArn: resources.get(p.id)!.secretArn,
    queueUrl: resources.get(p.id)!.queueUrl,
    ...(p.allowedSourceCidrs ? { allowedSourceCidrs: p.allowedSourceCidrs } : {}),
  }]));
  return contract.verifierEnvironment({ ...app, providersConfig: JSON.stringify(providersConfig), ledgerTable: table, claimCheckBucket: bucket });
}

/**
 * The spool sweeper's (lib/constructs/spool-sweeper.ts): the bucket and the provider queues, as the verifier knows
 * them (the same URLs it writes into spooled messages).
 */
export function spoolSweeperEnvironment(resources: ReadonlyMap<string, ProviderResources>, bucket: string): Record<string, string> {
  return contract.spoolSweeperEnvironment({ claimCheckBucket: bucket, queueUrls: JSON.stringify([...resources.values()].map((r) => r.queueUrl)) });
}

/** A processor's own queue and DLQ (it re-times its messages and moves failed ones to the DLQ itself). */
export interface ProcessorQueues {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

/**
 * A processor's (lib/constructs/provider-pipeline.ts), plus the failure drill when asked for.
 * `retryBudgetSeconds`: LOCAL_RETRY_BUDGET_SECONDS, else cdk.json's `retryBudgetSeconds` (as lib/ sets it).
 */
export function processorEnvironment(
  app: AppConfig, provider: ProviderConfig, table: string, bucket: string, queues: ProcessorQueues,
  knobs: { readonly failEventTypes?: string; readonly retryBudgetSeconds?: number } = {},
): Record<string, string> {
  return {
    ...contract.processorEnvironment({
      providerId: provider.id,
      ledgerTable: table,
      claimCheckBucket: bucket,
      ledgerRetentionDays: app.ledgerRetentionDays,
      ...(signsTimestamp(provider) ? {} : { replayProtectionDays: app.replayProtectionDays }),
      queueUrl: queues.queueUrl,
      deadLetterQueueUrl: queues.deadLetterQueueUrl,
      retryBudgetSeconds: knobs.retryBudgetSeconds ?? app.retryBudgetSeconds,
    }),
    ...(knobs.failEventTypes ? { [contract.EnvVar.PROCESSOR_FAIL_EVENT_TYPES]: knobs.failEventTypes } : {}),
  };
}
