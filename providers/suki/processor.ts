/**
 * Suki: the event type is the body's top-level `status` (D: `success` | `failure`; the names of the
 * timeout and cancellation notifications are not given, `timeout` and `cancelled` are inferred (I)).
 * One resource per ambient session (`session_id`), with its `encounter_id`. The event time is the signed
 * `generated-at` header (unix ms): Suki sends once and never retries, so it is the time of the event.
 */
import { toEpochMillis } from '../../lambdas/example-state/event-time.ts';
import { optionalId, optionalToken, requireId } from '../../lambdas/example-state/fields.ts';
import { recordResourceState, resourceStateProcessor, type ResourceStateChange } from '../../lambdas/example-state/resource-state.ts';
import type { JsonObject, ProcessorEvent } from '../../lambdas/processor/event-processor.ts';

function sessionState(event: ProcessorEvent, details: Record<string, string | undefined> = {}): ResourceStateChange {
  const encounterId = optionalId(event.body, 'encounter_id');
  const kept = Object.entries({ encounterId, ...details }).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return {
    resourceType: 'session',
    resourceId: requireId(event.body, 'session_id'),
    status: event.eventType,
    ...(kept.length > 0 ? { details: Object.fromEntries(kept) } : {}),
  };
}

/**
 * EXTENSION POINT, deliberately a no-op. A success notification carries `_links` (session content,
 * encounter content, status, transcripts): hrefs relative to your SDP base URL, fetched with GET and your
 * partner credentials. This reference stack stores the links in the state record and fetches nothing
 * (no partner credentials, no outbound network from the processor). A fork implements this function:
 * it runs after the session record moved forward to this success event, and again if SQS redelivers the
 * same event (re-applying it is allowed), so make it idempotent. Throwing fails the record: it is retried.
 */
export async function fetchSukiLinkedContent(_sessionId: string, _links: JsonObject): Promise<void> {
  // Intentionally empty: see the comment above.
}

export const processor = resourceStateProcessor({
  provider: 'suki',
  eventTime: (_body, meta) => toEpochMillis(meta.signedTimestamp, 'ms'),
  handlers: {
    success: async (event, actions) => {
      const links = event.body['_links'];
      const change: ResourceStateChange = { ...sessionState(event), ...(links !== undefined ? { links } : {}) };
      if ((await actions.recordState(change)) === 'stale') return 'stale-ignored';
      if (typeof links === 'object' && links !== null && !Array.isArray(links)) {
        await fetchSukiLinkedContent(change.resourceId, links as JsonObject);
      }
      return 'applied';
    },
    // error_detail is free text and stays out of the state record; the code is enough to route an alert.
    failure: recordResourceState((event) => sessionState(event, { errorCode: optionalToken(event.body, 'error_code') })),
    timeout: recordResourceState((event) => sessionState(event)), // I
    cancelled: recordResourceState((event) => sessionState(event)), // I
  },
});
