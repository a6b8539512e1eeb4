/**
 * GitHub: the event type is the `X-GitHub-Event` header (D). Examples: pull requests and issues by
 * `<owner>/<repo>#<number>`, with the `action` as status; `ping` (sent when a hook is created) is
 * acknowledged. Bodies carry no common event time, so the time the verifier received it orders them.
 * A hook configured with content type `application/x-www-form-urlencoded` posts `payload=<json>` (D).
 */
import { optionalToken, requireId } from '../../lambdas/example-state/fields.ts';
import { acceptWithoutProcessing, recordResourceState, resourceStateProcessor, type EventHandler } from '../../lambdas/example-state/resource-state.ts';

function numbered(resourceType: string, objectField: string): EventHandler {
  return recordResourceState((event) => ({
    resourceType,
    resourceId: `${requireId(event.body, 'repository.full_name')}#${requireId(event.body, `${objectField}.number`)}`,
    status: optionalToken(event.body, 'action') ?? 'unknown',
  }));
}

const FORM_PREFIX = 'payload=';

/** JSON as-is; a form post's `payload` field decoded. */
export function githubJsonText(text: string): string {
  return text.startsWith(FORM_PREFIX) ? (new URLSearchParams(text).get('payload') ?? '') : text;
}

export const processor = resourceStateProcessor({
  provider: 'github',
  eventTime: () => undefined,
  decodeBody: githubJsonText,
  handlers: {
    ping: acceptWithoutProcessing,
    pull_request: numbered('pull_request', 'pull_request'),
    issues: numbered('issue', 'issue'),
  },
});
