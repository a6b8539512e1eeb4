/**
 * The whole verdict on one request: `(provider, headers, raw body, keys, now)` in; which secret
 * matched, the event type and the dedupe key out, or a precise reason. Pure: no I/O, no clock.
 * A valid signature always verifies: what the body lacks is reported in `unrecognized`, never rejected.
 */
import type { Headers } from './headers.ts';
import { identifyEvent } from './identify.ts';
import type { SigningKeys } from './keys.ts';
import type { Provider } from './provider.ts';
import type { Rejection } from './rejection.ts';
import { verifySignature } from './signature.ts';

export interface Verified {
  readonly ok: true;
  readonly matched: 'current' | 'previous';
  readonly eventType: string;
  readonly dedupeKey: string;
  /**
   * Set when the event type (then `unknown`) or the dedupe key (then the body's SHA-256) could not be
   * read: what was missing, by field or header name, never a value. Safe to log.
   */
  readonly unrecognized?: string;
  readonly timestamp?: string;
  readonly id?: string;
}

export type Verdict = Verified | Rejection;

export function verify(
  provider: Provider,
  headers: Headers,
  body: Uint8Array,
  keys: SigningKeys,
  nowSeconds: number,
): Verdict {
  const signature = verifySignature(provider, headers, body, keys, nowSeconds);
  if (!signature.ok) return signature;
  const identity = identifyEvent(provider, headers, body, signature);
  // Built field by field: spreads cost more than the HMAC's fixed overhead on small bodies.
  const verified: { -readonly [K in keyof Verified]: Verified[K] } = {
    ok: true,
    matched: signature.matched,
    eventType: identity.eventType,
    dedupeKey: identity.dedupeKey,
  };
  if (identity.unrecognized !== undefined) verified.unrecognized = identity.unrecognized;
  if (signature.timestamp !== undefined) verified.timestamp = signature.timestamp;
  if (signature.id !== undefined) verified.id = signature.id;
  return verified;
}
