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

/** The SQS message itself is unusable (not an envelope, wrong provider): retrying cannot help, the DLQ can. */
export class PoisonMessageError extends ProcessingError {}

/** The body lacks a field a handler needs (a resource id), or holds something that is not an identifier. */
export class MissingFieldError extends ProcessingError {}

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

export function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
