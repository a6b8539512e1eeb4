/**
 * Synthetic sample events in this vendor's documented payload shape, for `ops send` and the end-to-end
 * tests: fresh ids on every call, text fields that say they are synthetic (no patient data).
 */
import { SYNTHETIC, extra, firstSegment, id, lastSegment, type SampleBuilder } from '../sample-kit.ts';

/** The default event type first, then other types the vendor's page names (any other type is accepted too). */
export const eventTypes: readonly string[] = ['transcription.completed', 'document.processed', 'meeting.analyzed', 'action_items.extracted', 'task.created', 'content.generated', 'brainstorm.completed'];

export const buildSample: SampleBuilder = (type, o, now) => {
  const resource = firstSegment(type) === 'action_items' ? 'meeting' : firstSegment(type);
  return {
    id: id('evt'),
    event: type,
    created_at: now.toISOString(),
    data: { [`${resource}_id`]: id(resource.slice(0, 5)), status: lastSegment(type), summary: o.note ?? SYNTHETIC, ...extra(o) },
  };
};
