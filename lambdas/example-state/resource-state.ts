/**
 * The example business logic, as an `EventProcessor` (lambdas/processor/event-processor.ts): a handler map
 * (event type → handler) whose handlers describe the new state of one resource, recorded in DynamoDB so
 * that it moves forward only by the event's own time (state-store.ts). Handlers are tiny functions over
 * the parsed body; the only effect they get is `recordState`, so the maps stay data that a fork extends
 * with one line per event type. A fork with other business logic writes its own `EventProcessor` and may
 * delete this folder.
 */
import { dynamodb } from '../shared/aws-clients.ts';
import { readProcessorConfig } from '../shared/runtime-config.ts';
import type {
  EventMeta,
  EventProcessor,
  JsonObject,
  ProcessingOutcome,
  ProcessorContext,
  ProcessorEvent,
} from '../processor/event-processor.ts';
import { assertSafeStateChange, StateStore } from './state-store.ts';

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

export type EventHandler = (event: ProcessorEvent, actions: HandlerActions) => Promise<ProcessingOutcome>;

/** Keys: an exact event type, or a prefix ending in `*` (`note_generation.*`); the longest match wins. */
export type HandlerMap = Readonly<Record<string, EventHandler>>;

/** Where state changes go: DynamoDB in the Lambda (StateStore), a fake in tests. */
export interface StateWriter {
  apply(event: ProcessorEvent, change: ResourceStateChange, now: Date): Promise<StateWrite>;
}

/** What a provider folder declares: its handler map plus how to read the event's own time. */
export interface ResourceStateDefinition {
  readonly provider: string;
  /** The event's own time in epoch ms; undefined falls back to the verifier's `receivedAt`. */
  readonly eventTime: (body: JsonObject, meta: EventMeta) => number | undefined;
  readonly handlers: HandlerMap;
  /** Turns the body text into JSON text when the sender may use another encoding (GitHub form posts). */
  readonly decodeBody?: (text: string) => string;
  /** @default the state records of the ledger table (LEDGER_TABLE, LEDGER_RETENTION_DAYS), built on first use */
  readonly states?: () => StateWriter;
}

export interface ResourceStateProcessor extends EventProcessor {
  readonly handlers: HandlerMap;
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

let ledgerStates: StateStore | undefined;

/** The state records live in the ledger table (docs/architecture.md); read from the processor's environment once. */
function ledgerStateStore(): StateStore {
  if (ledgerStates === undefined) {
    const config = readProcessorConfig(process.env);
    ledgerStates = new StateStore(dynamodb, config.ledgerTable, config.ledgerRetentionDays);
  }
  return ledgerStates;
}

/** The `EventProcessor` of a provider whose events update resource state records. */
export function resourceStateProcessor(definition: ResourceStateDefinition): ResourceStateProcessor {
  const states = definition.states ?? ledgerStateStore;
  return {
    provider: definition.provider,
    eventTime: definition.eventTime,
    ...(definition.decodeBody !== undefined ? { decodeBody: definition.decodeBody } : {}),
    handlers: definition.handlers,
    handle: async (event: ProcessorEvent, context: ProcessorContext) => {
      const handler = findHandler(definition.handlers, event.eventType);
      if (handler === undefined) return 'unknown-event-type';
      return handler(event, {
        recordState: (change) => {
          assertSafeStateChange(change);
          context.annotate({ resourceType: change.resourceType, resourceId: change.resourceId });
          return states().apply(event, change, context.clock());
        },
      });
    },
  };
}

/** The example handler: describe the resource's new state (pure), record it (conditional write). */
export function recordResourceState(describe: (event: ProcessorEvent) => ResourceStateChange): EventHandler {
  return async (event, actions) => ((await actions.recordState(describe(event))) === 'applied' ? 'applied' : 'stale-ignored');
}

/** For synthetic events (SOAPNoteAPI `test`, GitHub `ping`): the delivery is acknowledged, nothing is processed. */
export const acceptWithoutProcessing: EventHandler = async () => 'accepted-not-processed';
