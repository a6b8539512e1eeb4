/**
 * Verifier Lambda: `POST /webhooks/{provider}` from the HTTP API. Configuration, clients and caches are
 * built once per container; the request flow lives in receive.ts. Lambda's active tracing records each
 * invocation; Powertools Tracer is left out to keep the cold start small (lambdas/shared/tracing.ts).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { dynamodb, secretsManager, sqs } from '../shared/aws-clients.ts';
import { errorFields, logger, metrics } from '../shared/observability.ts';
import { readVerifierConfig } from '../shared/runtime-config.ts';
import { Enqueuer, type ClaimCheckStore } from './enqueue.ts';
import { answers, type Answer } from './http.ts';
import { ClaimLedger } from './claim-ledger.ts';
import { createReceiver, type SpoolWriter } from './receive.ts';
import { SecretCache } from './secret-cache.ts';
import { secretsManagerVersions } from './secret-versions.ts';

const config = readVerifierConfig(process.env);

/** Claim checks are rare: the S3 client is a separate chunk of the bundle (lib/bundling.ts), imported on the first one. */
const storeClaimCheck: ClaimCheckStore = async (bucket, key, body) => (await import('./claim-check-store.ts')).storeClaimCheck(bucket, key, body);
/** Spooling happens only when SendMessage fails (docs/architecture.md, "Spool"): the same lazily imported chunk. */
const spool: SpoolWriter = async (key, spooled) => (await import('./claim-check-store.ts')).writeSpooled(config.claimCheckBucket, key, spooled);

const receive = createReceiver({
  config,
  secrets: new SecretCache({
    fetchVersion: secretsManagerVersions(secretsManager),
    rotationGraceMs: config.rotationGraceHours * 3_600_000,
    onUnusablePrevious: (provider, problem) => logger.warn('previous secret ignored', { provider, problem }),
  }),
  ledger: new ClaimLedger(dynamodb, config.ledgerTable, config.ledgerRetentionDays, config.claimLeaseSeconds * 1_000),
  enqueuer: new Enqueuer(sqs, storeClaimCheck, config.claimCheckBucket, config.claimCheckThresholdBytes),
  spool,
  metrics,
  logger,
});

async function verifyWebhook(event: APIGatewayProxyEventV2, _context: Context): Promise<Answer> {
  try {
    return await receive(event);
  } catch (error) {
    // Nothing may escape as an unhandled 500, and nothing unexpected may be answered 2xx.
    logger.error('unexpected failure', errorFields(error));
    return answers.unavailable();
  }
}

// If the Lambda timeout is about to pass anyway, answer 503 (the sender retries) rather than let middy's
// timeout error escape as a 500.
export const handler = middy(verifyWebhook, { timeoutEarlyResponse: () => answers.unavailable() })
  // logEvent false overrides POWERTOOLS_LOGGER_LOG_EVENT: the event carries the body and signature headers.
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(logMetrics(metrics));
