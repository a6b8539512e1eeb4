/**
 * The processor Lambda of one provider (PROVIDER_ID), fed by that provider's SQS queue through an event
 * source mapping with ReportBatchItemFailures. Thin by design: configuration, clients and the record
 * pipeline are built once per container; the handler only runs the batch through Powertools Batch.
 *
 * When every record of a batch fails, Powertools throws FullBatchFailureError (its default), so the
 * invocation also shows up in the function's Errors metric; partial failures show as ProcessingFailure.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { dynamodb, sqs } from '../shared/aws-clients.ts';
import { logger, metrics } from '../shared/observability.ts';
import { s3 } from '../shared/s3-client.ts';
import { traced, tracer } from '../shared/tracing.ts';
import { providers } from '../../providers/index.ts';
import { loadProcessor } from '../../providers/processors.ts';
import { createBatchArchiver, s3ArchivePut } from './archive.ts';
import { s3ClaimCheckReader } from './claim-check-reader.ts';
import { readProcessorSettings } from './config.ts';
import { ProcessingLedger } from './processing-ledger.ts';
import { observeProvider } from './provider-observability.ts';
import { createRecordProcessor } from './process-record.ts';
import { Redelivery } from './redelivery.ts';

const settings = readProcessorSettings(process.env, new Set(providers.keys()));
// This provider's EventProcessor, providers/<id>/processor.ts (a chunk of this bundle, loaded at cold start).
const processor = await loadProcessor(settings.providerId);
const count = observeProvider(settings.providerId);

if (settings.failEventTypes.size > 0) {
  // Visible on every cold start: the drill knob must never stay set by accident.
  logger.warn('failure drill active: these event types fail on purpose', { failEventTypes: [...settings.failEventTypes].join(',') });
}

// X-Ray subsegments for every SDK call of the processor (the verifier leaves them out: lambdas/shared/tracing.ts).
traced(dynamodb);
traced(s3);
traced(sqs);

const processRecord = createRecordProcessor({
  config: settings,
  processor,
  ledger: new ProcessingLedger(dynamodb, settings.ledgerTable, settings.ledgerEntryDays),
  // This provider's prefix of CLAIM_CHECK_BUCKET only, as its role allows.
  readClaimCheck: s3ClaimCheckReader(s3, { bucket: settings.claimCheckBucket, providerId: settings.providerId }),
  // Backoff of transient failures and the move of what is given up on to this provider's own DLQ.
  redelivery: new Redelivery(sqs, settings.queueUrl, settings.deadLetterQueueUrl),
  logger,
  count,
  clock: () => new Date(),
  random: () => Math.random(),
});

// One archive object per batch, under archive/<provider id>/ of CLAIM_CHECK_BUCKET, before any business logic (archive.ts).
const archiver = createBatchArchiver({
  providerId: settings.providerId,
  put: s3ArchivePut(s3, settings.claimCheckBucket),
  clock: () => new Date(),
  onError: (error) => logger.warn('could not archive the batch; its records are retried', { error: error instanceof Error ? error.name : 'error' }),
});

const batch = new BatchProcessor(EventType.SQS);

const processBatch = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const archived = await archiver.archive(event.Records);
  return processPartialResponse(event, (record: SQSRecord) => processRecord(record, archived(record)), batch, { context });
};

export const handler = middy(processBatch)
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  // logEvent stays false whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event holds webhook bodies (PHI).
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(logMetrics(metrics));
