/** Seed-shaped payloads (pretty-printed like the vendors' pages; each carries a non-ASCII "Ménière"). */
import { createHash } from 'node:crypto';
import { DEFAULT_DELIVERY, DEFAULT_MSG_ID, TIMESTAMP_UNIT, type ProviderId } from './fixtures.ts';
import { sign, type SignInput } from './signers.ts';

export interface Sample {
  readonly name: string;
  readonly body: string;
  readonly eventType: string;
  readonly dedupeKey: string;
  /** GitHub: X-GitHub-Event. */
  readonly event?: string;
  readonly msgId?: string;
}

const pretty = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

const GITHUB_PUSH = pretty({ ref: 'refs/heads/main', head_commit: { id: '6113728f27ae82c7b1a177c8d03f9e96e0adf246', message: 'Fix Ménière typo' } });

export const SAMPLES: Record<ProviderId, readonly Sample[]> = {
  sully: [
    {
      name: 'note_generation.succeeded keyed by data.id',
      body: pretty({
        id: 'evt_01JH8Z6Q4K9V2M3N5P7R8S0T1U',
        type: 'note_generation.succeeded',
        created_at: '2026-01-01T00:00:00Z',
        data: { id: 'note_8c1d2e3f4a5b', transcriptionId: 'tr_77aa01', status: 'succeeded', assessment: 'Ménière disease, left ear' },
      }),
      eventType: 'note_generation.succeeded',
      dedupeKey: 'note_generation.succeeded:note_8c1d2e3f4a5b',
    },
    {
      name: 'audio_transcription.succeeded keyed by data.transcriptionId',
      body: pretty({
        id: 'evt_01JH8Z7B2C3D4E5F6G7H8J9K0L',
        type: 'audio_transcription.succeeded',
        created_at: '2026-01-01T00:00:00Z',
        data: { id: 'job_31f0', transcriptionId: 'tr_5f0c9b2e', status: 'succeeded', text: 'Vertigo since Monday, Ménière suspected.' },
      }),
      eventType: 'audio_transcription.succeeded',
      dedupeKey: 'audio_transcription.succeeded:tr_5f0c9b2e',
    },
  ],
  suki: [
    {
      name: 'success with _links',
      body: pretty({
        _links: {
          contents: [{ href: '/api/v1/ambient/session/a953839a-ddcd-407d-b9b0-3ed4b6be4be2/content', method: 'GET', name: 'content', type: 'application/json' }],
          status: [{ href: '/api/v1/ambient/session/a953839a-ddcd-407d-b9b0-3ed4b6be4be2/status', method: 'GET', name: 'status', type: 'application/json' }],
        },
        additional_info: { priority: 'high', clinic: 'Clinique Ménière' },
        encounter_id: '4d753ce1-bbff-43e1-950a-82dea2d86873',
        session_id: 'a953839a-ddcd-407d-b9b0-3ed4b6be4be2',
        sessions: ['20965414-929a-4f71-a3e5-b92bec07d086', '29de56bc-960a-4cd5-b18f-79a798d62874'],
        status: 'success',
      }),
      eventType: 'success',
      dedupeKey: 'a953839a-ddcd-407d-b9b0-3ed4b6be4be2:success',
    },
    {
      name: 'failure',
      body: pretty({
        encounter_id: '29de56bc-960a-4cd5-b18f-79a798d62874',
        error_code: 'ERROR_CODE_TRANSCRIPTION',
        error_detail: 'Error in transcription (Ménière clinic room 2)',
        session_id: '20965414-929a-4f71-a3e5-b92bec07d086',
        status: 'failure',
      }),
      eventType: 'failure',
      dedupeKey: '20965414-929a-4f71-a3e5-b92bec07d086:failure',
    },
  ],
  soapnoteapi: [
    {
      name: 'note.generated',
      body: pretty({
        event: 'note.generated',
        note_id: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
        status: 'completed',
        created_at: '2026-03-19T15:30:00.000Z',
        data: {
          noteId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
          subjective: 'Patient presents with episodic vertigo and tinnitus...',
          assessment: '1. Ménière disease, right ear...',
          billing_codes: { icd10: [{ code: 'H81.01', description: 'Ménière disease, right ear' }], cpt: [{ code: '99213', description: 'Office visit, established patient' }] },
          expires_at: '2026-03-20T15:30:00.000Z',
        },
      }),
      eventType: 'note.generated',
      dedupeKey: 'note.generated:a1b2c3d4-e5f6-7890-abcd-ef1234567890',
    },
    {
      name: 'test event',
      body: pretty({ event: 'test', note_id: 'test_1710784200000', status: 'test', created_at: '2026-03-18T15:30:00.000Z', note: 'Ménière' }),
      eventType: 'test',
      dedupeKey: 'test:test_1710784200000',
    },
  ],
  solatis: [
    {
      name: 'transcription.completed',
      body: pretty({
        id: 'evt_def456',
        event: 'transcription.completed',
        created_at: '2026-02-02T11:00:00Z',
        data: {
          transcription_id: 'trans_abc123',
          status: 'completed',
          transcript: 'Dr. Ménière: any hearing loss since the last visit?',
          speakers: [{ speaker: 'Speaker 1', segments: [] }],
          duration_seconds: 1800,
          confidence: 0.95,
        },
      }),
      eventType: 'transcription.completed',
      dedupeKey: 'evt_def456',
    },
  ],
  generic: [
    {
      name: 'recording.processing.completed (numeric id)',
      body: pretty({
        event: 'recording.processing.completed',
        timestamp: '2024-01-15T10:30:00Z',
        data: { recording: { id: 123, title: 'Consult - Ménière follow-up', status: 'completed', duration: 3600, transcript_ready: true } },
      }),
      eventType: 'recording.processing.completed',
      dedupeKey: 'recording.processing.completed:123:2024-01-15T10:30:00Z',
    },
    {
      name: 'transcript.generated falls back to data.recording.id',
      body: pretty({
        event: 'transcript.generated',
        timestamp: '2024-01-15T10:31:00Z',
        data: { recording: { id: 124, title: 'Ménière intake' } },
      }),
      eventType: 'transcript.generated',
      dedupeKey: 'transcript.generated:124:2024-01-15T10:31:00Z',
    },
  ],
  'standard-webhooks': [
    {
      name: 'message keyed by webhook-id',
      body: pretty({ type: 'patient.note.signed', timestamp: '2026-01-01T00:00:00Z', data: { note_id: 'n_9f2', author: 'Dr. Ménière' } }),
      eventType: 'patient.note.signed',
      dedupeKey: DEFAULT_MSG_ID,
      msgId: DEFAULT_MSG_ID,
    },
  ],
  github: [
    {
      // X-GitHub-Delivery is sent but not signed: the key is the SHA-256 of the body, which a redelivery repeats.
      name: 'push keyed by the SHA-256 of its body',
      body: GITHUB_PUSH,
      eventType: 'push',
      dedupeKey: createHash('sha256').update(GITHUB_PUSH).digest('hex'),
      event: 'push',
      msgId: DEFAULT_DELIVERY,
    },
  ],
  stripe: [
    {
      name: 'payment_intent.succeeded keyed by id',
      body: pretty({
        id: 'evt_3QJ9sWLkdIwHu7ix0pZkY2Hk',
        object: 'event',
        api_version: '2025-12-15',
        created: 1767225600,
        type: 'payment_intent.succeeded',
        data: { object: { id: 'pi_3QJ9sWLkdIwHu7ix0c1Y', object: 'payment_intent', amount: 4500, description: 'Consult - Ménière' } },
      }),
      eventType: 'payment_intent.succeeded',
      dedupeKey: 'evt_3QJ9sWLkdIwHu7ix0pZkY2Hk',
    },
  ],
};

/** The first (main) sample of a provider. */
export function sample(id: ProviderId): Sample {
  const first = SAMPLES[id][0];
  if (!first) throw new Error(`no sample for ${id}`);
  return first;
}

/** Signs the main sample with the independent signer (overrides allowed). */
export function signedSample(
  id: ProviderId,
  overrides: Partial<SignInput> = {},
): { headers: Record<string, string>; body: Uint8Array | string } {
  const s = sample(id);
  const input: SignInput = { body: s.body, ...(s.msgId ? { msgId: s.msgId } : {}), ...(s.event ? { event: s.event } : {}), ...overrides };
  return { headers: sign(id, input), body: input.body };
}

/** What a successful verdict carries besides matched/eventType/dedupeKey: the signed timestamp and id. */
export function signedContext(id: ProviderId, ts: string, msgId = DEFAULT_MSG_ID): { timestamp?: string; id?: string } {
  return {
    ...(TIMESTAMP_UNIT[id] ? { timestamp: ts } : {}),
    ...(id === 'standard-webhooks' ? { id: msgId } : {}),
  };
}
