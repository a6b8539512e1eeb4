/** What this vendor does around a secret rotation and when asked to resend, for the ops CLI (docs/runbook.md). */
import type { ProviderNotes } from '../operations.ts';

export const notes: ProviderNotes = {
  /** `ops secret rotate` / `retire`: how this sender switches secrets. */
  rotation: 'Suki never retries: store the new secret here first (rotate keeps the old one accepted), then have Suki switch to it.',
  /** `ops replay`: what the sender does when asked to resend an event that cannot be replayed. */
  resend: 'Suki stores no notifications and never resends: poll the session status through the Suki API (pull)',
};
