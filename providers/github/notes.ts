/** What this vendor does around a secret rotation and when asked to resend, for the ops CLI (docs/runbook.md). */
import type { ProviderNotes } from '../operations.ts';

export const notes: ProviderNotes = {
  /** `ops secret rotate` / `retire`: how this sender switches secrets. */
  rotation: 'you choose the GitHub secret: rotate here first, then paste the same value in the webhook settings; GitHub does not retry (redeliver from Recent Deliveries).',
  /** `ops replay`: what the sender does when asked to resend an event that cannot be replayed. */
  resend: 'redeliver it from the webhook\'s Recent Deliveries',
};
