/** What this vendor does around a secret rotation and when asked to resend, for the ops CLI (docs/runbook.md). */
import type { ProviderNotes } from '../operations.ts';

export const notes: ProviderNotes = {
  /** `ops secret rotate` / `retire`: how this sender switches secrets. */
  rotation: 'Sully issues the secret and retries non-2xx answers for 24 h: rotate at Sully, store the new secret here at once; deliveries refused in between are retried.',
  /** `ops replay`: what the sender does when asked to resend an event that cannot be replayed. */
  resend: 'Sully documents no manual resend: fetch the result through the Sully API',
};
