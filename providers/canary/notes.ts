/** The canary's notes for the ops CLI and docs/runbook.md: the stack is both sender and receiver. */
import type { ProviderNotes } from '../operations.ts';

export const notes: ProviderNotes = {
  rotation: 'the stack created the canary secret and the canary reads it at every run: rotate it with ops secret rotate --provider canary (any whsec_ value); the next run signs with the new secret.',
  resend: 'nothing to resend: the next canary run (canary.everyMinutes) sends a new event; ops canary sends one now',
  runbook: {
    title: 'Canary (this stack)',
    rotation: 'The stack created the canary\'s secret; nobody outside the stack holds it. To rotate it, store any new `whsec_` value with `ops secret rotate --provider canary` (for example `printf "whsec_%s" "$(openssl rand -base64 32)"`); the canary reads the secret at every run, so its next run signs with the new one. Then `ops canary` to check, and `ops secret retire --provider canary`.',
    onFailure: 'nothing: each run sends a new event; two failed runs in a row raise CanaryFailed',
    recovery: 'nothing to recover (synthetic, no data)',
  },
};
