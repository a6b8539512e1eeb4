/** The example's handler map lookup, its `EventProcessor` and the guard on what handlers may write. Pure. */
import { describe, expect, it } from 'vitest';
import {
  acceptWithoutProcessing,
  findHandler,
  recordResourceState,
  resourceStateProcessor,
  type EventHandler,
  type ResourceStateChange,
} from '../../lambdas/example-state/resource-state.ts';
import { assertSafeStateChange, InvalidStateChangeError } from '../../lambdas/example-state/state-store.ts';
import { PermanentError } from '../../lambdas/processor/errors.ts';

const named = (name: string): EventHandler => Object.assign(async () => 'applied' as const, { handlerName: name });
const nameOf = (handler: EventHandler | undefined) => (handler as unknown as { handlerName?: string } | undefined)?.handlerName;

describe('findHandler', () => {
  const handlers = {
    'note.generated': named('exact'),
    'note.*': named('note-prefix'),
    'note.generated.*': named('longer-prefix'),
    'recording.processing.*': named('recording-processing'),
    'recording.*': named('recording'),
  };

  it('prefers an exact key over any prefix', () => {
    expect(nameOf(findHandler(handlers, 'note.generated'))).toBe('exact');
  });

  it('picks the longest matching prefix, whatever the key order', () => {
    expect(nameOf(findHandler(handlers, 'recording.processing.completed'))).toBe('recording-processing');
    expect(nameOf(findHandler(handlers, 'recording.created'))).toBe('recording');
    expect(nameOf(findHandler(handlers, 'note.generated.v2'))).toBe('longer-prefix');
  });

  it('returns undefined for an unknown type, and never matches inherited keys', () => {
    expect(findHandler(handlers, 'meeting.created')).toBeUndefined();
    expect(findHandler(handlers, 'toString')).toBeUndefined();
    expect(findHandler(handlers, 'note')).toBeUndefined();
  });

  it('supports a catch-all `*` for forks that want one', () => {
    expect(nameOf(findHandler({ '*': named('all') }, 'anything'))).toBe('all');
  });
});

describe('example handlers', () => {
  it('recordResourceState maps the write result to the ledger outcome', async () => {
    const handler = recordResourceState(() => ({ resourceType: 'note', resourceId: 'n', status: 's' }));
    const event = { provider: 'p', eventType: 't', dedupeKey: 'k', receivedAt: '', eventTime: 1, body: {} };
    expect(await handler(event, { recordState: async () => 'applied' })).toBe('applied');
    expect(await handler(event, { recordState: async () => 'stale' })).toBe('stale-ignored');
    expect(await acceptWithoutProcessing(event, { recordState: async () => 'applied' })).toBe('accepted-not-processed');
  });
});

describe('resourceStateProcessor (the EventProcessor the framework calls)', () => {
  const event = { provider: 'p', eventType: 'note.generated', dedupeKey: 'k', receivedAt: '', eventTime: 1, body: {} };
  const now = new Date('2026-03-01T00:00:00Z');

  function run(handlers: Record<string, EventHandler>, eventType = event.eventType, write: 'applied' | 'stale' = 'applied') {
    const applied: { change: ResourceStateChange; now: Date }[] = [];
    const logged: Record<string, string> = {};
    const processor = resourceStateProcessor({
      provider: 'p',
      eventTime: () => undefined,
      handlers,
      states: () => ({ apply: async (_event, change, at) => (applied.push({ change, now: at }), write) }),
    });
    const outcome = processor.handle({ ...event, eventType }, { clock: () => now, annotate: (fields) => Object.assign(logged, fields) });
    return { outcome, applied, logged };
  }

  it('routes to the handler, writes through the state writer at the framework clock, and logs the resource ids', async () => {
    const { outcome, applied, logged } = run({ 'note.*': recordResourceState(() => ({ resourceType: 'note', resourceId: 'n-1', status: 'generated' })) });
    expect(await outcome).toBe('applied');
    expect(applied).toEqual([{ change: { resourceType: 'note', resourceId: 'n-1', status: 'generated' }, now }]);
    expect(logged).toEqual({ resourceType: 'note', resourceId: 'n-1' });
  });

  it('answers unknown-event-type for a type without handler, writing nothing', async () => {
    const { outcome, applied } = run({ 'recording.*': acceptWithoutProcessing }, 'meeting.created');
    expect(await outcome).toBe('unknown-event-type');
    expect(applied).toEqual([]);
  });

  it('refuses an unsafe state change with a permanent error before writing', async () => {
    const { outcome, applied } = run({ 'note.*': recordResourceState(() => ({ resourceType: 'note', resourceId: 'free text', status: 's' })) });
    const error = await outcome.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidStateChangeError);
    expect(error).toBeInstanceOf(PermanentError);
    expect(applied).toEqual([]);
  });
});

describe('assertSafeStateChange', () => {
  const ok = { resourceType: 'note', resourceId: 'a1b2-c3', status: 'completed', details: { encounterId: 'enc-1' } };

  it('accepts ids and short tokens', () => {
    expect(() => assertSafeStateChange(ok)).not.toThrow();
  });

  it.each([
    ['resourceId', { ...ok, resourceId: 'Jane Roe, 1970-01-01' }],
    ['status', { ...ok, status: 'Patient presents with a 3-day history' }],
    ['resourceType', { ...ok, resourceType: '' }],
    ['detail', { ...ok, details: { note: 'free text here' } }],
  ])('rejects free text in %s without quoting it', (_field, change) => {
    let message = '';
    try {
      assertSafeStateChange(change);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^state change has/);
    expect(message).not.toMatch(/Jane|Patient|free text/);
  });
});
