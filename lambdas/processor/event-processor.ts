/**
 * The seam between the processor framework and a provider's business logic. The framework (this folder:
 * envelope, claim check, body digest and parsing, ledger marks, batch failures, retries, the DLQ) calls
 * one `EventProcessor` per provider, `providers/<id>/processor.ts` (loaded by providers/processors.ts),
 * and knows nothing else about what it does. The shipped processors use the example in
 * lambdas/example-state/ (project each resource's latest state into DynamoDB, ignore stale events); a
 * fork replaces them, and may delete that folder, without touching this one.
 */

/** A parsed webhook body: always a JSON object (body.ts refuses anything else). */
export type JsonObject = { readonly [key: string]: unknown };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What the verifier recorded about the delivery, for `eventTime`. */
export interface EventMeta {
  /** ISO time the verifier accepted the request. */
  readonly receivedAt: string;
  /** The signed timestamp header value, verbatim, when the scheme has one. */
  readonly signedTimestamp?: string;
}

/** One event as a processor sees it: the envelope's ids plus the parsed body. */
export interface ProcessorEvent extends EventMeta {
  readonly provider: string;
  readonly eventType: string;
  readonly dedupeKey: string;
  /** The event's own time (epoch ms), from the processor's `eventTime` or else `receivedAt`. */
  readonly eventTime: number;
  readonly body: JsonObject;
}

/**
 * Stored in the ledger entry as `outcome`, and counted: `unknown-event-type` (UnknownEventType) means the
 * processor has no handling for this type (a redriven `unrecognized` event with it goes back to the DLQ);
 * `stale-ignored` (StaleEventIgnored) means a newer event was already applied.
 */
export type ProcessingOutcome = 'applied' | 'stale-ignored' | 'accepted-not-processed' | 'unknown-event-type';

/** What the framework gives a processor besides the event. */
export interface ProcessorContext {
  /** The time now (fixed in tests). */
  readonly clock: () => Date;
  /** Adds fields to this record's log line: ids and short tokens only, never body text. */
  readonly annotate: (fields: Readonly<Record<string, string>>) => void;
}

/**
 * One provider's business logic. `handle` must be safe to repeat (SQS delivers at least once; the ledger
 * marks the event processed once, after `handle` returns). Throw a `PermanentError` (errors.ts) for what
 * no retry can fix: the message goes to the DLQ at once; anything else thrown is retried with backoff.
 * Error messages are logged and stored: build them from ids and field paths, never from the body.
 */
export interface EventProcessor {
  readonly provider: string;
  /** The event's own time in epoch ms; undefined falls back to the verifier's `receivedAt`. */
  readonly eventTime: (body: JsonObject, meta: EventMeta) => number | undefined;
  /** Turns the body text into JSON text when the sender may use another encoding (GitHub form posts). */
  readonly decodeBody?: (text: string) => string;
  readonly handle: (event: ProcessorEvent, context: ProcessorContext) => Promise<ProcessingOutcome>;
}
