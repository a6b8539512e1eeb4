/**
 * Standard Webhooks is a signing scheme, not a vendor: each sender defines its own event types, so this
 * map starts empty and every event is recorded in the ledger as `unknown-event-type` and counted
 * (UnknownEventType) until you add your sender's types. The payload shape the spec recommends is
 * `{ type, timestamp, data }`; for example, to track `invoice.*` events by `data.id`:
 *
 *   'invoice.*': recordResourceState((event) => ({
 *     resourceType: 'invoice',
 *     resourceId: requireId(event.body, 'data.id'),
 *     status: actionOf(event.eventType),
 *   })),
 *
 * Event time: the body's `timestamp` (ISO 8601, spec); the signed `webhook-timestamp` is the time of the
 * delivery attempt, not of the event, so it is not used.
 */
import { timeFromFields } from '../../lambdas/processor/event-time.ts';
import type { ProviderProcessor } from '../../lambdas/processor/routing.ts';

export const processor: ProviderProcessor = {
  provider: 'standard-webhooks',
  eventTime: (body) => timeFromFields(body, ['timestamp'], 'auto'),
  handlers: {},
};
