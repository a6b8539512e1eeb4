/**
 * Sully.ai: its signing scheme, declared as data (the provider table in README.md and the vendor's page).
 * Marks in comments: D documented by the vendor, S only on the vendor's page we were given, I inferred by us
 * (and therefore easy to change here). `defineProvider` checks this declaration when the registry loads.
 */
import type { ProviderDefinition } from '../../lambdas/domain/provider.ts';

const FIVE_MINUTES = 300;

export const declaration: ProviderDefinition = {
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
};
