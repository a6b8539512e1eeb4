/** What this vendor does around a secret rotation and when asked to resend, for the ops CLI (docs/runbook.md). */
import type { ProviderNotes } from '../operations.ts';

export const notes: ProviderNotes = {
  /** `ops secret rotate` / `retire`: how this sender switches secrets. */
  rotation: "you set this platform's secret in its webhook settings: rotate here first, then enter the same value there.",
  /** `ops replay`: what the sender does when asked to resend an event that cannot be replayed. */
  resend: 'use "Retry failed deliveries" in the platform\'s webhook delivery log',
};
