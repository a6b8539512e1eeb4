/**
 * Synthetic sample events in each provider's documented payload shape (the seed pages and PROVIDERS.md),
 * for `ops send` and the end-to-end tests. Every call makes fresh ids, so each send is a new event with a
 * new dedupe key. The text fields say what they are: synthetic, no patient data.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { Provider } from '../lambdas/domain/provider.ts';
import { eventTypeHeader } from './providers.ts';

export interface SampleOptions {
  /** Free text placed in the body's narrative field (tests put a marker here to prove it is never logged). */
  readonly note?: string;
  /** Adds a `filler` field of about this many bytes (to exercise the claim check or the size limit). */
  readonly padBytes?: number;
}

export interface SampleEvent {
  readonly eventType: string;
  /** The exact bytes to send (JSON, UTF-8). */
  readonly body: Buffer;
  /** For providers that send the event type in a header (GitHub): pass it to signRequest. */
  readonly headerEventType?: string;
}

const SYNTHETIC = 'Synthetic sample event from ops send: no patient data.';

/** The default event type per provider, then other types the seeds name (any other type is accepted too). */
export const SAMPLE_EVENT_TYPES: Readonly<Record<string, readonly string[]>> = {
  sully: ['note_generation.succeeded', 'note_generation.failed', 'audio_transcription.succeeded', 'audio_transcription.failed', 'coding.succeeded', 'coding.failed'],
  suki: ['success', 'failure', 'timeout', 'cancelled'],
  soapnoteapi: ['note.generated', 'note.failed', 'test'],
  solatis: ['transcription.completed', 'document.processed', 'meeting.analyzed', 'action_items.extracted', 'task.created', 'content.generated', 'brainstorm.completed'],
  generic: ['recording.processing.completed', 'meeting.ended', 'transcript.generated', 'signal.detected', 'user.created'],
  'standard-webhooks': ['note.signed', 'invoice.paid'],
  github: ['issues', 'pull_request', 'ping', 'push'],
  stripe: ['payment_intent.succeeded', 'charge.succeeded', 'invoice.paid', 'customer.subscription.updated', 'checkout.session.completed'],
};

export function defaultEventType(providerId: string): string {
  return SAMPLE_EVENT_TYPES[providerId]?.[0] ?? 'sample.created';
}

const id = (prefix: string) => `${prefix}_${randomBytes(9).toString('hex')}`;
const firstSegment = (type: string) => type.split('.')[0] ?? type;
const lastSegment = (type: string) => type.slice(type.lastIndexOf('.') + 1);

function extra(options: SampleOptions): Record<string, string> {
  return options.padBytes && options.padBytes > 0 ? { filler: 'x'.repeat(options.padBytes) } : {};
}

type Builder = (type: string, options: SampleOptions, now: Date) => Record<string, unknown>;

const builders: Readonly<Record<string, Builder>> = {
  sully: (type, o, now) => ({
    id: id('evt'),
    type,
    created_at: now.toISOString(),
    data: {
      id: id(firstSegment(type) === 'audio_transcription' ? 'job' : firstSegment(type) === 'coding' ? 'coding' : 'note'),
      transcriptionId: id('tr'),
      status: lastSegment(type),
      summary: o.note ?? SYNTHETIC,
      ...extra(o),
    },
  }),
  suki: (type, o) => {
    const session = randomUUID();
    return {
      ...(type === 'success'
        ? {
            _links: {
              contents: [{ href: `/api/v1/ambient/session/${session}/content`, method: 'GET', name: 'content', type: 'application/json' }],
              status: [{ href: `/api/v1/ambient/session/${session}/status`, method: 'GET', name: 'status', type: 'application/json' }],
            },
          }
        : {}),
      additional_info: { source: 'ops send', note: o.note ?? SYNTHETIC, ...extra(o) },
      encounter_id: randomUUID(),
      session_id: session,
      ...(type === 'failure' ? { error_code: 'ERROR_CODE_TRANSCRIPTION', error_detail: o.note ?? SYNTHETIC } : {}),
      status: type,
    };
  },
  soapnoteapi: (type, o, now) => {
    const note = randomUUID();
    return {
      event: type,
      note_id: type === 'test' ? `test_${now.getTime()}_${randomInt(1e6)}` : note,
      status: type === 'note.generated' ? 'completed' : type === 'note.failed' ? 'failed' : lastSegment(type),
      created_at: now.toISOString(),
      data: { noteId: note, subjective: o.note ?? SYNTHETIC, ...extra(o) },
    };
  },
  solatis: (type, o, now) => {
    const resource = firstSegment(type) === 'action_items' ? 'meeting' : firstSegment(type);
    return {
      id: id('evt'),
      event: type,
      created_at: now.toISOString(),
      data: { [`${resource}_id`]: id(resource.slice(0, 5)), status: lastSegment(type), summary: o.note ?? SYNTHETIC, ...extra(o) },
    };
  },
  generic: (type, o, now) => ({
    event: type,
    timestamp: now.toISOString(),
    data: { [firstSegment(type)]: { id: randomInt(1, 2 ** 47), title: o.note ?? SYNTHETIC, status: lastSegment(type), ...extra(o) } },
  }),
  'standard-webhooks': (type, o, now) => ({
    type,
    timestamp: now.toISOString(),
    data: { id: id(firstSegment(type)), note: o.note ?? SYNTHETIC, ...extra(o) },
  }),
  github: (type, o) => {
    const repository = { id: randomInt(1, 2 ** 31), full_name: 'example-org/webhook-receiver', private: true };
    if (type === 'ping') return { zen: 'Keep it logically awesome.', hook_id: randomInt(1, 2 ** 31), repository, ...extra(o) };
    if (type === 'issues') return { action: 'opened', issue: { number: randomInt(1, 1e6), title: o.note ?? SYNTHETIC, ...extra(o) }, repository };
    if (type === 'pull_request') return { action: 'opened', number: 0, pull_request: { number: randomInt(1, 1e6), title: o.note ?? SYNTHETIC, ...extra(o) }, repository };
    return { ref: 'refs/heads/main', head_commit: { id: randomBytes(20).toString('hex'), message: o.note ?? SYNTHETIC, ...extra(o) }, repository };
  },
  stripe: (type, o, now) => {
    const objectType = type.startsWith('customer.subscription.') ? 'subscription' : type.startsWith('checkout.session.') ? 'checkout.session' : firstSegment(type);
    const prefix: Record<string, string> = { payment_intent: 'pi', charge: 'ch', invoice: 'in', subscription: 'sub', 'checkout.session': 'cs' };
    return {
      id: id('evt'),
      object: 'event',
      api_version: '2025-12-15',
      created: Math.floor(now.getTime() / 1000),
      type,
      livemode: false,
      data: { object: { id: id(prefix[objectType] ?? 'obj'), object: objectType, status: lastSegment(type), description: o.note ?? SYNTHETIC, ...extra(o) } },
    };
  },
};

/** A new sample event for the provider; `eventType` defaults to the provider's first seed type. */
export function sampleEvent(provider: Provider, eventType = defaultEventType(provider.id), options: SampleOptions = {}, now = new Date()): SampleEvent {
  const build: Builder = builders[provider.id] ?? ((type, o, at) => ({ id: id('evt'), type, event: type, timestamp: at.toISOString(), data: { note: o.note ?? SYNTHETIC, ...extra(o) } }));
  const body = Buffer.from(JSON.stringify(build(eventType, options, now)), 'utf8');
  return { eventType, body, ...(eventTypeHeader(provider) ? { headerEventType: eventType } : {}) };
}
