/**
 * Why a request was refused, precise enough for on-call and safe to log (never a body or a secret).
 * Only authentication fails a request: an authenticated body that cannot be read is accepted and
 * marked `unrecognized` (verify.ts), never refused.
 */
export type FailureCode = 'missing_header' | 'malformed_header' | 'timestamp_out_of_tolerance' | 'signature_mismatch';

export interface Rejection {
  readonly ok: false;
  readonly code: FailureCode;
  readonly reason: string;
  /** The sender is not authenticated. */
  readonly status: 401;
}

export function reject(code: FailureCode, reason: string): Rejection {
  return { ok: false, code, reason, status: 401 };
}
