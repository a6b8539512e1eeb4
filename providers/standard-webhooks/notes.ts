/** What this vendor does around a secret rotation and when asked to resend, for the ops CLI (docs/runbook.md). */
import type { ProviderNotes } from '../operations.ts';

export const notes: ProviderNotes = {
  /** `ops secret rotate` / `retire`: how this sender switches secrets. */
  rotation: 'Standard Webhooks senders (Svix) keep signing with the old secret too for 24 h after a rotation: rotate there, then here within those 24 h.',
  /** `ops replay`: what the sender does when asked to resend an event that cannot be replayed. */
  resend: 'resend the message from the sender\'s dashboard (Svix: "Resend")',
};
