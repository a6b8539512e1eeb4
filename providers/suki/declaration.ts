/**
 * Suki: its signing scheme, declared as data (the provider table in README.md and the vendor's page).
 * Marks in comments: D documented by the vendor, S only on the vendor's page we were given, I inferred by us
 * (and therefore easy to change here). `defineProvider` checks this declaration when the registry loads.
 */
import type { ProviderDefinition } from '../../lambdas/domain/provider.ts';

const FIVE_MINUTES = 300;

export const declaration: ProviderDefinition = {
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
};
