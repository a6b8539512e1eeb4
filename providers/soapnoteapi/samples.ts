/**
 * Synthetic sample events in this vendor's documented payload shape, for `ops send` and the end-to-end
 * tests: fresh ids on every call, text fields that say they are synthetic (no patient data).
 */
import { randomInt, randomUUID } from 'node:crypto';
import { SYNTHETIC, extra, lastSegment, type SampleBuilder } from '../sample-kit.ts';

/** The default event type first, then other types the vendor's page names (any other type is accepted too). */
export const eventTypes: readonly string[] = ['note.generated', 'note.failed', 'test'];

export const buildSample: SampleBuilder = (type, o, now) => {
  const note = randomUUID();
  return {
    event: type,
    note_id: type === 'test' ? `test_${now.getTime()}_${randomInt(1e6)}` : note,
    status: type === 'note.generated' ? 'completed' : type === 'note.failed' ? 'failed' : lastSegment(type),
    created_at: now.toISOString(),
    data: { noteId: note, subjective: o.note ?? SYNTHETIC, ...extra(o) },
  };
};
