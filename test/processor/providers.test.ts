/**
 * Per-provider routing, event time and resource ids, on the vendors' own sample payloads (seeds) where
 * they exist. Pure: the handlers run with a fake `recordState`.
 */
import { describe, expect, it } from 'vitest';
import { MissingFieldError } from '../../lambdas/processor/errors.ts';
import { findHandler, type ResourceStateProcessor } from '../../lambdas/example-state/resource-state.ts';
import { processor as generic } from '../../providers/generic/processor.ts';
import { githubJsonText, processor as github } from '../../providers/github/processor.ts';
import { providerDeclarations } from '../../providers/index.ts';
import { loadProcessor } from '../../providers/processors.ts';
import { processor as soapnoteapi } from '../../providers/soapnoteapi/processor.ts';
import { processor as solatis } from '../../providers/solatis/processor.ts';
import { processor as standardWebhooks } from '../../providers/standard-webhooks/processor.ts';
import { processor as stripe } from '../../providers/stripe/processor.ts';
import { processor as suki } from '../../providers/suki/processor.ts';
import { processor as sully } from '../../providers/sully/processor.ts';
import { RECEIVED_AT, runHandler } from './support/run-handler.ts';

// Each registered provider's providers/<id>/processor.ts, loaded as the processor Lambda loads it.
const processors = new Map(await Promise.all(providerDeclarations.map(async (d) => [d.id, await loadProcessor(d.id)] as const)));

describe('processor registry', () => {
  it('has one processor per registered provider, each for its own provider id', () => {
    expect([...processors.keys()].sort()).toEqual(providerDeclarations.map((p) => p.id).sort());
    for (const [id, processor] of processors) expect(processor.provider).toBe(id);
  });

  it('refuses an id that is not registered', async () => {
    await expect(loadProcessor('acme')).rejects.toThrow(/'acme' is not a registered provider/);
  });

  it.each([
    ['sully', ['audio_transcription.succeeded', 'audio_transcription.failed', 'note_generation.succeeded', 'note_generation.failed', 'coding.succeeded', 'coding.failed']],
    ['suki', ['success', 'failure']],
    ['soapnoteapi', ['note.generated', 'note.failed', 'test']],
    ['solatis', ['document.analyzed', 'document.deleted', 'document.shared', 'transcription.started', 'transcription.completed', 'meeting.analyzed', 'action_items.extracted', 'task.created', 'task.updated', 'task.completed', 'task.deleted', 'content.generated', 'brainstorm.completed']],
    ['generic', ['recording.created', 'recording.processing.started', 'recording.processing.completed', 'recording.processing.failed', 'recording.transcript.ready', 'recording.deleted', 'meeting.created', 'meeting.updated', 'meeting.deleted', 'meeting.started', 'meeting.ended', 'transcript.generated', 'transcript.updated', 'signal.detected', 'signal.confirmed', 'user.invited', 'user.joined']],
  ])('routes every seed event type of %s to a handler', (provider, eventTypes) => {
    // The shipped processors are the example's (lambdas/example-state/): a handler map each.
    const handlers = (processors.get(provider) as ResourceStateProcessor).handlers;
    expect(eventTypes.filter((type) => findHandler(handlers, type) === undefined)).toEqual([]);
  });
});

describe('sully', () => {
  it('keys transcriptions by data.transcriptionId and takes the status from the event type', async () => {
    const run = await runHandler(sully, 'audio_transcription.succeeded', {
      type: 'audio_transcription.succeeded', created_at: '2026-03-01T10:00:00Z', data: { id: 'other', transcriptionId: 'tr-1' },
    });
    expect(run.changes).toEqual([{ resourceType: 'transcription', resourceId: 'tr-1', status: 'succeeded' }]);
    expect(run.outcome).toBe('applied');
  });

  it('keys notes and coding by data.id', async () => {
    expect((await runHandler(sully, 'note_generation.failed', { data: { id: 'n-1' } })).changes[0]).toMatchObject({ resourceType: 'note', resourceId: 'n-1', status: 'failed' });
    expect((await runHandler(sully, 'coding.succeeded', { data: { id: 'c-1' } })).changes[0]).toMatchObject({ resourceType: 'coding', resourceId: 'c-1' });
  });

  it('takes the first of created_at, createdAt, timestamp as event time (inferred), else receivedAt', async () => {
    expect((await runHandler(sully, 'coding.succeeded', { created_at: '2026-03-01T10:00:00Z', timestamp: 1, data: { id: 'c' } })).eventTime).toBe(Date.parse('2026-03-01T10:00:00Z'));
    expect((await runHandler(sully, 'coding.succeeded', { createdAt: 1_772_359_200, data: { id: 'c' } })).eventTime).toBe(1_772_359_200_000);
    expect((await runHandler(sully, 'coding.succeeded', { timestamp: 1_772_359_200_123, data: { id: 'c' } })).eventTime).toBe(1_772_359_200_123);
    expect((await runHandler(sully, 'coding.succeeded', { data: { id: 'c' } })).eventTime).toBe(Date.parse(RECEIVED_AT));
  });

  it('reports a stale write as stale-ignored', async () => {
    expect((await runHandler(sully, 'coding.failed', { data: { id: 'c' } }, { stateWrite: 'stale' })).outcome).toBe('stale-ignored');
  });

  it('fails an event without a resource id, naming the paths, not the body', async () => {
    const run = runHandler(sully, 'audio_transcription.failed', { data: { note: 'Patient reports chest pain' } });
    await expect(run).rejects.toThrow(MissingFieldError);
    await expect(run).rejects.toThrow('no identifier at data.transcriptionId | data.id');
  });

  it('leaves an unlisted type unrouted', async () => {
    expect((await runHandler(sully, 'visit.summarized', { data: { id: 'x' } })).routed).toBe(false);
  });
});

describe('suki', () => {
  const sessionId = 'a953839a-ddcd-407d-b9b0-3ed4b6be4be2';
  const links = { contents: [{ href: '/path/to/resource', method: 'GET', name: 'name', type: 'application/json' }] };

  it('records a success session with its encounter id and _links as given (seed payload)', async () => {
    const run = await runHandler(suki, 'success', {
      _links: links, additional_info: { priority: 'high' }, encounter_id: '4d753ce1-bbff-43e1-950a-82dea2d86873',
      session_id: sessionId, sessions: ['20965414-929a-4f71-a3e5-b92bec07d086'], status: 'success',
    });
    expect(run.changes).toEqual([{ resourceType: 'session', resourceId: sessionId, status: 'success', links, details: { encounterId: '4d753ce1-bbff-43e1-950a-82dea2d86873' } }]);
    expect(run.outcome).toBe('applied');
  });

  it('records a failure with its error code and without the free-text detail', async () => {
    const run = await runHandler(suki, 'failure', {
      encounter_id: 'enc-2', error_code: 'ERROR_CODE_TRANSCRIPTION', error_detail: 'Error in transcription', session_id: sessionId, status: 'failure',
    });
    expect(run.changes).toEqual([{ resourceType: 'session', resourceId: sessionId, status: 'failure', details: { encounterId: 'enc-2', errorCode: 'ERROR_CODE_TRANSCRIPTION' } }]);
    expect(JSON.stringify(run.changes)).not.toContain('Error in transcription');
  });

  it('orders by the signed generated-at (unix ms), since Suki never retries', async () => {
    expect((await runHandler(suki, 'success', { session_id: sessionId, status: 'success' }, { signedTimestamp: '1774000000123' })).eventTime).toBe(1_774_000_000_123);
  });

  it('reports a stale success as stale-ignored', async () => {
    expect((await runHandler(suki, 'success', { session_id: sessionId, _links: links }, { stateWrite: 'stale' })).outcome).toBe('stale-ignored');
  });
});

describe('soapnoteapi', () => {
  it('records note.generated by note_id with the body status (seed payload)', async () => {
    const run = await runHandler(soapnoteapi, 'note.generated', {
      event: 'note.generated', note_id: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890', status: 'completed', created_at: '2026-03-19T15:30:00.000Z',
      data: { subjective: 'Patient presents with a 3-day history of...' },
    });
    expect(run.changes).toEqual([{ resourceType: 'note', resourceId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890', status: 'completed' }]);
    expect(run.eventTime).toBe(Date.parse('2026-03-19T15:30:00.000Z'));
  });

  it('accepts the test event without recording anything', async () => {
    const run = await runHandler(soapnoteapi, 'test', { event: 'test', note_id: 'test_1710784200000', status: 'test', created_at: '2026-03-18T15:30:00.000Z' });
    expect(run.outcome).toBe('accepted-not-processed');
    expect(run.changes).toEqual([]);
  });
});

describe('solatis', () => {
  it('keys documents and transcriptions by their data ids (seed payloads)', async () => {
    const doc = await runHandler(solatis, 'document.analyzed', { id: 'evt_abc123xyz', event: 'document.analyzed', created_at: '2026-02-02T10:30:00Z', data: { document_id: 'doc_xyz789', status: 'completed', summary: 'This is a service agreement' } });
    expect(doc.changes).toEqual([{ resourceType: 'document', resourceId: 'doc_xyz789', status: 'completed' }]);
    expect(doc.eventTime).toBe(Date.parse('2026-02-02T10:30:00Z'));
    const tr = await runHandler(solatis, 'transcription.completed', { id: 'evt_def456', data: { transcription_id: 'trans_abc123', status: 'completed' } });
    expect(tr.changes[0]).toMatchObject({ resourceType: 'transcription', resourceId: 'trans_abc123' });
  });

  it('falls back to the event id when the resource id is absent, and to the action as status', async () => {
    const run = await runHandler(solatis, 'task.deleted', { id: 'evt_9', event: 'task.deleted', data: {} });
    expect(run.changes).toEqual([{ resourceType: 'task', resourceId: 'evt_9', status: 'deleted' }]);
  });
});

describe('generic (the meeting-recording platform)', () => {
  it('keys recordings by data.recording.id (a number) and uses their status (seed payload)', async () => {
    const run = await runHandler(generic, 'recording.processing.completed', {
      event: 'recording.processing.completed', timestamp: '2024-01-15T10:30:00Z',
      data: { recording: { id: 123, title: 'Team Meeting', status: 'completed', duration: 3600 } },
    });
    expect(run.changes).toEqual([{ resourceType: 'recording', resourceId: '123', status: 'completed' }]);
    expect(run.eventTime).toBe(Date.parse('2024-01-15T10:30:00Z'));
  });

  it('uses the action when the resource has no status, and the recording for transcript events without their own id', async () => {
    expect((await runHandler(generic, 'recording.transcript.ready', { data: { recording: { id: 123, transcript: { id: 456, text: 'Full transcript text...' } } } })).changes[0])
      .toEqual({ resourceType: 'recording', resourceId: '123', status: 'transcript.ready' });
    expect((await runHandler(generic, 'transcript.generated', { data: { recording: { id: 7 } } })).changes[0]).toMatchObject({ resourceType: 'transcript', resourceId: '7' });
  });

  it('refuses a free-text "id" instead of copying it into the state record', async () => {
    await expect(runHandler(generic, 'meeting.updated', { data: { meeting: { id: 'Team Meeting about patient X' } } })).rejects.toThrow(MissingFieldError);
  });
});

describe('standard-webhooks', () => {
  it('has only the example types note.* and invoice.*, by data.id: the sender defines the rest', async () => {
    expect((await runHandler(standardWebhooks, 'invoice.paid', { type: 'invoice.paid', timestamp: '2022-11-03T20:26:10.344522Z', data: { id: 'inv_1' } })).changes)
      .toEqual([{ resourceType: 'invoice', resourceId: 'inv_1', status: 'paid' }]);
    expect((await runHandler(standardWebhooks, 'note.signed', { type: 'note.signed', data: { id: 'note_1' } })).changes[0]).toMatchObject({ resourceType: 'note', resourceId: 'note_1' });
    expect((await runHandler(standardWebhooks, 'contact.created', { type: 'contact.created', data: { id: 'x' } })).routed).toBe(false);
  });

  it('reads the event time from the body timestamp', () => {
    expect(standardWebhooks.eventTime({ timestamp: '2022-11-03T20:26:10.344Z' }, { receivedAt: RECEIVED_AT })).toBe(Date.parse('2022-11-03T20:26:10.344Z'));
  });
});

describe('github', () => {
  const repository = { full_name: 'octo-org/hello-world' };

  it('keys pull requests and issues by repository and number, with the action as status', async () => {
    expect((await runHandler(github, 'pull_request', { action: 'opened', number: 12, pull_request: { number: 12 }, repository })).changes)
      .toEqual([{ resourceType: 'pull_request', resourceId: 'octo-org/hello-world#12', status: 'opened' }]);
    expect((await runHandler(github, 'issues', { action: 'closed', issue: { number: 3 }, repository })).changes[0])
      .toMatchObject({ resourceType: 'issue', resourceId: 'octo-org/hello-world#3', status: 'closed' });
  });

  it('acknowledges ping and orders by receivedAt', async () => {
    const run = await runHandler(github, 'ping', { zen: 'Keep it logically awesome.', hook_id: 1 });
    expect(run.outcome).toBe('accepted-not-processed');
    expect(run.eventTime).toBe(Date.parse(RECEIVED_AT));
  });

  it('decodes form-encoded deliveries (payload=<json>) and leaves JSON as is', () => {
    const json = JSON.stringify({ action: 'opened', repository });
    expect(githubJsonText(`payload=${encodeURIComponent(json)}`)).toBe(json);
    expect(githubJsonText(json)).toBe(json);
  });
});

describe('stripe', () => {
  it('keys the event by data.object, with its status and created (unix s) as time', async () => {
    const run = await runHandler(stripe, 'payment_intent.succeeded', {
      id: 'evt_1', type: 'payment_intent.succeeded', created: 1_700_000_000, data: { object: { id: 'pi_123', object: 'payment_intent', status: 'succeeded' } },
    });
    expect(run.changes).toEqual([{ resourceType: 'payment_intent', resourceId: 'pi_123', status: 'succeeded' }]);
    expect(run.eventTime).toBe(1_700_000_000_000);
  });

  it('routes nested types by the longest prefix', async () => {
    const run = await runHandler(stripe, 'customer.subscription.updated', { created: 1, data: { object: { id: 'sub_1', object: 'subscription', status: 'active' } } });
    expect(run.changes[0]).toMatchObject({ resourceType: 'subscription', resourceId: 'sub_1', status: 'active' });
    expect((await runHandler(stripe, 'customer.created', { data: { object: { id: 'cus_1' } } })).routed).toBe(false);
  });
});
