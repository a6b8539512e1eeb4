/**
 * Synthetic sample events in this vendor's documented payload shape, for `ops send` and the end-to-end
 * tests: fresh ids on every call, text fields that say they are synthetic (no patient data).
 */
import { SYNTHETIC, extra, firstSegment, id, lastSegment, type SampleBuilder } from '../sample-kit.ts';

/** The default event type first, then other types the vendor's page names (any other type is accepted too). */
export const eventTypes: readonly string[] = ['note_generation.succeeded', 'note_generation.failed', 'audio_transcription.succeeded', 'audio_transcription.failed', 'coding.succeeded', 'coding.failed'];

export const buildSample: SampleBuilder = (type, o, now) => ({
  id: id('evt'),
  type,
  created_at: now.toISOString(),
  data: {
    id: id(firstSegment(type) === 'audio_transcription' ? 'job' : firstSegment(type) === 'coding' ? 'coding' : 'note'),
    transcriptionId: id('tr'),
    status: lastSegment(type),
    summary: o.note ?? SYNTHETIC,
    ...extra(o),
  },
});
