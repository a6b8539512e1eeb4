/**
 * The synthetic canary, run by an EventBridge schedule every `canary.everyMinutes` (lib/constructs/synthetic-canary.ts):
 * one run of run-canary.ts against the deployed path, one log line per hop, and the metrics CanarySuccess
 * (1 or 0; alarm CanaryFailed: two failed runs in a row, or no run) and CanaryLatencyMs. A failed run returns
 * normally: the metric is the signal, and a retry would only send a second event.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { CanaryMetric } from '../contract/metrics.ts';
import { dynamodb, secretsManager } from '../shared/aws-clients.ts';
import { logger, metrics, MetricUnit } from '../shared/observability.ts';
import { readCanaryConfig } from './config.ts';
import { readCanaryEntry } from './ledger.ts';
import { runCanary, type CanaryResult } from './run-canary.ts';

const config = readCanaryConfig(process.env);
/** The verifier's own timeout is 10 s at most by default; API Gateway's is 30 s. */
const POST_TIMEOUT_MS = 30_000;

async function canary(): Promise<Pick<CanaryResult, 'ok' | 'failedHop' | 'latencyMs'>> {
  const result = await runCanary({
    url: config.url,
    readSecret: async () => {
      const out = await secretsManager.send(new GetSecretValueCommand({ SecretId: config.secretArn }));
      if (!out.SecretString) throw new Error('the canary secret has no string value');
      return out.SecretString;
    },
    post: async (url, headers, body) => {
      const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(POST_TIMEOUT_MS) });
      return { status: response.status, text: await response.text() };
    },
    readLedger: (dedupeKey) => readCanaryEntry(dynamodb, config.ledgerTable, dedupeKey),
    waitMs: config.waitSeconds * 1000,
  });
  for (const hop of result.hops) {
    logger.info('canary hop', { hop: hop.hop, ok: hop.ok ?? 'not reached', atMs: hop.atMs, detail: hop.detail, dedupeKey: result.dedupeKey });
  }
  metrics.addMetric(CanaryMetric.CanarySuccess, MetricUnit.Count, result.ok ? 1 : 0);
  if (result.ok && result.latencyMs !== undefined) metrics.addMetric(CanaryMetric.CanaryLatencyMs, MetricUnit.Milliseconds, result.latencyMs);
  if (!result.ok) logger.warn('canary failed', { failedHop: result.failedHop, dedupeKey: result.dedupeKey });
  return { ok: result.ok, ...(result.failedHop ? { failedHop: result.failedHop } : {}), ...(result.latencyMs !== undefined ? { latencyMs: result.latencyMs } : {}) };
}

export const handler = middy(canary)
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(logMetrics(metrics));
