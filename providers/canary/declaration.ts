/**
 * The synthetic canary (lambdas/canary/, lib/constructs/synthetic-canary.ts): not a vendor. The stack's canary
 * function signs a `canary.ping` event with this provider's own secret (created by the stack, never a
 * vendor's) and posts it to `/webhooks/canary`, so it crosses the same API, verifier, ledger, queue and
 * processor framework as a vendor's event, and never reaches a vendor's processor. The Standard Webhooks
 * scheme: a signed id (the dedupe key) and a signed timestamp (replays refused after 5 minutes).
 * Enabled by `canary.enabled` (default true), not by `providers` (lib/config/load.ts).
 */
import type { ProviderDefinition } from '../../lambdas/domain/provider.ts';

/** The canary's provider id: its route, queue, secret and ledger partitions. */
export const CANARY_PROVIDER_ID = 'canary';
/** The one event type the canary sends. */
export const CANARY_EVENT_TYPE = 'canary.ping';

export const declaration: ProviderDefinition = {
  id: CANARY_PROVIDER_ID,
  name: 'Synthetic canary (this stack)',
  signature: { header: 'webhook-signature', format: 'list', encoding: 'base64' },
  timestamp: { header: 'webhook-timestamp', unit: 's', toleranceSeconds: 300 },
  idHeader: 'webhook-id',
  signedContent: '{id}.{timestamp}.{body}',
  key: 'whsec-base64',
  eventType: '{body:type}',
  dedupeKey: '{id}',
  retries: 'None: the next scheduled run (canary.everyMinutes) sends a new event.',
  docs: 'docs/runbook.md#canary-failed',
};
