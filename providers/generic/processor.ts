/**
 * The meeting-recording platform, as its webhook page describes it:
 * `{ event, timestamp, data: { <resource>: { id, ... } } }`.
 * The resource is named by the event type's first segment; ids are numbers in the samples. Transcript
 * events may carry only the recording (same rule as the verifier's dedupe key). Event time: `timestamp`.
 */
import { timeFromFields } from '../../lambdas/example-state/event-time.ts';
import { actionOf, optionalToken, requireId } from '../../lambdas/example-state/fields.ts';
import { recordResourceState, resourceStateProcessor, type EventHandler } from '../../lambdas/example-state/resource-state.ts';

function resource(resourceType: string, ...idPaths: readonly string[]): EventHandler {
  return recordResourceState((event) => ({
    resourceType,
    resourceId: requireId(event.body, ...idPaths),
    status: optionalToken(event.body, `data.${resourceType}.status`) ?? actionOf(event.eventType),
  }));
}

export const processor = resourceStateProcessor({
  provider: 'generic',
  eventTime: (body) => timeFromFields(body, ['timestamp'], 'auto'),
  handlers: {
    'recording.*': resource('recording', 'data.recording.id'),
    'meeting.*': resource('meeting', 'data.meeting.id'),
    'transcript.*': resource('transcript', 'data.transcript.id', 'data.recording.id'),
    'signal.*': resource('signal', 'data.signal.id'),
    'user.*': resource('user', 'data.user.id'),
  },
});
