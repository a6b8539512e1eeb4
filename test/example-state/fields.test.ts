/** Event time and field reading: the example's pure helpers (lambdas/example-state/). */
import { describe, expect, it } from 'vitest';
import { timeFromFields, toEpochMillis } from '../../lambdas/example-state/event-time.ts';
import { actionOf, optionalToken, readPath, requireId } from '../../lambdas/example-state/fields.ts';
import { MissingFieldError } from '../../lambdas/processor/errors.ts';

describe('toEpochMillis', () => {
  it.each([
    ['ISO with Z', '2026-03-19T15:30:00.000Z', 's', Date.parse('2026-03-19T15:30:00.000Z')],
    ['ISO with offset', '2026-03-19T16:30:00+01:00', 's', Date.parse('2026-03-19T15:30:00Z')],
    ['unix seconds', 1_700_000_000, 's', 1_700_000_000_000],
    ['unix seconds as text', '1700000000', 's', 1_700_000_000_000],
    ['unix ms', '1774000000123', 'ms', 1_774_000_000_123],
    ['auto: seconds', 1_700_000_000, 'auto', 1_700_000_000_000],
    ['auto: milliseconds', 1_700_000_000_123, 'auto', 1_700_000_000_123],
  ] as const)('reads %s', (_name, value, unit, expected) => {
    expect(toEpochMillis(value, unit)).toBe(expected);
  });

  it.each([['prose', 'yesterday at noon'], ['empty', ''], ['negative', -5], ['NaN', Number.NaN], ['object', {}], ['bad date', '2026-13-45T99:00:00Z']])(
    'refuses %s rather than guessing',
    (_name, value) => {
      expect(toEpochMillis(value, 'auto')).toBeUndefined();
    },
  );

  it('timeFromFields takes the first field that holds a time', () => {
    expect(timeFromFields({ a: 'nope', b: 1_000 }, ['a', 'b'], 's')).toBe(1_000_000);
    expect(timeFromFields({}, ['a'], 's')).toBeUndefined();
  });
});

describe('fields', () => {
  const body = { data: { recording: { id: 123 }, list: [1], text: 'hello world' } };

  it('reads dotted paths and stops at non-objects', () => {
    expect(readPath(body, 'data.recording.id')).toBe(123);
    expect(readPath(body, 'data.list.0')).toBeUndefined();
    expect(readPath(body, 'data.text.length')).toBeUndefined();
  });

  it('requireId takes the first identifier, converts integers, and names only paths when missing', () => {
    expect(requireId(body, 'data.missing', 'data.recording.id')).toBe('123');
    expect(() => requireId(body, 'data.text')).toThrow(new MissingFieldError('no identifier at data.text'));
  });

  it('optionalToken accepts short tokens only', () => {
    expect(optionalToken({ s: 'completed' }, 's')).toBe('completed');
    expect(optionalToken({ s: 'a sentence with spaces' }, 's')).toBeUndefined();
  });

  it('actionOf drops the first segment', () => {
    expect(actionOf('note_generation.succeeded')).toBe('succeeded');
    expect(actionOf('recording.processing.completed')).toBe('processing.completed');
    expect(actionOf('success')).toBe('success');
  });
});
