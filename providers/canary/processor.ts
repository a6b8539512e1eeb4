/**
 * The canary's processor: no business logic. It returns at once, so the framework (lambdas/processor/)
 * marks the event processed in the ledger, which is what the canary waits for. Canary events go to their
 * own route, queue and processor: they never reach a vendor's processor.
 */
import type { EventProcessor } from '../../lambdas/processor/event-processor.ts';
import { CANARY_PROVIDER_ID } from './declaration.ts';

export const processor: EventProcessor = {
  provider: CANARY_PROVIDER_ID,
  eventTime: () => undefined,
  handle: async () => 'accepted-not-processed',
};
