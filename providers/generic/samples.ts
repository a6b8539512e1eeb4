/**
 * Synthetic sample events in this vendor's documented payload shape, for `ops send` and the end-to-end
 * tests: fresh ids on every call, text fields that say they are synthetic (no patient data).
 */
import { randomInt } from 'node:crypto';
import { SYNTHETIC, extra, firstSegment, id, lastSegment, type SampleBuilder } from '../sample-kit.ts';

/** The default event type first, then other types the vendor's page names (any other type is accepted too). */
export const eventTypes: readonly string[] = ['recording.processing.completed', 'meeting.ended', 'transcript.generated', 'signal.detected', 'user.created'];

export const buildSample: SampleBuilder = (type, o, now) => ({
  event: type,
  timestamp: now.toISOString(),
  data: { [firstSegment(type)]: { id: randomInt(1, 2 ** 47), title: o.note ?? SYNTHETIC, status: lastSegment(type), ...extra(o) } },
});
