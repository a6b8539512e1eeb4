/**
 * The meeting-recording platform: its signing scheme, declared as data (the provider table in README.md and the vendor's page).
 * Marks in comments: D documented by the vendor, S only on the vendor's page we were given, I inferred by us
 * (and therefore easy to change here). `defineProvider` checks this declaration when the registry loads.
 */
import type { ProviderDefinition } from '../../lambdas/domain/provider.ts';

export const declaration: ProviderDefinition = {
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
};
