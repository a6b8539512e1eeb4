/**
 * Solatis: its signing scheme, declared as data (the provider table in README.md and the vendor's page).
 * Marks in comments: D documented by the vendor, S only on the vendor's page we were given, I inferred by us
 * (and therefore easy to change here). `defineProvider` checks this declaration when the registry loads.
 */
import type { ProviderDefinition } from '../../lambdas/domain/provider.ts';

export const declaration: ProviderDefinition = {
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
};
