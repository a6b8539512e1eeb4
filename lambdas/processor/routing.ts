/**
 * What a provider's processor is: a handler map (event type → handler) plus how to read the event's own
 * time. Handlers are tiny functions over the parsed body; the only effect they get is `recordState`, so
 * the maps stay data that a fork extends with one line per event type.
 */
import type { JsonObject } from './fields.ts';

/** One event as a handler sees it: the envelope's ids plus the parsed body. */
export interface ProcessorEvent {
  readonly provider: string;
  readonly eventType: string;
  readonly dedupeKey: string;
  /** ISO time the verifier accepted the request. */
  readonly receivedAt: string;
  /** The signed timestamp header value, verbatim, when the scheme has one. */
  readonly signedTimestamp?: string;
  /** The event's own time (epoch ms), from the provider's `eventTime` or else `receivedAt`. */
  readonly eventTime: number;
  readonly body: JsonObject;
}

/** The new state of one resource (note, session, recording...) as of this event. */
export interface ResourceStateChange {
  readonly resourceType: string;
  readonly resourceId: string;
  /** A short token (`succeeded`, `completed`, `failure`), never free text. */
  readonly status: string;
  /** Suki `_links`, stored as given. */
  readonly links?: unknown;
  /** Further ids worth keeping beside the state (`encounterId`, `errorCode`): ids and codes only. */
  readonly details?: Readonly<Record<string, string>>;
}

/** `applied`: the record moved forward; `stale`: it already holds a newer event, nothing was written. */
export type StateWrite = 'applied' | 'stale';

export interface HandlerActions {
  /** Conditional write that moves the resource's record forward only by event time. */
  recordState(change: ResourceStateChange): Promise<StateWrite>;
}

/** Stored in the ledger entry as `outcome`. */
export type ProcessingOutcome = 'applied' | 'stale-ignored' | 'accepted-not-processed' | 'unknown-event-type';

export type EventHandler = (event: ProcessorEvent, actions: HandlerActions) => Promise<ProcessingOutcome>;

/** Keys: an exact event type, or a prefix ending in `*` (`note_generation.*`); the longest match wins. */
export type HandlerMap = Readonly<Record<string, EventHandler>>;

export interface EventMeta {
  readonly receivedAt: string;
  readonly signedTimestamp?: string;
}

export interface ProviderProcessor {
  readonly provider: string;
  /** The event's own time in epoch ms; undefined falls back to the verifier's `receivedAt`. */
  readonly eventTime: (body: JsonObject, meta: EventMeta) => number | undefined;
  readonly handlers: HandlerMap;
  /** Turns the body text into JSON text when the sender may use another encoding (GitHub form posts). */
  readonly decodeBody?: (text: string) => string;
}

/** Exact match first, then the longest `prefix*` key that matches; undefined for an unknown type. */
export function findHandler(handlers: HandlerMap, eventType: string): EventHandler | undefined {
  if (Object.hasOwn(handlers, eventType)) return handlers[eventType];
  let best: { readonly length: number; readonly handler: EventHandler } | undefined;
  for (const [pattern, handler] of Object.entries(handlers)) {
    if (!pattern.endsWith('*')) continue;
    const prefix = pattern.slice(0, -1);
    if (eventType.startsWith(prefix) && (best === undefined || prefix.length > best.length)) {
      best = { length: prefix.length, handler };
    }
  }
  return best?.handler;
}

/** The example handler: describe the resource's new state (pure), record it (conditional write). */
export function recordResourceState(describe: (event: ProcessorEvent) => ResourceStateChange): EventHandler {
  return async (event, actions) => ((await actions.recordState(describe(event))) === 'applied' ? 'applied' : 'stale-ignored');
}

/** For synthetic events (SOAPNoteAPI `test`, GitHub `ping`): the delivery is acknowledged, nothing is processed. */
export const acceptWithoutProcessing: EventHandler = async () => 'accepted-not-processed';
