/**
 * Synthetic sample events in this vendor's documented payload shape, for `ops send` and the end-to-end
 * tests: fresh ids on every call, text fields that say they are synthetic (no patient data).
 */
import { SYNTHETIC, extra, firstSegment, id, lastSegment, type SampleBuilder } from '../sample-kit.ts';

/** The default event type first, then other types the vendor's page names (any other type is accepted too). */
export const eventTypes: readonly string[] = ['payment_intent.succeeded', 'charge.succeeded', 'invoice.paid', 'customer.subscription.updated', 'checkout.session.completed'];

export const buildSample: SampleBuilder = (type, o, now) => {
  const objectType = type.startsWith('customer.subscription.') ? 'subscription' : type.startsWith('checkout.session.') ? 'checkout.session' : firstSegment(type);
  const prefix: Record<string, string> = { payment_intent: 'pi', charge: 'ch', invoice: 'in', subscription: 'sub', 'checkout.session': 'cs' };
  return {
    id: id('evt'),
    object: 'event',
    api_version: '2025-12-15',
    created: Math.floor(now.getTime() / 1000),
    type,
    livemode: false,
    data: { object: { id: id(prefix[objectType] ?? 'obj'), object: objectType, status: lastSegment(type), description: o.note ?? SYNTHETIC, ...extra(o) } },
  };
};
