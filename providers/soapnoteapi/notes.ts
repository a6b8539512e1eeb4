/** What this vendor does around a secret rotation and when asked to resend, for the ops CLI (docs/runbook.md). */
import type { ProviderNotes } from '../operations.ts';

export const notes: ProviderNotes = {
  /** `ops secret rotate` / `retire`: how this sender switches secrets. */
  rotation: 'SOAPNoteAPI invalidates the old secret the moment you rotate in its dashboard and never retries: have this command ready, rotate there, store the new value here within seconds, then retire.',
  /** `ops replay`: what the sender does when asked to resend an event that cannot be replayed. */
  resend: 'SOAPNoteAPI never resends (it logs the delivery as failed): fetch the note through its API',
};
