/**
 * SOAPNoteAPI: `note.generated`, `note.failed` about one note (`note_id`), and the dashboard's synthetic
 * `test` event, which the vendor says to accept and skip (S). Event time: `created_at` (ISO 8601).
 */
import { timeFromFields } from '../../lambdas/example-state/event-time.ts';
import { actionOf, optionalToken, requireId } from '../../lambdas/example-state/fields.ts';
import { acceptWithoutProcessing, recordResourceState, resourceStateProcessor } from '../../lambdas/example-state/resource-state.ts';

const noteState = recordResourceState((event) => ({
  resourceType: 'note',
  resourceId: requireId(event.body, 'note_id'),
  status: optionalToken(event.body, 'status') ?? actionOf(event.eventType),
}));

export const processor = resourceStateProcessor({
  provider: 'soapnoteapi',
  eventTime: (body) => timeFromFields(body, ['created_at'], 'auto'),
  handlers: {
    'note.generated': noteState,
    'note.failed': noteState,
    test: acceptWithoutProcessing,
  },
});
