/**
 * The whole verdict on one request: `(provider, headers, raw body, keys, now)` in; which secret
 * matched, the event type and the dedupe key out, or a precise reason. Pure: no I/O, no clock.
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
  if (!identity.ok) return identity;
  // Built field by field: spreads cost more than the HMAC's fixed overhead on small bodies.
  const verified: { -readonly [K in keyof Verified]: Verified[K] } = {
    ok: true,
    matched: signature.matched,
    eventType: identity.eventType,
    dedupeKey: identity.dedupeKey,
  };
  if (signature.timestamp !== undefined) verified.timestamp = signature.timestamp;
  if (signature.id !== undefined) verified.id = signature.id;
  return verified;
}
