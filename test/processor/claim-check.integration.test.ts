/**
 * Claim check: a body the verifier put in S3 is fetched by the processor (S3 on moto_server, DynamoDB on
 * dynalite). Skips with a visible warning when moto_server is not installed; it runs where it is.
 */
import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLedgerTable, startDynalite, type LocalDynamo } from './support/dynalite.ts';
import { envelopeFor, lambdaContext, recordFor, sqsEvent } from './support/lambda.ts';
import { ledgerEntry, seedEnqueuedEntry, stateRecord } from './support/ledger.ts';
import { loadProcessorHandler, processorEnv, type ProcessorHandler } from './support/load-handler.ts';
import { motoAvailable, startMoto, type MotoServer } from './support/moto.ts';
import { captureOutput } from './support/output.ts';

const TABLE = 'ledger-claim-check-it';
const BUCKET = 'claim-check-it';
const PHI_MARKER = 'Zq9PHI';

if (!motoAvailable()) console.warn('SKIPPED claim-check integration tests: moto_server is not on PATH (pip install "moto[server]")');

describe.skipIf(!motoAvailable())('claim check resolved from S3 (moto_server)', () => {
  let dynamo: LocalDynamo;
  let moto: MotoServer;
  let s3: S3Client;
  let handler: ProcessorHandler;

  beforeAll(async () => {
    [dynamo, moto] = await Promise.all([startDynalite(), startMoto().then((server) => server!)]);
    await createLedgerTable(dynamo.client, TABLE);
    s3 = new S3Client({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    handler = await loadProcessorHandler(
      processorEnv({ provider: 'solatis', table: TABLE, dynamodbEndpoint: dynamo.endpoint, s3Endpoint: moto.endpoint, bucket: BUCKET }),
    );
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    s3?.destroy();
    await Promise.all([dynamo?.close(), moto?.stop()]);
  });

  /** A large transcription event stored the way the verifier stores one above the threshold. */
  async function claimChecked(transcriptionId: string, bucket = BUCKET) {
    const body = JSON.stringify({
      id: `evt_${randomUUID()}`,
      event: 'transcription.completed',
      created_at: '2026-02-02T11:00:00Z',
      data: { transcription_id: transcriptionId, status: 'completed', transcript: `${PHI_MARKER} `.repeat(40_000) },
    });
    const key = `solatis/${randomUUID()}`;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const envelope = envelopeFor({ provider: 'solatis', eventType: 'transcription.completed', dedupeKey: `evt_${randomUUID()}`, body, claimCheck: { bucket, key } });
    await seedEnqueuedEntry(dynamo.client, TABLE, envelope);
    return { envelope, bodyBytes: Buffer.byteLength(body) };
  }

  it('fetches the body from S3 and processes it', async () => {
    // Prepare
    const output = captureOutput();
    const transcriptionId = `trans_${randomUUID().slice(0, 8)}`;
    const { envelope, bodyBytes } = await claimChecked(transcriptionId);

    // Act
    const response = await handler(sqsEvent(recordFor(envelope)), lambdaContext()).finally(() => output.restore());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect((await ledgerEntry(dynamo.client, TABLE, 'solatis', envelope.dedupeKey))?.['status']?.S).toBe('processed');
    const state = await stateRecord(dynamo.client, TABLE, 'solatis', 'transcription', transcriptionId);
    expect(state?.['status']?.S).toBe('completed');
    expect(state?.['eventTime']?.N).toBe(String(Date.parse('2026-02-02T11:00:00Z')));
    const processed = output.logEntries().find((entry) => entry['message'] === 'event processed');
    expect(processed).toMatchObject({ carrier: 'claim-check', bodyBytes });
    expect(output.lines().join('\n')).not.toContain(PHI_MARKER);
  });

  it('fails a record whose object is missing, naming the S3 error only', async () => {
    // Prepare
    const output = captureOutput();
    const { envelope } = await claimChecked(`trans_${randomUUID().slice(0, 8)}`);
    const missing = { ...envelope, claimCheck: { bucket: BUCKET, key: 'solatis/does-not-exist' } };

    // Act
    const run = handler(sqsEvent(recordFor(missing)), lambdaContext()).finally(() => output.restore());

    // Assess
    await expect(run).rejects.toThrow(/All records failed/);
    const entry = await ledgerEntry(dynamo.client, TABLE, 'solatis', envelope.dedupeKey);
    expect(entry?.['status']?.S).toBe('failed');
    expect(entry?.['lastError']?.S).toMatch(/^NoSuchKey/);
  });

  it('refuses a claim check that points at another bucket', async () => {
    // Prepare
    const output = captureOutput();
    const { envelope } = await claimChecked(`trans_${randomUUID().slice(0, 8)}`, 'someone-elses-bucket');

    // Act
    const run = handler(sqsEvent(recordFor(envelope)), lambdaContext()).finally(() => output.restore());

    // Assess
    await expect(run).rejects.toThrow(/All records failed/);
    const entry = await ledgerEntry(dynamo.client, TABLE, 'solatis', envelope.dedupeKey);
    expect(entry?.['lastError']?.S).toBe('PoisonMessageError: claim check names a bucket other than CLAIM_CHECK_BUCKET');
  });
});
