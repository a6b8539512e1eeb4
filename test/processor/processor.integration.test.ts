/**
 * The bundled entry point (lambdas/processor/handler.ts) against a real DynamoDB stand-in (dynalite,
 * in-process): batch item failures, exactly-once processing under duplicate delivery, order independence,
 * unknown and test events, Suki links, the failure drill, and logs free of body content.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Envelope } from '../../lambdas/contract/envelope.ts';
import { envelopeFor, lambdaContext, recordFor, sqsEvent, sqsRecord } from './support/lambda.ts';
import { createLedgerTable, startDynalite, type LocalDynamo } from './support/dynalite.ts';
import { attemptsAfter, ledgerEntry, seedEnqueuedEntry, stateRecord, stateRecords } from './support/ledger.ts';
import { loadProcessorHandler, processorEnv, type ProcessorHandler } from './support/load-handler.ts';
import { captureOutput, type CapturedOutput } from './support/output.ts';

/**
 * Put into every body: if it ever shows up in output, a body leaked. Short on purpose: JSON.parse's
 * message quotes only about ten characters of the text it fails on, and that must be caught too.
 */
const PHI_MARKER = 'Zq9PHI';
const TABLE = 'ledger-processor-it';

let dynamo: LocalDynamo;
let output: CapturedOutput;
/** Every line written during the whole file, for the final leak check. */
const allLines: string[] = [];

beforeAll(async () => {
  dynamo = await startDynalite();
  await createLedgerTable(dynamo.client, TABLE);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await dynamo.close();
});

function startCapture(): CapturedOutput {
  output = captureOutput();
  return output;
}

afterEach(() => {
  if (output) {
    allLines.push(...output.lines());
    output.restore();
  }
});

async function processorFor(provider: string, failEventTypes?: string): Promise<ProcessorHandler> {
  return loadProcessorHandler(
    processorEnv({ provider, table: TABLE, dynamodbEndpoint: dynamo.endpoint, ...(failEventTypes ? { failEventTypes } : {}) }),
  );
}

/** An enqueued event: the verifier's ledger entry exists, and the envelope is ready to deliver. */
async function enqueued(provider: string, eventType: string, dedupeKey: string, body: object, extra: Partial<Envelope> = {}) {
  const envelope = { ...envelopeFor({ provider, eventType, dedupeKey, body: JSON.stringify(body) }), ...extra };
  await seedEnqueuedEntry(dynamo.client, TABLE, envelope);
  return envelope;
}

const iso = (ms: number) => new Date(ms).toISOString();
const uid = () => randomUUID().slice(0, 8);

describe('sully processor', () => {
  let handler: ProcessorHandler;
  beforeAll(async () => {
    handler = await processorFor('sully', 'coding.failed');
  });

  it('reports exactly the failing record of a batch of three', async () => {
    // Prepare
    const capture = startCapture();
    const goodA = await enqueued('sully', 'note_generation.succeeded', `note_generation.succeeded:n-${uid()}`, {
      type: 'note_generation.succeeded', created_at: iso(Date.now()), data: { id: `n-${uid()}`, note: PHI_MARKER },
    });
    const goodB = await enqueued('sully', 'coding.succeeded', `coding.succeeded:c-${uid()}`, {
      type: 'coding.succeeded', created_at: iso(Date.now()), data: { id: `c-${uid()}`, codes: PHI_MARKER },
    });
    const poison = sqsRecord(`not an envelope ${PHI_MARKER}`, { messageId: 'poison-1' });

    // Act
    const response = await handler(sqsEvent(recordFor(goodA), poison, recordFor(goodB)), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'poison-1' }]);
    for (const envelope of [goodA, goodB]) {
      const entry = await ledgerEntry(dynamo.client, TABLE, 'sully', envelope.dedupeKey);
      expect(entry?.['status']?.S).toBe('processed');
      expect(entry?.['attempts']?.N).toBe(attemptsAfter(1));
      expect(entry?.['outcome']?.S).toBe('applied');
    }
    expect(capture.metricCounts()).toMatchObject({ Processed: 2, ProcessingFailure: 1 });
    // The contract's metrics: namespace WebhookReceiver, the single dimension `provider` (no `service`).
    expect(capture.metricDeclarations()).toEqual([{ Namespace: 'WebhookReceiver', Dimensions: [['provider']] }]);
    const failure = capture.logEntries().find((entry) => entry['message'] === 'event processing failed');
    expect(failure).toMatchObject({ messageId: 'poison-1', error: 'PoisonMessageError: message is not JSON' });
  });

  it('processes an event exactly once when SQS delivers it twice', async () => {
    // Prepare
    const capture = startCapture();
    const noteId = `n-${uid()}`;
    const envelope = await enqueued('sully', 'note_generation.succeeded', `note_generation.succeeded:${noteId}`, {
      type: 'note_generation.succeeded', created_at: iso(Date.now()), data: { id: noteId, note: PHI_MARKER },
    });

    // Act: once in one invocation, then the same message twice in one batch (parallel), then again.
    const first = await handler(sqsEvent(recordFor(envelope)), lambdaContext());
    const afterFirst = await ledgerEntry(dynamo.client, TABLE, 'sully', envelope.dedupeKey);
    const second = await handler(sqsEvent(recordFor(envelope), recordFor(envelope)), lambdaContext());
    const third = await handler(sqsEvent(recordFor(envelope, { receiveCount: 2 })), lambdaContext());

    // Assess: one processed transition (one processing attempt, processedAt unchanged), three duplicates counted.
    for (const response of [first, second, third]) expect(response.batchItemFailures).toEqual([]);
    const entry = await ledgerEntry(dynamo.client, TABLE, 'sully', envelope.dedupeKey);
    expect(entry?.['status']?.S).toBe('processed');
    expect(entry?.['attempts']?.N).toBe(attemptsAfter(1));
    expect(entry?.['processedAt']?.S).toBe(afterFirst?.['processedAt']?.S);
    expect(capture.metricCounts()).toMatchObject({ Processed: 1, DuplicateDelivery: 3 });
    expect(capture.metricCounts()['ProcessingFailure']).toBeUndefined();
    const state = await stateRecord(dynamo.client, TABLE, 'sully', 'note', noteId);
    expect(state?.['status']?.S).toBe('succeeded');
    expect(state?.['dedupeKey']?.S).toBe(envelope.dedupeKey);
  });

  it('an event enqueued unclaimed (LedgerBypass) creates its entry when processed, and a second copy is a duplicate', async () => {
    const capture = startCapture();
    const noteId = `n-${uid()}`;
    // No seeded entry: the verifier could not reach the ledger and enqueued the event without a claim.
    const envelope: Envelope = {
      ...envelopeFor({ provider: 'sully', eventType: 'note_generation.succeeded', dedupeKey: `note_generation.succeeded:${noteId}`,
        body: JSON.stringify({ type: 'note_generation.succeeded', created_at: iso(Date.now()), data: { id: noteId, note: PHI_MARKER } }) }),
      unclaimed: true,
    };
    expect(await ledgerEntry(dynamo.client, TABLE, 'sully', envelope.dedupeKey)).toBeUndefined();

    const first = await handler(sqsEvent(recordFor(envelope)), lambdaContext());
    const second = await handler(sqsEvent(recordFor(envelope)), lambdaContext());

    for (const response of [first, second]) expect(response.batchItemFailures).toEqual([]);
    const entry = await ledgerEntry(dynamo.client, TABLE, 'sully', envelope.dedupeKey);
    expect(entry).toMatchObject({
      status: { S: 'processed' }, provider: { S: 'sully' }, eventType: { S: 'note_generation.succeeded' },
      bodySha256: { S: envelope.bodySha256 }, receivedAt: { S: envelope.receivedAt },
    });
    expect(capture.metricCounts()).toMatchObject({ Processed: 1, DuplicateDelivery: 1 });
  });

  it('keeps the newer state when an older event arrives late, and counts the stale one', async () => {
    // Prepare
    const capture = startCapture();
    const noteId = `n-${uid()}`;
    const older = Date.parse('2026-03-01T10:00:00Z');
    const newer = older + 60_000;
    const failedLater = await enqueued('sully', 'note_generation.failed', `note_generation.failed:${noteId}`, {
      type: 'note_generation.failed', created_at: iso(newer), data: { id: noteId },
    });
    const succeededEarlier = await enqueued('sully', 'note_generation.succeeded', `note_generation.succeeded:${noteId}`, {
      type: 'note_generation.succeeded', created_at: iso(older), data: { id: noteId, note: PHI_MARKER },
    });

    // Act: newer first, then older
    const responses = [
      await handler(sqsEvent(recordFor(failedLater)), lambdaContext()),
      await handler(sqsEvent(recordFor(succeededEarlier)), lambdaContext()),
    ];

    // Assess
    for (const response of responses) expect(response.batchItemFailures).toEqual([]);
    const state = await stateRecord(dynamo.client, TABLE, 'sully', 'note', noteId);
    expect(state?.['status']?.S).toBe('failed');
    expect(state?.['eventTime']?.N).toBe(String(newer));
    expect(state?.['eventType']?.S).toBe('note_generation.failed');
    expect((await ledgerEntry(dynamo.client, TABLE, 'sully', succeededEarlier.dedupeKey))?.['outcome']?.S).toBe('stale-ignored');
    expect(capture.metricCounts()).toMatchObject({ Processed: 2, StaleEventIgnored: 1 });
  });

  it('moves the state forward when events arrive in order', async () => {
    // Prepare
    startCapture();
    const transcriptionId = `t-${uid()}`;
    const t0 = Date.parse('2026-03-01T09:00:00Z');
    const events = [
      await enqueued('sully', 'audio_transcription.failed', `audio_transcription.failed:${transcriptionId}`, {
        type: 'audio_transcription.failed', created_at: iso(t0), data: { transcriptionId },
      }),
      await enqueued('sully', 'audio_transcription.succeeded', `audio_transcription.succeeded:${transcriptionId}`, {
        type: 'audio_transcription.succeeded', created_at: iso(t0 + 1000), data: { transcriptionId, text: PHI_MARKER },
      }),
    ];

    // Act
    for (const envelope of events) await handler(sqsEvent(recordFor(envelope)), lambdaContext());

    // Assess
    const state = await stateRecord(dynamo.client, TABLE, 'sully', 'transcription', transcriptionId);
    expect(state?.['status']?.S).toBe('succeeded');
    expect(state?.['eventTime']?.N).toBe(String(t0 + 1000));
  });

  it('records an unknown event type as processed and counts it, without failing', async () => {
    // Prepare
    const capture = startCapture();
    const envelope = await enqueued('sully', 'visit_summary.ready', `visit_summary.ready:v-${uid()}`, {
      type: 'visit_summary.ready', data: { id: 'v-1', summary: PHI_MARKER },
    });

    // Act
    const response = await handler(sqsEvent(recordFor(envelope)), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const entry = await ledgerEntry(dynamo.client, TABLE, 'sully', envelope.dedupeKey);
    expect(entry?.['status']?.S).toBe('processed');
    expect(entry?.['outcome']?.S).toBe('unknown-event-type');
    expect(capture.metricCounts()).toMatchObject({ Processed: 1, UnknownEventType: 1 });
  });

  it('fails a drilled event type: ledger failed with a short lastError, record reported, then recovers', async () => {
    // Prepare
    const capture = startCapture();
    const codingId = `c-${uid()}`;
    const drilled = await enqueued('sully', 'coding.failed', `coding.failed:${codingId}`, {
      type: 'coding.failed', created_at: iso(Date.now()), data: { id: codingId, detail: PHI_MARKER },
    });
    const fine = await enqueued('sully', 'coding.succeeded', `coding.succeeded:c-${uid()}`, {
      type: 'coding.succeeded', created_at: iso(Date.now()), data: { id: `c-${uid()}` },
    });
    const drilledRecord = recordFor(drilled, { messageId: 'drilled-1' });

    // Act: twice, as SQS would redeliver
    const first = await handler(sqsEvent(drilledRecord, recordFor(fine)), lambdaContext());
    const firstFailedAt = (await ledgerEntry(dynamo.client, TABLE, 'sully', drilled.dedupeKey))?.['firstFailedAt']?.S;
    const second = await handler(sqsEvent(drilledRecord, recordFor(fine)), lambdaContext());

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'drilled-1' }]);
    expect(second.batchItemFailures).toEqual([{ itemIdentifier: 'drilled-1' }]);
    const entry = await ledgerEntry(dynamo.client, TABLE, 'sully', drilled.dedupeKey);
    expect(entry?.['status']?.S).toBe('failed');
    expect(entry?.['attempts']?.N).toBe(attemptsAfter(2));
    expect(entry?.['lastError']?.S).toBe('FailureDrillError: event type is listed in PROCESSOR_FAIL_EVENT_TYPES (failure drill)');
    expect(firstFailedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(entry?.['firstFailedAt']?.S).toBe(firstFailedAt); // the second failure keeps the first time
    expect(await stateRecord(dynamo.client, TABLE, 'sully', 'coding', codingId)).toBeUndefined();
    expect(capture.metricCounts()).toMatchObject({ ProcessingFailure: 2, Processed: 1, DuplicateDelivery: 1 });
  });

  it('a failed event is processed on a later delivery once the cause is gone', async () => {
    // Prepare: the same event, delivered to a processor without the drill
    startCapture();
    const codingId = `c-${uid()}`;
    const envelope = await enqueued('sully', 'coding.failed', `coding.failed:${codingId}`, {
      type: 'coding.failed', created_at: iso(Date.now()), data: { id: codingId },
    });
    await handler(sqsEvent(recordFor(envelope)), lambdaContext()).catch(() => undefined); // all-failed batch throws
    const healed = await processorFor('sully');

    // Act
    const response = await healed(sqsEvent(recordFor(envelope, { receiveCount: 2 })), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const entry = await ledgerEntry(dynamo.client, TABLE, 'sully', envelope.dedupeKey);
    expect(entry?.['status']?.S).toBe('processed');
    expect(entry?.['attempts']?.N).toBe(attemptsAfter(2));
    expect((await stateRecord(dynamo.client, TABLE, 'sully', 'coding', codingId))?.['status']?.S).toBe('failed');
    handler = await processorFor('sully', 'coding.failed');
  });

  it('fails a body that is not JSON without quoting it anywhere', async () => {
    // Prepare
    const capture = startCapture();
    const envelope = envelopeFor({ provider: 'sully', eventType: 'coding.succeeded', dedupeKey: `coding.succeeded:${uid()}`, body: `{"data": ${PHI_MARKER}` });
    await seedEnqueuedEntry(dynamo.client, TABLE, envelope);

    // Act
    const run = handler(sqsEvent(recordFor(envelope)), lambdaContext());

    // Assess: a batch whose every record failed is thrown (Powertools default) and retried by SQS
    await expect(run).rejects.toThrow(/All records failed/);
    const entry = await ledgerEntry(dynamo.client, TABLE, 'sully', envelope.dedupeKey);
    expect(entry?.['status']?.S).toBe('failed');
    expect(entry?.['lastError']?.S).toBe('UnusableBodyError: body is not valid JSON');
    expect(capture.lines().join('\n')).not.toContain(PHI_MARKER);
  });

  it('fails a message meant for another provider', async () => {
    // Prepare
    startCapture();
    const envelope = envelopeFor({ provider: 'stripe', eventType: 'charge.succeeded', dedupeKey: `evt_${uid()}`, body: '{}' });
    const ok = await enqueued('sully', 'coding.succeeded', `coding.succeeded:c-${uid()}`, {
      type: 'coding.succeeded', created_at: iso(Date.now()), data: { id: `c-${uid()}` },
    });

    // Act
    const response = await handler(sqsEvent(recordFor(envelope, { messageId: 'misrouted' }), recordFor(ok)), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'misrouted' }]);
  });
});

describe('soapnoteapi processor', () => {
  it('accepts a test event without processing it', async () => {
    // Prepare
    const capture = startCapture();
    const handler = await processorFor('soapnoteapi');
    const noteId = `test_${Date.now()}`;
    const envelope = await enqueued('soapnoteapi', 'test', `test:${noteId}`, {
      event: 'test', note_id: noteId, status: 'test', created_at: iso(Date.now()),
    });

    // Act
    const response = await handler(sqsEvent(recordFor(envelope)), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const entry = await ledgerEntry(dynamo.client, TABLE, 'soapnoteapi', envelope.dedupeKey);
    expect(entry?.['status']?.S).toBe('processed');
    expect(entry?.['outcome']?.S).toBe('accepted-not-processed');
    expect(await stateRecords(dynamo.client, TABLE, 'soapnoteapi', 'note')).toEqual([]);
    expect(capture.metricCounts()).toEqual({ Processed: 1 });
  });

  it('records a generated note', async () => {
    // Prepare
    startCapture();
    const handler = await processorFor('soapnoteapi');
    const noteId = randomUUID();
    const envelope = await enqueued('soapnoteapi', 'note.generated', `note.generated:${noteId}`, {
      event: 'note.generated', note_id: noteId, status: 'completed', created_at: '2026-03-19T15:30:00.000Z',
      data: { subjective: PHI_MARKER, plan: PHI_MARKER },
    });

    // Act
    await handler(sqsEvent(recordFor(envelope)), lambdaContext());

    // Assess: ids, status and times only; no note content in the state record
    const state = await stateRecord(dynamo.client, TABLE, 'soapnoteapi', 'note', noteId);
    expect(state?.['status']?.S).toBe('completed');
    expect(state?.['eventTime']?.N).toBe(String(Date.parse('2026-03-19T15:30:00.000Z')));
    expect(JSON.stringify(state)).not.toContain(PHI_MARKER);
  });
});

describe('suki processor', () => {
  it('records the session with its _links and encounter id, ordered by the signed generated-at', async () => {
    // Prepare
    startCapture();
    const handler = await processorFor('suki');
    const sessionId = randomUUID();
    const links = {
      contents: [{ href: `/sessions/${sessionId}/content`, method: 'GET', name: 'content', type: 'application/json' }],
      transcripts: [{ href: `/sessions/${sessionId}/transcript`, method: 'GET', name: 'transcript', type: 'application/json' }],
    };
    const generatedAt = 1_774_000_000_000;
    const body = { _links: links, encounter_id: 'enc-1', session_id: sessionId, sessions: [sessionId], status: 'success' };
    const envelope = { ...envelopeFor({ provider: 'suki', eventType: 'success', dedupeKey: `${sessionId}:success`, body: JSON.stringify(body) }), signedTimestamp: String(generatedAt) };
    await seedEnqueuedEntry(dynamo.client, TABLE, envelope);

    // Act
    const response = await handler(sqsEvent(recordFor(envelope)), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const state = await stateRecord(dynamo.client, TABLE, 'suki', 'session', sessionId);
    expect(state?.['status']?.S).toBe('success');
    expect(state?.['eventTime']?.N).toBe(String(generatedAt));
    expect(state?.['details']?.M?.['encounterId']?.S).toBe('enc-1');
    expect(state?.['links']?.M?.['contents']?.L?.[0]?.M?.['href']?.S).toBe(`/sessions/${sessionId}/content`);
    expect(state?.['links']?.M?.['transcripts']?.L?.[0]?.M?.['method']?.S).toBe('GET');
  });
});

describe('an entry created by the processor of a provider without a signed timestamp', () => {
  it('lives for REPLAY_PROTECTION_DAYS, as the verifier\'s claim would have', async () => {
    const handler = await loadProcessorHandler(processorEnv({ provider: 'solatis', table: TABLE, dynamodbEndpoint: dynamo.endpoint, replayProtectionDays: 400 }));
    startCapture();
    const envelope: Envelope = {
      ...envelopeFor({ provider: 'solatis', eventType: 'ping.test', dedupeKey: `evt_${uid()}`, body: JSON.stringify({ id: 'x', event: 'ping.test' }) }),
      unclaimed: true,
    };
    const before = Math.floor(Date.now() / 1000);
    expect((await handler(sqsEvent(recordFor(envelope)), lambdaContext())).batchItemFailures).toEqual([]);
    const entry = await ledgerEntry(dynamo.client, TABLE, 'solatis', envelope.dedupeKey);
    expect(entry?.['status']?.S).toBe('processed');
    expect(Number(entry?.['expiresAt']?.N)).toBeGreaterThanOrEqual(before + 400 * 86_400);
  });
});

describe('generic processor', () => {
  it('records the resource named by the event type, keyed by its numeric id', async () => {
    // Prepare
    startCapture();
    const handler = await processorFor('generic');
    const id = Math.floor(Math.random() * 1e9);
    const envelope = await enqueued('generic', 'recording.processing.completed', `recording.processing.completed:${id}:2024-01-15T10:30:00Z`, {
      event: 'recording.processing.completed', timestamp: '2024-01-15T10:30:00Z',
      data: { recording: { id, title: PHI_MARKER, status: 'completed' } },
    });

    // Act
    await handler(sqsEvent(recordFor(envelope)), lambdaContext());

    // Assess
    const state = await stateRecord(dynamo.client, TABLE, 'generic', 'recording', String(id));
    expect(state?.['status']?.S).toBe('completed');
    expect(state?.['eventTime']?.N).toBe(String(Date.parse('2024-01-15T10:30:00Z')));
  });
});

describe('logs', () => {
  it('never contain body content, and say what happened with ids', () => {
    // Assess over every line the tests above produced (they all carry the marker in their bodies)
    expect(allLines.length).toBeGreaterThan(20);
    const leaking = allLines.filter((line) => line.includes(PHI_MARKER));
    expect(leaking).toEqual([]);
    const processed = allLines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry['message'] === 'event processed');
    expect(processed).toMatchObject({ provider: expect.any(String), eventType: expect.any(String), dedupeKey: expect.any(String), bodyBytes: expect.any(Number), outcome: expect.any(String) });
  });
});
