/**
 * Reads the event type and the dedupe key of an authenticated request, as its provider declares them.
 * Runs after the signature is verified: never parse what you have not authenticated.
 */
import type { Headers } from './headers.ts';
import type { Provider } from './provider.ts';
import { reject, type Rejection } from './rejection.ts';
import { renderTemplate, type Rendered, type TemplateInput } from './template.ts';

export interface Identity {
  readonly ok: true;
  readonly eventType: string;
  readonly dedupeKey: string;
}

/** Event types become metric dimensions and log fields: keep them short printable ASCII. */
const EVENT_TYPE = /^[\x21-\x7e]{1,128}$/;
/** DynamoDB allows 2048 bytes per key attribute; leave room for the provider prefix. */
export const MAX_DEDUPE_KEY_LENGTH = 1024;

function parseJson(body: Uint8Array): { ok: true; value: unknown } | Rejection {
  if (body.length === 0) return reject('body_not_json', 'body is empty, but the event type or dedupe key is read from it');
  // Lenient UTF-8 decoding: the signature already covered the exact bytes, and a stray byte in a
  // transcript must not cost a sender that never retries its event.
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return reject('body_not_json', 'body is not JSON, but the event type or dedupe key is read from it');
  }
}

function failure(what: string, rendered: Extract<Rendered, { ok: false }>): Rejection {
  return rendered.invalid
    ? reject('field_invalid', `${what}: ${rendered.missing} is not a string or number`)
    : reject('field_missing', `${what}: missing ${rendered.missing}`);
}

export function identifyEvent(
  provider: Provider,
  headers: Headers,
  body: Uint8Array,
  signed: { readonly timestamp?: string; readonly id?: string } = {},
): Identity | Rejection {
  let json: unknown;
  if (provider.needsJsonBody) {
    const parsed = parseJson(body);
    if (!parsed.ok) return parsed;
    json = parsed.value;
  }
  // One input object for both templates (no spreads: this runs once per request on the hot path).
  const input: { -readonly [K in keyof TemplateInput]: TemplateInput[K] } = {
    headers,
    body: json,
    rawBody: body,
    timestamp: signed.timestamp,
    id: signed.id,
    type: undefined,
  };
  const type = renderTemplate(provider.eventTypeTemplate, input);
  if (!type.ok) return failure('event type', type);
  if (!EVENT_TYPE.test(type.value)) return reject('field_invalid', 'event type must be 1-128 printable ASCII characters');

  const rule = provider.dedupeRules.find((r) => r.matches(type.value));
  // defineProvider guarantees a catch-all last rule; this keeps the type checker honest.
  if (!rule) return reject('field_missing', `dedupe key: no rule for event type ${type.value}`);
  input.type = type.value;
  const key = renderTemplate(rule.key, input);
  if (!key.ok) return failure('dedupe key', key);
  if (key.value.length > MAX_DEDUPE_KEY_LENGTH) {
    return reject('field_invalid', `dedupe key is longer than ${MAX_DEDUPE_KEY_LENGTH} characters`);
  }
  return { ok: true, eventType: type.value, dedupeKey: key.value };
}
