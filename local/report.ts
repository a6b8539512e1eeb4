/**
 * The runner's terminal output: one line per event outcome (time, provider, event type, outcome,
 * milliseconds). Built only from ids, types, status codes and outcome words: never a body, header value
 * or secret.
 */

export interface OutcomeLine {
  /** `http` for the API's answer, `processor` for a delivery to a processor. */
  readonly stage: 'http' | 'processor';
  readonly provider: string;
  readonly eventType?: string;
  readonly outcome: string;
  readonly ms: number;
}

/** Printable: event types come from senders, so strip control characters and bound the length. */
function clean(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const safe = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe;
}

export function formatOutcome(line: OutcomeLine, at = new Date()): string {
  const time = at.toISOString().slice(11, 23);
  const provider = clean(line.provider || '-', 48).padEnd(17);
  const type = clean(line.eventType || '-', 64).padEnd(30);
  const stage = line.stage.padEnd(9);
  return `${time}  ${stage} ${provider} ${type} ${clean(line.outcome, 120)}  ${Math.round(line.ms)} ms`;
}

export type Print = (line: string) => void;

export const printStdout: Print = (line) => void process.stdout.write(`${line}\n`);
