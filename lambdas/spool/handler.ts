/**
 * Spool sweeper Lambda, run every minute by an EventBridge schedule (lib/constructs/spool-sweeper.ts): sends
 * the messages the verifier spooled while SQS failed (docs/architecture.md, "Spool"). Emits
 * `SpoolOldestAgeSeconds` (alarmed, runbook: Spool), `SpoolDrained` and `SpoolRejected`.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { SpoolMetric } from '../contract/metrics.ts';
import { sqs } from '../shared/aws-clients.ts';
import { errorFields, logger, metrics, MetricUnit } from '../shared/observability.ts';
import { s3 } from '../shared/s3-client.ts';
import { s3SpoolStore, sqsSpoolSender } from './aws.ts';
import { readSweeperConfig } from './config.ts';
import { sweep } from './sweep.ts';

const config = readSweeperConfig(process.env);
const store = s3SpoolStore(s3, config.bucket);
const send = sqsSpoolSender(sqs);

/** Time kept back for the last send (the SDK's bounded retries) and the metrics flush. */
const RESERVE_MS = 10_000;

async function sweepSpool(_event: unknown, context: Context): Promise<{ drained: number; remaining: number }> {
  const result = await sweep({
    store,
    send,
    queueUrls: config.queueUrls,
    logger,
    errorFields,
    maxPerRun: config.maxPerRun,
    outOfTime: () => context.getRemainingTimeInMillis() < RESERVE_MS,
  });
  metrics.addMetric(SpoolMetric.SpoolOldestAgeSeconds, MetricUnit.Seconds, result.oldestAgeSeconds);
  metrics.addMetric(SpoolMetric.SpoolDrained, MetricUnit.Count, result.drained);
  metrics.addMetric(SpoolMetric.SpoolRejected, MetricUnit.Count, result.rejected);
  return { drained: result.drained, remaining: result.remaining };
}

// A failed listing throws: the invocation fails (alarm SpoolSweeperErrors) and the next run tries again.
export const handler = middy(sweepSpool)
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(logMetrics(metrics));
