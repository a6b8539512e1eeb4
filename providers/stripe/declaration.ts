/**
 * Stripe: its signing scheme, declared as data (the provider table in README.md and the vendor's page).
 * Marks in comments: D documented by the vendor, S only on the vendor's page we were given, I inferred by us
 * (and therefore easy to change here). `defineProvider` checks this declaration when the registry loads.
 */
import type { ProviderDefinition } from '../../lambdas/domain/provider.ts';

const FIVE_MINUTES = 300;

export const declaration: ProviderDefinition = {
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
};
