/** Runs a provider's handler map (lambdas/example-state/) on one body with a fake `recordState`: pure, no AWS. */
import {
  findHandler,
  type ResourceStateChange,
  type ResourceStateProcessor,
  type StateWrite,
} from '../../../lambdas/example-state/resource-state.ts';
import type { JsonObject, ProcessingOutcome } from '../../../lambdas/processor/event-processor.ts';

export const RECEIVED_AT = '2026-03-01T12:00:00.000Z';

export interface HandlerRun {
  readonly routed: boolean;
  readonly outcome?: ProcessingOutcome;
  readonly changes: ResourceStateChange[];
  readonly eventTime: number;
}

export async function runHandler(
  processor: ResourceStateProcessor,
  eventType: string,
  body: JsonObject,
  options: { signedTimestamp?: string; stateWrite?: StateWrite } = {},
): Promise<HandlerRun> {
  const meta = { receivedAt: RECEIVED_AT, ...(options.signedTimestamp !== undefined ? { signedTimestamp: options.signedTimestamp } : {}) };
  const eventTime = processor.eventTime(body, meta) ?? Date.parse(RECEIVED_AT);
  const handler = findHandler(processor.handlers, eventType);
  const changes: ResourceStateChange[] = [];
  if (handler === undefined) return { routed: false, changes, eventTime };
  const outcome = await handler(
    { provider: processor.provider, eventType, dedupeKey: 'dedupe-key', eventTime, body, ...meta },
    {
      recordState: async (change) => {
        changes.push(change);
        return options.stateWrite ?? 'applied';
      },
    },
  );
  return { routed: true, outcome, changes, eventTime };
}
