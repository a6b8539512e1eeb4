/** What this vendor does around a secret rotation and when asked to resend, for the ops CLI (docs/runbook.md). */
import type { ProviderNotes } from '../operations.ts';

export const notes: ProviderNotes = {
  /** `ops secret rotate` / `retire`: how this sender switches secrets. */
  rotation: 'roll the secret in the Stripe dashboard with an expiry (Stripe signs with both until then), then store the new one here; Stripe retries for 3 days.',
  /** `ops replay`: what the sender does when asked to resend an event that cannot be replayed. */
  resend: 'resend the event from the Stripe dashboard (Events), or stripe events resend',
};
