/**
 * Reading fields out of a webhook body without ever copying free text: ids and status tokens must look
 * like identifiers, so a misconfigured path that points at a note or transcript fails loudly instead of
 * putting PHI into the state record or a log line.
 */
import { MissingFieldError } from '../processor/errors.ts';
import { isJsonObject, type JsonObject } from '../processor/event-processor.ts';

/** Value at a dotted path (`data.recording.id`), or undefined. */
export function readPath(body: JsonObject, path: string): unknown {
  let value: unknown = body;
  for (const segment of path.split('.')) {
    if (!isJsonObject(value)) return undefined;
    value = value[segment];
  }
  return value;
}

/** uuid, evt_..., numbers, `owner/repo#12`, `trans_abc123`: ids, not sentences. */
const IDENTIFIER = /^[A-Za-z0-9_.:#/@+=-]{1,256}$/;
/** `succeeded`, `completed`, `processing.completed`: short tokens, not free text. */
const STATUS_TOKEN = /^[A-Za-z0-9_.:-]{1,64}$/;

function asIdentifier(value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  return typeof text === 'string' && IDENTIFIER.test(text) ? text : undefined;
}

/** The first identifier found at the given paths; throws MissingFieldError naming the paths (never values). */
export function requireId(body: JsonObject, ...paths: readonly string[]): string {
  for (const path of paths) {
    const id = asIdentifier(readPath(body, path));
    if (id !== undefined) return id;
  }
  throw new MissingFieldError(`no identifier at ${paths.join(' | ')}`);
}

/** A status token at `path`, or undefined when absent or not token-shaped. */
export function optionalToken(body: JsonObject, path: string): string | undefined {
  const value = readPath(body, path);
  return typeof value === 'string' && STATUS_TOKEN.test(value) ? value : undefined;
}

/** An identifier at `path`, or undefined. */
export function optionalId(body: JsonObject, path: string): string | undefined {
  return asIdentifier(readPath(body, path));
}

/** `note_generation.succeeded` → `succeeded`; `recording.processing.completed` → `processing.completed`. */
export function actionOf(eventType: string): string {
  const dot = eventType.indexOf('.');
  return dot < 0 ? eventType : eventType.slice(dot + 1);
}
