/**
 * The archive and the replay marker in the processor (lambdas/processor/archive.ts, process-record.ts,
 * processing-ledger.ts): the handler against dynalite and the S3 stand-in. One archive object per batch,
 * written before the business logic (a failing event is archived too), its key and line on the ledger entry;
 * an archive PUT that fails fails the batch's records transiently, before any state write; a replay-marked
 * event is processed again although processed, once per run (`replays`, `lastReplayAt`); nothing logged
 * carries a body. Plus the pure parts: keys, archive lines, the envelope's replay marker, the ledger requests.
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EnvelopeError, parseEnvelope, type Envelope } from '../../lambdas/contract/envelope.ts';
import {
  ArchiveError, archiveKey, archiveRecordOf, buildArchiveBatch, createBatchArchiver, parseArchiveRecord, replayEnvelope,
} from '../../lambdas/processor/archive.ts';
import { markFailedRequest, markProcessedRequest } from '../../lambdas/processor/processing-ledger.ts';
import { createLedgerTable, startDynalite, type LocalDynamo } from './support/dynalite.ts';
import { envelopeFor, lambdaContext, recordFor, sqsEvent, sqsRecord } from './support/lambda.ts';
import { ledgerEntry, seedEnqueuedEntry, stateRecord } from './support/ledger.ts';
import { archiveStandIn, loadProcessorHandler, processorEnv, type ProcessorHandler } from './support/load-handler.ts';
import { captureOutput, type CapturedOutput } from './support/output.ts';

const PHI_MARKER = 'Zq9ARCH';
const TABLE = 'ledger-archive-it';
const BUCKET = 'archive-it';
const iso = (ms: number) => new Date(ms).toISOString();
const uid = () => randomUUID().slice(0, 8);

function note(noteId: string, createdAt = Date.now()): Envelope {
  return envelopeFor({
    provider: 'sully', eventType: 'note_generation.succeeded', dedupeKey: `note_generation.succeeded:${noteId}`,
    body: JSON.stringify({ type: 'note_generation.succeeded', created_at: iso(createdAt), data: { id: noteId, note: PHI_MARKER } }),
  });
}

describe('archive lines, keys and the replay marker (pure)', () => {
  const at = new Date('2026-12-07T16:05:09.123Z');

  it('keys the object by provider and receive hour, with no sender text', () => {
    expect(archiveKey('stripe', at, 'b1')).toBe('archive/stripe/2026/12/07/16/20261207T160509123Z-b1.jsonl');
  });

  it('one line per envelope of this provider; poison, other providers and replays are left out', () => {
    const a = note('a');
    const b = { ...note('b'), bodyBase64: Buffer.from('x').toString('base64'), body: undefined };
    const records: SQSRecord[] = [
      recordFor(a, { messageId: 'm1' }),
      sqsRecord('not json', { messageId: 'm2' }),
      recordFor({ ...note('c'), provider: 'suki' }, { messageId: 'm3' }),
      recordFor({ ...note('d'), replay: { runId: 'r1', at: at.toISOString() } }, { messageId: 'm4' }),
      recordFor(JSON.parse(JSON.stringify(b)) as Envelope, { messageId: 'm5' }),
    ];
    const batch = buildArchiveBatch(records, 'sully', at, 'b1')!;
    expect(batch.key).toBe('archive/sully/2026/12/07/16/20261207T160509123Z-b1.jsonl');
    expect([...batch.lines]).toEqual([['m1', 0], ['m5', 1]]);
    const lines = batch.content.trimEnd().split('\n').map(parseArchiveRecord);
    expect(lines[0]).toEqual(archiveRecordOf(a));
    expect(lines[1]).toMatchObject({ dedupeKey: b.dedupeKey, bodyBase64: 'eA==' });
    expect(lines[1]).not.toHaveProperty('body');
    expect(buildArchiveBatch([records[1]!, records[3]!], 'sully', at, 'b2')).toBeUndefined();
  });

  it('a failed PUT fails exactly the records that should have been archived, naming the error class only', async () => {
    const records = [recordFor(note('a'), { messageId: 'm1' }), sqsRecord('poison', { messageId: 'm2' })];
    const archiver = createBatchArchiver({
      providerId: 'sully', clock: () => at, batchId: () => 'b',
      put: async () => { throw Object.assign(new Error(`AccessDenied ${PHI_MARKER}`), { name: 'AccessDenied' }); },
    });
    const of = await archiver.archive(records);
    const failure = of(records[0]!);
    expect(failure).toBeInstanceOf(ArchiveError);
    expect((failure as Error).message).toBe('the archive PUT of this batch failed (AccessDenied)');
    expect(of(records[1]!)).toBeUndefined();
  });

  it('rebuilds the envelope from an archive line with the replay marker; the envelope checks the marker', () => {
    const envelope = { ...note('a'), signedTimestamp: '1765123456' };
    const marker = { runId: 'r20261207T160509Z-abc123', at: at.toISOString() };
    const replayed = replayEnvelope(parseArchiveRecord(JSON.stringify(archiveRecordOf(envelope))), marker);
    expect(replayed).toEqual({ ...envelope, replay: marker });
    expect(parseEnvelope(JSON.stringify(replayed))).toEqual(replayed);
    for (const replay of [null, 'r1', { runId: 'has space', at: marker.at }, { runId: 'r1', at: 'yesterday' }, { at: marker.at }]) {
      expect(() => parseEnvelope(JSON.stringify({ ...envelope, replay }))).toThrow(EnvelopeError);
    }
    expect(() => parseArchiveRecord('{"v":1}')).toThrow(/archive field provider is missing/);
    expect(() => parseArchiveRecord(`{"v":1,${PHI_MARKER}`)).toThrow(/^archive line is not JSON$/);
  });

  it('ledger writes: archiveKey/archiveLine; a replay is conditional on its run, not on processed, and counts replays', () => {
    const entry = { provider: 'sully', dedupeKey: 'k', eventType: 't', archive: { key: 'archive/sully/x.jsonl', line: 3 } };
    const normal = markProcessedRequest('T', entry, 'applied', at, 30);
    expect(normal.ConditionExpression).toBe('attribute_not_exists(#status) OR #status <> :processed');
    expect(normal.UpdateExpression).toContain('archiveKey = :archiveKey, archiveLine = :archiveLine');
    expect(normal.ExpressionAttributeValues).toMatchObject({ ':archiveKey': { S: 'archive/sully/x.jsonl' }, ':archiveLine': { N: '3' } });

    const replay = markProcessedRequest('T', { ...entry, archive: undefined, replayRunId: 'r1' } as never, 'applied', at, 30);
    expect(replay.ConditionExpression).toBe('attribute_not_exists(lastReplayRun) OR lastReplayRun <> :runId');
    expect(replay.UpdateExpression).toContain('replays = if_not_exists(replays, :zero) + :one, lastReplayAt = :now, lastReplayRun = :runId');
    expect(replay.UpdateExpression).toContain('processedAt = if_not_exists(processedAt, :now)');
    expect(replay.UpdateExpression).not.toContain('archiveKey');

    const failed = markFailedRequest('T', { ...entry, replayRunId: 'r1' }, { lastError: 'x', failureClass: 'transient' }, at, 30);
    expect(failed.ConditionExpression).toBe('attribute_not_exists(lastReplayRun) OR lastReplayRun <> :runId');
    // Every value is used (DynamoDB refuses unused ones).
    for (const name of Object.keys(failed.ExpressionAttributeValues!)) expect(`${failed.UpdateExpression} ${failed.ConditionExpression}`).toContain(name);
    for (const name of Object.keys(replay.ExpressionAttributeValues!)) expect(`${replay.UpdateExpression} ${replay.ConditionExpression}`).toContain(name);
  });
});

describe('the processor archives each batch and processes replays once per run (dynalite, S3 stand-in)', () => {
  let dynamo: LocalDynamo;
  let s3: S3Client;
  let handler: ProcessorHandler;
  let output: CapturedOutput | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    dynamo = await startDynalite();
    await createLedgerTable(dynamo.client, TABLE);
    const standIn = await archiveStandIn(BUCKET);
    s3 = new S3Client({ endpoint: standIn.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    handler = await loadProcessorHandler(processorEnv({ provider: 'sully', table: TABLE, dynamodbEndpoint: dynamo.endpoint, bucket: BUCKET, failEventTypes: 'coding.failed' }));
  });

  afterEach(() => {
    if (output) {
      lines.push(...output.lines());
      output.restore();
      output = undefined;
    }
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    s3?.destroy();
    await dynamo?.close();
  });

  async function archived(key: string): Promise<string[]> {
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return (await object.Body!.transformToString()).trimEnd().split('\n');
  }

  it('one object per batch, before processing: processed and failing events alike, with key and line on each entry', async () => {
    output = captureOutput();
    const ok = note(`n-${uid()}`);
    const failing = envelopeFor({ provider: 'sully', eventType: 'coding.failed', dedupeKey: `coding.failed:c-${uid()}`, body: `{"type":"coding.failed","data":{"id":"c","x":"${PHI_MARKER}"}}` });
    for (const e of [ok, failing]) await seedEnqueuedEntry(dynamo.client, TABLE, e);
    const before = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'archive/sully/' }))).KeyCount ?? 0;

    const response = await handler(sqsEvent(recordFor(ok, { messageId: 'ok' }), recordFor(failing, { messageId: 'bad' })), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'archive/sully/' }))).KeyCount).toBe(before + 1);
    const okEntry = (await ledgerEntry(dynamo.client, TABLE, 'sully', ok.dedupeKey))!;
    const badEntry = (await ledgerEntry(dynamo.client, TABLE, 'sully', failing.dedupeKey))!;
    expect(okEntry.status?.S).toBe('processed');
    expect(badEntry.status?.S).toBe('failed');
    expect(okEntry.archiveKey?.S).toMatch(/^archive\/sully\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{8}T\d{9}Z-[0-9a-f-]{36}\.jsonl$/);
    expect(badEntry.archiveKey?.S).toBe(okEntry.archiveKey?.S);
    const content = await archived(okEntry.archiveKey!.S!);
    expect(parseArchiveRecord(content[Number(okEntry.archiveLine!.N)]!)).toEqual(archiveRecordOf(ok));
    expect(parseArchiveRecord(content[Number(badEntry.archiveLine!.N)]!)).toEqual(archiveRecordOf(failing));
  });

  it('a replay-marked event is processed again although processed, once per run; the next run counts 2', async () => {
    output = captureOutput();
    const noteId = `n-${uid()}`;
    const envelope = note(noteId);
    await seedEnqueuedEntry(dynamo.client, TABLE, envelope);
    await handler(sqsEvent(recordFor(envelope)), lambdaContext());
    const first = (await ledgerEntry(dynamo.client, TABLE, 'sully', envelope.dedupeKey))!;
    const stateBefore = (await stateRecord(dynamo.client, TABLE, 'sully', 'note', noteId))!;
    const archiveBefore = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'archive/sully/' }))).KeyCount;

    const run1 = { ...envelope, replay: { runId: 'run-1', at: new Date().toISOString() } };
    await new Promise((resolve) => setTimeout(resolve, 5));
    await handler(sqsEvent(recordFor(run1)), lambdaContext());
    await handler(sqsEvent(recordFor(run1)), lambdaContext()); // the same run delivered twice: counted once
    const afterRun1 = (await ledgerEntry(dynamo.client, TABLE, 'sully', envelope.dedupeKey))!;
    await handler(sqsEvent(recordFor({ ...envelope, replay: { runId: 'run-2', at: new Date().toISOString() } })), lambdaContext());
    const afterRun2 = (await ledgerEntry(dynamo.client, TABLE, 'sully', envelope.dedupeKey))!;

    expect(afterRun1.replays?.N).toBe('1');
    expect(afterRun1.lastReplayRun?.S).toBe('run-1');
    expect(afterRun1.lastReplayAt?.S).toMatch(/^\d{4}-/);
    expect(afterRun1.processedAt?.S).toBe(first.processedAt?.S);
    expect(afterRun1.archiveKey?.S).toBe(first.archiveKey?.S); // replays are not archived again
    expect(afterRun2.replays?.N).toBe('2');
    expect(afterRun2.lastReplayRun?.S).toBe('run-2');
    expect((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'archive/sully/' }))).KeyCount).toBe(archiveBefore);
    const stateAfter = (await stateRecord(dynamo.client, TABLE, 'sully', 'note', noteId))!;
    expect(stateAfter.status?.S).toBe(stateBefore.status?.S);
    expect(output.metricCounts()).toMatchObject({ Processed: 3, DuplicateDelivery: 1 });
  });

  it('a replay that fails marks the entry failed (no replay counted) and is retried', async () => {
    output = captureOutput();
    const failing = envelopeFor({ provider: 'sully', eventType: 'coding.failed', dedupeKey: `coding.failed:c-${uid()}`, body: '{"type":"coding.failed","data":{"id":"c"}}' });
    await seedEnqueuedEntry(dynamo.client, TABLE, failing);
    const replayed = { ...failing, replay: { runId: 'run-f', at: new Date().toISOString() } };
    const response = await handler(sqsEvent(recordFor(replayed, { messageId: 'r' })), lambdaContext()).catch((e: Error) => e);
    expect(String(response)).toMatch(/All records failed/);
    const entry = (await ledgerEntry(dynamo.client, TABLE, 'sully', failing.dedupeKey))!;
    expect(entry.status?.S).toBe('failed');
    expect(entry.replays).toBeUndefined();
  });

  it('an archive PUT that fails: every record retried transiently, no business logic ran', async () => {
    output = captureOutput();
    const failingPut = await loadProcessorHandler(processorEnv({
      provider: 'sully', table: TABLE, dynamodbEndpoint: dynamo.endpoint, bucket: 'no-such-bucket', s3Endpoint: (await archiveStandIn(BUCKET)).endpoint,
    }));
    const noteId = `n-${uid()}`;
    const envelope = note(noteId);
    await seedEnqueuedEntry(dynamo.client, TABLE, envelope);

    const response = await failingPut(sqsEvent(recordFor(envelope)), lambdaContext()).catch((e: Error) => e);

    expect(String(response)).toMatch(/All records failed/);
    const entry = (await ledgerEntry(dynamo.client, TABLE, 'sully', envelope.dedupeKey))!;
    expect(entry).toMatchObject({ status: { S: 'failed' }, failureClass: { S: 'transient' } });
    expect(entry.lastError?.S).toMatch(/^ArchiveError: the archive PUT of this batch failed \(\w+\)$/);
    expect(entry.archiveKey).toBeUndefined();
    expect(await stateRecord(dynamo.client, TABLE, 'sully', 'note', noteId)).toBeUndefined();
  });

  it('never logged a body', () => {
    expect(lines.join('\n')).not.toContain(PHI_MARKER);
  });
});
