/** Runbook sections named by alarm descriptions (anchors fixed in docs/architecture.md). */
export const RUNBOOK_ANCHORS = [
  'signature-failures',
  'previous-secret-after-grace',
  'dlq-not-empty',
  'queue-age-high',
  'processor-errors',
  'verifier-5xx',
  'throttling',
  'verifier-latency',
  'unrecognized-event',
  'ledger-bypass',
  'spool',
  'canary-failed',
  'vendor-silence',
  'all-signatures-rejected',
] as const;

export type RunbookAnchor = (typeof RUNBOOK_ANCHORS)[number];

/** An alarm description: what fired, then where the on-call engineer reads what to do. */
export function runbookDescription(summary: string, anchor: RunbookAnchor): string {
  return `${summary} Runbook: docs/runbook.md#${anchor}`;
}
