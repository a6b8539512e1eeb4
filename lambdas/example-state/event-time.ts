/**
 * The event's own time, in epoch milliseconds: what a resource state record is ordered by. Senders state
 * it as ISO 8601 text, unix seconds or unix milliseconds; each provider module says which field and unit.
 */
import type { JsonObject } from '../processor/event-processor.ts';
import { readPath } from './fields.ts';

/** `auto`: a number below 10^12 is seconds (until the year 33658), otherwise milliseconds. */
export type TimeUnit = 's' | 'ms' | 'auto';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const DIGITS = /^\d{1,16}$/;
const SECONDS_BELOW = 1e12;

function fromNumber(value: number, unit: TimeUnit): number | undefined {
  if (!Number.isFinite(value) || value <= 0) return undefined;
  if (unit === 's' || (unit === 'auto' && value < SECONDS_BELOW)) return Math.round(value * 1000);
  return Math.round(value);
}

/** Parses one value; undefined when it is not a time (rather than guessing). */
export function toEpochMillis(value: unknown, unit: TimeUnit): number | undefined {
  if (typeof value === 'number') return fromNumber(value, unit);
  if (typeof value !== 'string') return undefined;
  if (DIGITS.test(value)) return fromNumber(Number(value), unit);
  if (!ISO_8601.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The first field among `paths` that holds a time. */
export function timeFromFields(body: JsonObject, paths: readonly string[], unit: TimeUnit): number | undefined {
  for (const path of paths) {
    const ms = toEpochMillis(readPath(body, path), unit);
    if (ms !== undefined) return ms;
  }
  return undefined;
}
