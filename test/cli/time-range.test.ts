/** ops/time-range.ts: the one time parser of `ops events` and `ops replay` (ISO 8601 or a duration before now). */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../ops/args.ts';
import { durationMs, isoRange, parseTime, parseTimeRange } from '../../ops/time-range.ts';

const NOW = Date.parse('2026-12-07T16:00:00.000Z');

describe('parseTime', () => {
  it.each([
    ['30s', NOW - 30_000], ['30m', NOW - 1_800_000], ['1h', NOW - 3_600_000], ['2d', NOW - 2 * 86_400_000], ['1w', NOW - 7 * 86_400_000],
    ['1h30m', NOW - 5_400_000], [' 10M ', NOW - 600_000],
  ])('a duration before now: %s', (text, expected) => {
    expect(parseTime(text, '--since', NOW)).toBe(expected);
  });

  it.each([
    ['2026-12-07T15:00:00Z', '2026-12-07T15:00:00.000Z'],
    ['2026-12-07T15:00:00.123Z', '2026-12-07T15:00:00.123Z'],
    ['2026-12-07T16:00:00+01:00', '2026-12-07T15:00:00.000Z'],
    ['2026-12-07T16:00:00+0100', '2026-12-07T15:00:00.000Z'],
    ['2026-12-07T10:30-05:00', '2026-12-07T15:30:00.000Z'],
    ['2026-12-07', '2026-12-07T00:00:00.000Z'],
  ])('ISO 8601 with a zone: %s', (text, iso) => {
    expect(new Date(parseTime(text, '--since', NOW)).toISOString()).toBe(iso);
  });

  it('refuses a date-time without a zone, naming the fix', () => {
    expect(() => parseTime('2026-12-07T15:00:00', '--since', NOW)).toThrow(/--since 2026-12-07T15:00:00: add the time zone/);
  });

  it.each(['yesterday', '1y', '-1h', '0m', '2026-02-30', '2026-13-01T00:00:00Z', '', '1.5h', '17000000000'])('refuses %j as a usage error naming the flag', (text) => {
    expect(() => parseTime(text, '--until', NOW)).toThrow(UsageError);
    expect(() => parseTime(text, '--until', NOW)).toThrow(/--until/);
  });

  it('durationMs is undefined for anything but a duration', () => {
    expect(durationMs('2h')).toBe(7_200_000);
    expect(durationMs('2026-12-07')).toBeUndefined();
  });
});

describe('parseTimeRange', () => {
  it('parses both bounds; either may be absent', () => {
    expect(parseTimeRange({ since: '1h', until: '30m' }, NOW)).toEqual({ since: NOW - 3_600_000, until: NOW - 1_800_000 });
    expect(parseTimeRange({ since: '1h' }, NOW)).toEqual({ since: NOW - 3_600_000 });
    expect(parseTimeRange({}, NOW)).toEqual({});
  });

  it('refuses --since after --until', () => {
    expect(() => parseTimeRange({ since: '30m', until: '1h' }, NOW)).toThrow(/--since .* is after --until/);
  });

  it('isoRange gives the strings stored in receivedAt', () => {
    expect(isoRange({ since: NOW })).toEqual({ since: '2026-12-07T16:00:00.000Z' });
  });
});
