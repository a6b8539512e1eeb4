/**
 * Standard Webhooks (Svix): its signing scheme, declared as data (the provider table in README.md and the vendor's page).
 * Marks in comments: D documented by the vendor, S only on the vendor's page we were given, I inferred by us
 * (and therefore easy to change here). `defineProvider` checks this declaration when the registry loads.
 */
import type { ProviderDefinition } from '../../lambdas/domain/provider.ts';

const FIVE_MINUTES = 300;

export const declaration: ProviderDefinition = {
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
};
