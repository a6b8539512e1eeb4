/**
 * `ops send --event TYPE` sends what the provider's processor handles: for every registered provider, the
 * default sample type and every type `ops send` knows (providers/<id>/samples.ts, ops/samples.ts) has a
 * handler in providers/<id>/processor.ts, and the verifier reads that type from the signed sample (so the
 * processor is asked for it). In process, pure: no stack, no AWS.
 */
import { describe, expect, it } from 'vitest';
import { deriveKey } from '../../lambdas/domain/keys.ts';
import { signRequest } from '../../lambdas/domain/signing.ts';
import { verify } from '../../lambdas/domain/verification.ts';
import { findHandler, type ResourceStateProcessor } from '../../lambdas/example-state/resource-state.ts';
import type { EventProcessor } from '../../lambdas/processor/event-processor.ts';
import { findProvider, providerDeclarations } from '../../providers/index.ts';
import { loadProcessor } from '../../providers/processors.ts';
import { defaultEventType, sampleEvent, SAMPLE_EVENT_TYPES } from '../../ops/samples.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'; // any secret every scheme accepts (test value)

/** Whether the processor has handling for `type`: its handler map when it exposes one, else what `handle` answers. */
async function handles(processor: EventProcessor, type: string): Promise<boolean> {
  const handlers = (processor as Partial<ResourceStateProcessor>).handlers;
  if (handlers !== undefined) return findHandler(handlers, type) !== undefined;
  const outcome = await processor.handle(
    { provider: processor.provider, eventType: type, dedupeKey: `sample:${type}`, eventTime: Date.now(), receivedAt: new Date().toISOString(), body: {} },
    { clock: () => new Date(), annotate: () => undefined },
  );
  return outcome !== 'unknown-event-type';
}

describe.each(providerDeclarations.map((d) => d.id))('%s', (id) => {
  const provider = findProvider(id)!;

  it('the default sample type and every type ops send knows have a handler', async () => {
    const processor = await loadProcessor(id);
    const types = SAMPLE_EVENT_TYPES[id] ?? [];
    expect(types.length).toBeGreaterThan(0);
    expect(defaultEventType(id)).toBe(types[0]);
    const unhandled: string[] = [];
    for (const type of types) if (!(await handles(processor, type))) unhandled.push(type);
    expect(unhandled, `providers/${id}/samples.ts names types providers/${id}/processor.ts does not handle`).toEqual([]);
  });

  it('the verifier reads each sample type from the signed sample', () => {
    const now = new Date();
    for (const type of SAMPLE_EVENT_TYPES[id] ?? []) {
      const sample = sampleEvent(provider, type, {}, now);
      const headers = signRequest(provider, SECRET, sample.body, sample.headerEventType ? { eventType: sample.headerEventType } : {});
      const verdict = verify(provider, headers, sample.body, { current: deriveKey(provider, SECRET) }, now.getTime() / 1000);
      expect(verdict, type).toMatchObject({ ok: true, eventType: type });
    }
  });
});
