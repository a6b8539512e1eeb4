/**
 * The times on-call commands take (`ops events --since/--until`, `ops replay --since/--until`): ISO 8601
 * (`2026-12-07T16:00:00Z`, `2026-12-07T17:00:00+01:00`, `2026-12-07T16:00Z`, or a date `2026-12-07`, which
 * is midnight UTC) or a duration before now (`90s`, `30m`, `1h`, `2d`, `1w`; `1h30m` too). A date-time
 * without `Z` or an offset is refused: its zone would be a guess. One parser, so both commands read a time
 * the same way; an unreadable one is a usage error (exit 2) that names the flag.
 */
import { UsageError } from './args.ts';

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE = /^(?:\d{1,6}[smhdw])+$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** Milliseconds of a relative duration (`1h30m`), or undefined when the text is not one. */
export function durationMs(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (!RELATIVE.test(trimmed)) return undefined;
  let total = 0;
  for (const [, digits, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) total += Number(digits) * UNIT_MS[unit!]!;
  return total;
}

/** Valid calendar date: Date.parse rolls 2026-02-30 over to March; we refuse it. */
function calendarOk(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** A time as epoch ms: ISO 8601 with a zone, a date (UTC midnight), or a duration before `now`. */
export function parseTime(text: string, flag: string, now: number = Date.now()): number {
  const value = text.trim();
  const ago = durationMs(value);
  if (ago !== undefined) {
    if (ago === 0) throw new UsageError(`${flag} ${value}: a duration must be more than 0 (e.g. 30m, 1h, 2d)`);
    return now - ago;
  }
  if ((ISO_DATE.test(value) || ISO_DATE_TIME.test(value)) && calendarOk(value)) {
    const ms = Date.parse(ISO_DATE.test(value) ? `${value}T00:00:00Z` : value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (Number.isFinite(ms)) return ms;
  }
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(value)) {
    throw new UsageError(`${flag} ${value}: add the time zone (Z for UTC, or an offset such as +01:00)`);
  }
  throw new UsageError(`${flag} must be ISO 8601 (e.g. 2026-12-07T16:00:00Z) or a duration before now (e.g. 30m, 1h, 2d); got ${JSON.stringify(value.slice(0, 40))}`);
}

export interface TimeRange {
  /** Inclusive lower bound, epoch ms (undefined: no bound). */
  readonly since?: number;
  /** Inclusive upper bound, epoch ms (undefined: now and after). */
  readonly until?: number;
}

/** `--since` and `--until` together: each parsed, and since must not be after until. */
export function parseTimeRange(options: { since?: string | undefined; until?: string | undefined }, now: number = Date.now()): TimeRange {
  const since = options.since === undefined ? undefined : parseTime(options.since, '--since', now);
  const until = options.until === undefined ? undefined : parseTime(options.until, '--until', now);
  if (since !== undefined && until !== undefined && since > until) {
    throw new UsageError(`--since (${new Date(since).toISOString()}) is after --until (${new Date(until).toISOString()})`);
  }
  return { ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) };
}

/** The range as the ISO strings stored in `receivedAt` (for messages and the index query). */
export function isoRange(range: TimeRange): { since?: string; until?: string } {
  return {
    ...(range.since !== undefined ? { since: new Date(range.since).toISOString() } : {}),
    ...(range.until !== undefined ? { until: new Date(range.until).toISOString() } : {}),
  };
}
