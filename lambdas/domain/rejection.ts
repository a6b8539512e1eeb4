/** Why a request was refused, precise enough for on-call and safe to log (never a body or a secret). */
export type FailureCode =
  | 'missing_header'
  | 'malformed_header'
  | 'timestamp_out_of_tolerance'
  | 'signature_mismatch'
  | 'body_not_json'
  | 'field_missing'
  | 'field_invalid';

export interface Rejection {
  readonly ok: false;
  readonly code: FailureCode;
  readonly reason: string;
  /** 401 when the sender is not authenticated; 400 when an authenticated body is unusable. */
  readonly status: 400 | 401;
}

const STATUS: Record<FailureCode, 400 | 401> = {
  missing_header: 401,
  malformed_header: 401,
  timestamp_out_of_tolerance: 401,
  signature_mismatch: 401,
  body_not_json: 400,
  field_missing: 400,
  field_invalid: 400,
};

export function reject(code: FailureCode, reason: string): Rejection {
  return { ok: false, code, reason, status: STATUS[code] };
}
