/**
 * Sully.ai: `audio_transcription.*`, `note_generation.*`, `coding.*`, each `succeeded` | `failed` (D).
 * Resource ids follow the vendor's own idempotency advice: `data.transcriptionId` for transcriptions,
 * `data.id` otherwise (D). The event's time field is not documented: we take the first of `created_at`,
 * `createdAt`, `timestamp` (I, inferred) and fall back to the time the verifier received it.
 */
import { timeFromFields } from '../../lambdas/example-state/event-time.ts';
import { actionOf, requireId } from '../../lambdas/example-state/fields.ts';
import { recordResourceState, resourceStateProcessor } from '../../lambdas/example-state/resource-state.ts';

const EVENT_TIME_FIELDS = ['created_at', 'createdAt', 'timestamp']; // I

export const processor = resourceStateProcessor({
  provider: 'sully',
  eventTime: (body) => timeFromFields(body, EVENT_TIME_FIELDS, 'auto'),
  handlers: {
    'audio_transcription.*': recordResourceState((event) => ({
      resourceType: 'transcription',
      resourceId: requireId(event.body, 'data.transcriptionId', 'data.id'),
      status: actionOf(event.eventType),
    })),
    'note_generation.*': recordResourceState((event) => ({
      resourceType: 'note',
      resourceId: requireId(event.body, 'data.id'),
      status: actionOf(event.eventType),
    })),
    'coding.*': recordResourceState((event) => ({
      resourceType: 'coding',
      resourceId: requireId(event.body, 'data.id'),
      status: actionOf(event.eventType),
    })),
  },
});
