/** Shared pieces of the sample builders in `providers/<id>/samples.ts` (ops send, the end-to-end tests). */
import { randomBytes } from 'node:crypto';

export interface SampleOptions {
  /** Free text placed in the body's narrative field (tests put a marker here to prove it is never logged). */
  readonly note?: string;
  /** Adds a `filler` field of about this many bytes (to exercise the claim check or the size limit). */
  readonly padBytes?: number;
}

/** Builds a new body (fresh ids) for an event type. */
export type SampleBuilder = (type: string, options: SampleOptions, now: Date) => Record<string, unknown>;

export const SYNTHETIC = 'Synthetic sample event from ops send: no patient data.';

export const id = (prefix: string) => `${prefix}_${randomBytes(9).toString('hex')}`;
export const firstSegment = (type: string) => type.split('.')[0] ?? type;
export const lastSegment = (type: string) => type.slice(type.lastIndexOf('.') + 1);

export function extra(options: SampleOptions): Record<string, string> {
  return options.padBytes && options.padBytes > 0 ? { filler: 'x'.repeat(options.padBytes) } : {};
}
