/** The handler map lookup and the guard on what handlers may write. Pure. */
import { describe, expect, it } from 'vitest';
import { acceptWithoutProcessing, findHandler, recordResourceState, type EventHandler } from '../../lambdas/processor/routing.ts';
import { assertSafeStateChange } from '../../lambdas/processor/state-store.ts';

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
