/**
 * GitHub: its signing scheme, declared as data (the provider table in README.md and the vendor's page).
 * Marks in comments: D documented by the vendor, S only on the vendor's page we were given, I inferred by us
 * (and therefore easy to change here). `defineProvider` checks this declaration when the registry loads.
 */
import type { ProviderDefinition } from '../../lambdas/domain/provider.ts';

export const declaration: ProviderDefinition = {
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
};
