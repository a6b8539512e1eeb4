/**
 * Solatis: `{ id: "evt_...", event, created_at, data }` (S). The resource id lives in `data.<resource>_id`
 * (seen for documents and transcriptions; inferred (I) for the others); when it is absent the event id
 * stands in, so the event is still recorded. Event time: `created_at` (ISO 8601).
 */
import { timeFromFields } from '../../lambdas/example-state/event-time.ts';
import { actionOf, optionalToken, requireId } from '../../lambdas/example-state/fields.ts';
import { recordResourceState, resourceStateProcessor, type EventHandler } from '../../lambdas/example-state/resource-state.ts';

function resource(resourceType: string, idField: string): EventHandler {
  return recordResourceState((event) => ({
    resourceType,
    resourceId: requireId(event.body, `data.${idField}`, 'id'),
    status: optionalToken(event.body, 'data.status') ?? actionOf(event.eventType),
  }));
}

export const processor = resourceStateProcessor({
  provider: 'solatis',
  eventTime: (body) => timeFromFields(body, ['created_at'], 'auto'),
  handlers: {
    'document.*': resource('document', 'document_id'),
    'transcription.*': resource('transcription', 'transcription_id'),
    'meeting.analyzed': resource('meeting', 'meeting_id'), // I
    'action_items.extracted': resource('action_items', 'meeting_id'), // I
    'task.*': resource('task', 'task_id'), // I
    'content.generated': resource('content', 'content_id'), // I
    'brainstorm.completed': resource('brainstorm', 'brainstorm_id'), // I
  },
});
