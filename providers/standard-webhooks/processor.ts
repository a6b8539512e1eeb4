/**
 * Standard Webhooks is a signing scheme, not a vendor: each sender defines its own event types. The map
 * holds two examples in the payload shape the spec recommends, `{ type, timestamp, data: { id } }`:
 * `note.*` and `invoice.*` (the types `ops send --provider standard-webhooks` sends, providers/
 * standard-webhooks/samples.ts), each tracked by `data.id`. Replace them with your sender's types; any
 * other type is recorded in the ledger as `unknown-event-type` and counted (UnknownEventType).
 *
 * Event time: the body's `timestamp` (ISO 8601, spec); the signed `webhook-timestamp` is the time of the
 * delivery attempt, not of the event, so it is not used.
 */
import { timeFromFields } from '../../lambdas/example-state/event-time.ts';
import { actionOf, requireId } from '../../lambdas/example-state/fields.ts';
import { recordResourceState, resourceStateProcessor, type EventHandler } from '../../lambdas/example-state/resource-state.ts';

/** `<resource>.<action>` events whose `data.id` names the resource (the example types). */
function byDataId(resourceType: string): EventHandler {
  return recordResourceState((event) => ({
    resourceType,
    resourceId: requireId(event.body, 'data.id'),
    status: actionOf(event.eventType),
  }));
}

export const processor = resourceStateProcessor({
  provider: 'standard-webhooks',
  eventTime: (body) => timeFromFields(body, ['timestamp'], 'auto'),
  handlers: {
    'note.*': byDataId('note'),
    'invoice.*': byDataId('invoice'),
  },
});
