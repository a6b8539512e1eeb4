/**
 * Stripe: `{ id: "evt_...", type, created (unix s), data: { object: { id, object, status? } } }` (D).
 * The examples track the object an event is about (a payment intent, an invoice...) by its id. Stripe
 * sends no ordering guarantee (D), which is exactly what the event-time condition handles; two events
 * about one object within the same second keep the first one applied.
 */
import { timeFromFields } from '../../lambdas/example-state/event-time.ts';
import { actionOf, optionalToken, requireId } from '../../lambdas/example-state/fields.ts';
import { recordResourceState, resourceStateProcessor } from '../../lambdas/example-state/resource-state.ts';

const stripeObjectState = recordResourceState((event) => ({
  resourceType: optionalToken(event.body, 'data.object.object') ?? event.eventType.slice(0, event.eventType.lastIndexOf('.')),
  resourceId: requireId(event.body, 'data.object.id'),
  status: optionalToken(event.body, 'data.object.status') ?? actionOf(event.eventType),
}));

export const processor = resourceStateProcessor({
  provider: 'stripe',
  eventTime: (body) => timeFromFields(body, ['created'], 's'),
  handlers: {
    'payment_intent.*': stripeObjectState,
    'charge.*': stripeObjectState,
    'invoice.*': stripeObjectState,
    'customer.subscription.*': stripeObjectState,
    'checkout.session.*': stripeObjectState,
  },
});
