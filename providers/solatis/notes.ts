/** What this vendor does around a secret rotation and when asked to resend, for the ops CLI (docs/runbook.md). */
import type { ProviderNotes } from '../operations.ts';

export const notes: ProviderNotes = {
  /** `ops secret rotate` / `retire`: how this sender switches secrets. */
  rotation: 'you choose the Solatis secret: rotate here first, then register the same value at Solatis; Solatis retries non-2xx (1 m ... 24 h).',
  /** `ops replay`: what the sender does when asked to resend an event that cannot be replayed. */
  resend: 'Solatis lists deliveries (GET /v2/webhooks/{id}/deliveries) but documents no resend: fetch the resource through its API',
};
