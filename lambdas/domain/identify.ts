/**
 * Reads the event type and the dedupe key of an authenticated request, as its provider declares them.
 * Runs after the signature is verified: never parse what you have not authenticated. Never fails: a
 * body whose shape drifted is still the sender's signed word, so it is accepted and marked
 * `unrecognized` (the processor sets such events aside in the dead-letter queue) instead of bounced.
 */
import { createHash } from 'node:crypto';
import { fitDedupeKey } from './dedupe-key.ts';
import type { Headers } from './headers.ts';
import type { Provider } from './provider.ts';
import { renderTemplate, type Rendered, type TemplateInput } from './template.ts';

export interface Identity {
  readonly ok: true;
  /** UNKNOWN_EVENT_TYPE when it could not be read. */
  readonly eventType: string;
  /** The body's SHA-256 (hex) when the declared key could not be formed; always fits the ledger. */
  readonly dedupeKey: string;
  /** What could not be read, safe to log: field and header names only, never values. */
  readonly unrecognized?: string;
}

export const UNKNOWN_EVENT_TYPE = 'unknown';

/** Event types become metric dimensions and log fields: keep them short printable ASCII. */
const EVENT_TYPE = /^[\x21-\x7e]{1,128}$/;

/** Appends one problem to the reason. */
function and(reason: string | undefined, problem: string): string {
  return reason === undefined ? problem : `${reason}; ${problem}`;
}

/** What a failed template lacks; nothing when an unreadable body, already reported, explains it. */
function lacking(what: string, rendered: Extract<Rendered, { ok: false }>, bodyUnreadable: boolean): string | undefined {
  if (bodyUnreadable && rendered.missing.startsWith('body field')) return undefined;
  return rendered.invalid ? `${what}: ${rendered.missing} is not a string or number` : `${what}: missing ${rendered.missing}`;
}

export function identifyEvent(
  provider: Provider,
  headers: Headers,
  body: Uint8Array,
  signed: { readonly timestamp?: string; readonly id?: string } = {},
): Identity {
  // No closures here: on the hot path they cost more than the rest of this function (measured).
  let unrecognized: string | undefined;
  let json: unknown;
  let text: string | undefined;
  if (provider.needsJsonBody) {
    if (body.length === 0) unrecognized = 'body is empty';
    else {
      // Lenient UTF-8 decoding: the signature already covered the exact bytes, and a stray byte in a
      // transcript must not cost a sender that never retries its event.
      text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
      try {
        json = JSON.parse(text);
      } catch {
        unrecognized = 'body is not JSON';
        text = undefined;
      }
    }
  }
  // When the body is unreadable, that one note covers every body field the templates miss.
  const bodyUnreadable = unrecognized !== undefined;

  // One input object for both templates (no spreads: this runs once per request on the hot path).
  const input: { -readonly [K in keyof TemplateInput]: TemplateInput[K] } = {
    headers,
    body: json,
    bodyText: text,
    rawBody: body,
    timestamp: signed.timestamp,
    id: signed.id,
    type: undefined,
  };
  let eventType: string | undefined;
  const type = renderTemplate(provider.eventTypeTemplate, input);
  if (!type.ok) {
    const problem = lacking('event type', type, bodyUnreadable);
    if (problem !== undefined) unrecognized = and(unrecognized, problem);
  } else if (!EVENT_TYPE.test(type.value)) unrecognized = and(unrecognized, 'event type: not 1-128 printable ASCII characters');
  else eventType = type.value;

  // The type picks the rule. Without one, only the catch-all rule can apply, and only if its key does
  // not contain the type: a key made with a stand-in type could collide with a real event of that type.
  const rules = provider.dedupeRules;
  let rule = rules[rules.length - 1];
  if (eventType !== undefined) {
    for (const candidate of rules) {
      if (candidate.matches(eventType)) {
        rule = candidate;
        break;
      }
    }
  }
  let dedupeKey: string | undefined;
  if (rule && (eventType !== undefined || !rule.key.uses.has('type'))) {
    input.type = eventType;
    const key = renderTemplate(rule.key, input, rule.escape);
    if (key.ok) dedupeKey = fitDedupeKey(key.value);
    else {
      const problem = lacking('dedupe key', key, bodyUnreadable);
      if (problem !== undefined) unrecognized = and(unrecognized, problem);
    }
  }
  // A redelivery carries the same signed bytes, so their hash still finds it (as `{sha256}` does).
  dedupeKey ??= createHash('sha256').update(body).digest('hex');

  const identity: { -readonly [K in keyof Identity]: Identity[K] } = { ok: true, eventType: eventType ?? UNKNOWN_EVENT_TYPE, dedupeKey };
  if (unrecognized !== undefined) identity.unrecognized = unrecognized;
  return identity;
}
