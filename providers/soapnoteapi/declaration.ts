/**
 * SOAPNoteAPI: its signing scheme, declared as data (the provider table in README.md and the vendor's page).
 * Marks in comments: D documented by the vendor, S only on the vendor's page we were given, I inferred by us
 * (and therefore easy to change here). `defineProvider` checks this declaration when the registry loads.
 */
import type { ProviderDefinition } from '../../lambdas/domain/provider.ts';

const FIVE_MINUTES = 300;

export const declaration: ProviderDefinition = {
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
};
