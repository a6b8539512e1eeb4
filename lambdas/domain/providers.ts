/**
 * The built-in providers, declared as data. Each entry states the vendor's scheme byte for byte
 * (see docs/providers.md and the vendors' pages); adding a provider of one of these shapes is one more
 * entry here, no code. Marks in comments: D documented by the vendor, S only on the vendor's page we
 * were given, I inferred by us (and therefore easy to change here).
 */
import { defineProvider, type Provider, type ProviderDefinition } from './provider.ts';

const FIVE_MINUTES = 300;

export const providerDefinitions: readonly ProviderDefinition[] = [
  {
    id: 'sully',
    name: 'Sully.ai',
    signature: { header: 'x-sully-signature', format: 'pairs', encoding: 'hex' }, // D
    timestamp: { header: 'signature', unit: 's', toleranceSeconds: FIVE_MINUTES }, // D: 5 min, two-sided
    signedContent: '{timestamp}.{body}', // D
    key: 'raw', // D: the secret string as-is, whsec_ included
    eventType: '{body:type}',
    dedupeKey: [
      { when: 'audio_transcription.*', key: '{type}:{body:data.transcriptionId}' }, // D
      { key: '{type}:{body:data.id}' }, // D
    ],
    retries: 'Exponential backoff over 24 h, 5 attempts; needs a 2xx within 30 s (D).',
    docs: 'https://docs.sully.ai (Webhooks guide)',
  },
  {
    id: 'suki',
    name: 'Suki',
    // D: the header is named X-API-Key but carries the HMAC; hex, "usually lowercase".
    signature: { header: 'x-api-key', format: 'plain', encoding: 'hex', hexCase: 'any' },
    timestamp: { header: 'generated-at', unit: 'ms', toleranceSeconds: FIVE_MINUTES }, // D ms; tolerance I
    signedContent: '{timestamp}:{body}', // D: colon, not dot
    key: 'raw',
    eventType: '{body:status}', // D: success | failure (+ timeout, cancellation)
    dedupeKey: '{body:session_id}:{type}', // I: Suki sends no event id
    retries: 'None: one POST, never retried (D). A non-2xx loses the notification; poll the session status API.',
    docs: 'https://developer.suki.ai (Asynchronous notifications)',
  },
  {
    id: 'soapnoteapi',
    name: 'SOAPNoteAPI',
    signature: { header: 'x-soapnoteapi-signature', format: 'plain', encoding: 'hex' }, // S
    timestamp: { header: 'x-soapnoteapi-timestamp', unit: 's', toleranceSeconds: FIVE_MINUTES }, // S; tolerance I
    signedContent: '{timestamp}.{body}', // S
    key: 'raw', // S: the whsec_... string as-is
    eventType: '{body:event}', // S: note.generated | note.failed | test
    dedupeKey: '{type}:{body:note_id}', // I
    retries: 'None: best effort, 10 s timeout, a failed delivery is only logged (S/D).',
    docs: 'https://soapnoteapi.com/docs (Webhook Integration)',
  },
  {
    id: 'solatis',
    name: 'Solatis',
    signature: { header: 'x-solatis-signature', format: 'plain', encoding: 'hex' }, // S
    // No timestamp is signed: replay protection is the dedupe ledger alone.
    signedContent: '{body}',
    key: 'raw', // D: the secret chosen at registration
    eventType: '{body:event}',
    dedupeKey: '{body:id}', // D: evt_...
    retries: 'Retries after 1 m, 5 m, 30 m, 2 h and 24 h, then disables the webhook until re-enabled (S).',
    docs: 'https://docs.solatis.team (Webhooks Guide)',
  },
  {
    id: 'generic',
    name: 'Meeting-recording platform (X-Webhook-Signature)',
    signature: { header: 'x-webhook-signature', format: 'plain', prefix: 'sha256=', encoding: 'hex' }, // S
    signedContent: '{body}', // raw bytes; the vendor's sample re-serializes JSON, which is wrong
    key: 'raw', // the vendor makes a secret optional: we require one
    eventType: '{body:event}',
    // I: the platform sends no event id; resource id + the event's own timestamp identify it.
    dedupeKey: [
      { when: 'recording.*', key: '{type}:{body:data.recording.id}:{body:timestamp}' },
      { when: 'meeting.*', key: '{type}:{body:data.meeting.id}:{body:timestamp}' },
      { when: 'transcript.*', key: '{type}:{body:data.transcript.id|data.recording.id}:{body:timestamp}' },
      { when: 'signal.*', key: '{type}:{body:data.signal.id}:{body:timestamp}' },
      { when: 'user.*', key: '{type}:{body:data.user.id}:{body:timestamp}' },
      { key: '{type}:{sha256}' }, // unknown types: only the exact bytes identify a redelivery
    ],
    retries: 'Configurable by the sender in its webhook settings (D).',
    docs: 'Seed 004 (Webhooks: setup, events, payloads, security)',
  },
  {
    id: 'standard-webhooks',
    name: 'Standard Webhooks / Svix',
    signature: { header: 'webhook-signature', format: 'list', encoding: 'base64' }, // D
    timestamp: { header: 'webhook-timestamp', unit: 's', toleranceSeconds: FIVE_MINUTES }, // D
    idHeader: 'webhook-id', // D
    signedContent: '{id}.{timestamp}.{body}', // D
    key: 'whsec-base64', // D
    eventType: '{body:type}',
    dedupeKey: '{id}', // D: webhook-id is stable across retries
    retries: 'Per sender; Svix retries for about 28 hours with exponential backoff.',
    docs: 'https://www.standardwebhooks.com (spec)',
  },
  {
    id: 'github',
    name: 'GitHub',
    signature: { header: 'x-hub-signature-256', format: 'plain', prefix: 'sha256=', encoding: 'hex' }, // D
    signedContent: '{body}',
    key: 'raw',
    eventType: '{header:x-github-event}', // D
    unsignedInputs: {
      eventType: {
        'header:x-github-event':
          'GitHub signs the body only and sends the event type in this header alone (D). It labels the event (routing, metrics); a rewritten one can only misroute a body GitHub signed, and never changes its dedupe key.',
      },
    },
    // X-GitHub-Delivery is not signed: a replayed request with a fresh one must not become a new event.
    // A redelivery carries the same body, so the body's hash identifies it.
    dedupeKey: '{sha256}',
    retries: 'None automatic; failed deliveries can be redelivered by hand or API for 3 days (D).',
    docs: 'https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries',
  },
  {
    id: 'stripe',
    name: 'Stripe',
    signature: { header: 'stripe-signature', format: 'pairs', encoding: 'hex' }, // D
    // D: 300 s; Stripe's own check is one-sided, ours is two-sided.
    timestamp: { header: 'signature', unit: 's', toleranceSeconds: FIVE_MINUTES },
    signedContent: '{timestamp}.{body}', // D
    key: 'raw', // D: whsec_... as-is
    eventType: '{body:type}',
    dedupeKey: '{body:id}', // D: evt_...
    retries: 'Up to 3 days with exponential backoff in live mode (D).',
    docs: 'https://docs.stripe.com/webhooks#verify-manually',
  },
];

/** Compiles a list of declarations into a registry keyed by id; rejects duplicate ids. */
export function buildRegistry(definitions: readonly ProviderDefinition[]): ReadonlyMap<string, Provider> {
  const registry = new Map<string, Provider>();
  for (const def of definitions) {
    if (registry.has(def.id)) throw new Error(`provider '${def.id}' is declared twice`);
    registry.set(def.id, defineProvider(def));
  }
  return registry;
}

export const providers: ReadonlyMap<string, Provider> = buildRegistry(providerDefinitions);

export function findProvider(id: string): Provider | undefined {
  return providers.get(id);
}
