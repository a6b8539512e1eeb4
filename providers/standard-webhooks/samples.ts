/**
 * Synthetic sample events in this vendor's documented payload shape, for `ops send` and the end-to-end
 * tests: fresh ids on every call, text fields that say they are synthetic (no patient data).
 */
import { SYNTHETIC, extra, firstSegment, id, type SampleBuilder } from '../sample-kit.ts';

/** The default event type first; both are the processor's example types (processor.ts), any other type is accepted too. */
export const eventTypes: readonly string[] = ['note.signed', 'invoice.paid'];

export const buildSample: SampleBuilder = (type, o, now) => ({
  type,
  timestamp: now.toISOString(),
  data: { id: id(firstSegment(type)), note: o.note ?? SYNTHETIC, ...extra(o) },
});
