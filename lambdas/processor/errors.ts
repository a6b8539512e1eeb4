/**
 * Errors of the processor and the one rule that keeps PHI out of logs and the ledger: only messages we
 * wrote ourselves (ids, field paths, fixed text) are ever logged or stored as `lastError`.
 */

/** Longest `lastError` kept in the ledger: enough to tell causes apart, too short to carry a payload. */
const MAX_SUMMARY_LENGTH = 200;

/** A failure whose message is built from fixed text, ids and field paths only: safe to log and store. */
export class ProcessingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A failure that the same message fails with on every delivery: retrying cannot help, so the message goes
 * to the DLQ on its first receive (failureClass `permanent`). Anything else is transient and retried.
 */
export class PermanentError extends ProcessingError {}

/** The SQS message itself is unusable (not an envelope, wrong provider): retrying cannot help, the DLQ can. */
export class PoisonMessageError extends PermanentError {}

/** The body lacks a field a handler needs (a resource id), or holds something that is not an identifier. */
export class MissingFieldError extends PermanentError {}

/** The bytes do not match the verifier's digest, or are not a JSON object: the same bytes fail every time. */
export class UnusableBodyError extends PermanentError {}

/**
 * The verifier accepted a signed event whose type or dedupe key it could not read (envelope `unrecognized`):
 * no handler was written for it, so it waits in the DLQ for one (docs/runbook.md#unrecognized-event).
 */
export class UnrecognizedEventError extends PermanentError {}

/** Thrown on purpose by the failure drill (PROCESSOR_FAIL_EVENT_TYPES), to exercise retries and the DLQ. */
export class FailureDrillError extends ProcessingError {}

/** What the batch processor receives for a failed record: the safe summary, never the original error. */
export class RecordFailedError extends ProcessingError {}

/**
 * A short description of any error that is safe to log and store. Our own errors keep their message;
 * any other error keeps only its name (`SyntaxError`, `ProvisionedThroughputExceededException`,
 * `NoSuchKey`): JSON.parse's message quotes the text it failed on, and AWS messages can echo request values.
 */
export function safeErrorSummary(error: unknown): string {
  let summary: string;
  if (error instanceof ProcessingError) summary = `${error.name}: ${error.message}`;
  else if (error instanceof Error) summary = error.name;
  else summary = 'non-error value thrown';
  return summary.length > MAX_SUMMARY_LENGTH ? `${summary.slice(0, MAX_SUMMARY_LENGTH - 3)}...` : summary;
}

export type FailureClass = 'permanent' | 'transient';

/** AWS errors, throttling, timeouts, the failure drill and anything unknown are transient. */
export function failureClassOf(error: unknown): FailureClass {
  return error instanceof PermanentError ? 'permanent' : 'transient';
}

export function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
