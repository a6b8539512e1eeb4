/** The SQS message between the verifier and a provider's processor (docs/architecture.md). */
import { isUtf8 } from 'node:buffer';

export interface ClaimCheck {
  readonly bucket: string;
  readonly key: string;
}

export interface Envelope {
  readonly v: 1;
  readonly provider: string;
  readonly eventType: string;
  readonly dedupeKey: string;
  /** ISO time the verifier accepted the request. */
  readonly receivedAt: string;
  /** The signed timestamp header value, verbatim, when the scheme has one. */
  readonly signedTimestamp?: string;
  readonly bodySha256: string;
  /**
   * Set by the verifier when the signature was valid but the event type or the dedupe key could not be
   * read from the body (shape drift, not JSON): the safe reason (field names only, never values). The
   * event type is then `unknown` and/or the dedupe key the body's SHA-256; the processor sends such a
   * message to the DLQ on its first receive, with this reason, so on-call can add a handler and redrive.
   */
  readonly unrecognized?: string;
  /**
   * Set by the verifier when the ledger could not be reached (LedgerBypass): the event was enqueued without
   * a claim. The processor's conditional "processed" mark creates or completes the ledger entry.
   */
  readonly unclaimed?: true;
  /**
   * Set by `ops replay` only (docs/architecture.md, "Archive and replay"): re-process this event even if the
   * ledger says processed, at most once per replay run (the processor's conditional update on `lastReplayRun`).
   */
  readonly replay?: ReplayMarker;
  /** Exactly one of the next three carries the body. */
  readonly body?: string;
  readonly bodyBase64?: string;
  readonly claimCheck?: ClaimCheck;
}

/** The replay marker: which `ops replay` run sent the event again, and when. */
export interface ReplayMarker {
  /** `[A-Za-z0-9._:-]{1,64}`: an id made by ops (replay-ids.ts), never sender text. */
  readonly runId: string;
  /** ISO time the run started. */
  readonly at: string;
}

const RUN_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Checks a replay marker; throws EnvelopeError naming the field only. */
export function checkReplayMarker(value: unknown): ReplayMarker {
  const marker = value as Partial<ReplayMarker> | null;
  if (!marker || typeof marker !== 'object' || Array.isArray(marker)) throw new EnvelopeError('envelope field replay is not an object');
  if (typeof marker.runId !== 'string' || !RUN_ID.test(marker.runId)) throw new EnvelopeError('envelope field replay.runId is not a run id');
  if (typeof marker.at !== 'string' || !Number.isFinite(Date.parse(marker.at))) throw new EnvelopeError('envelope field replay.at is not a time');
  return { runId: marker.runId, at: marker.at };
}

/** Message attributes let operators list a DLQ without reading any body. */
export const ATTRIBUTE_NAMES = ['provider', 'eventType', 'dedupeKey'] as const;

/** Puts the body inline as text when it is valid UTF-8, as base64 otherwise (bytes must survive exactly). */
export function inlineBody(body: Uint8Array): Pick<Envelope, 'body' | 'bodyBase64'> {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return isUtf8(bytes) ? { body: bytes.toString('utf8') } : { bodyBase64: bytes.toString('base64') };
}

export class EnvelopeError extends Error {}

/** Parses and checks a message body; throws EnvelopeError (a poison message, not a PHI leak: no body text). */
export function parseEnvelope(text: string): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new EnvelopeError('message is not JSON');
  }
  const e = value as Partial<Envelope> | null;
  if (!e || typeof e !== 'object' || e.v !== 1) throw new EnvelopeError('message is not a v1 envelope');
  for (const field of ['provider', 'eventType', 'dedupeKey', 'receivedAt', 'bodySha256'] as const) {
    if (typeof e[field] !== 'string') throw new EnvelopeError(`envelope field ${field} is missing`);
  }
  const carriers = [e.body !== undefined, e.bodyBase64 !== undefined, e.claimCheck !== undefined].filter(Boolean).length;
  if (carriers !== 1) throw new EnvelopeError('envelope must carry exactly one of body, bodyBase64, claimCheck');
  if (e.replay !== undefined) checkReplayMarker(e.replay);
  return e as Envelope;
}
