/**
 * Synthetic sample events in each provider's documented payload shape (the vendors' webhook pages, summed
 * up in the README's provider table), for `ops send` and the end-to-end tests: the builders of
 * `providers/<id>/samples.ts`. Every call makes fresh ids, so each send is a new event with a new dedupe
 * key. The text fields say what they are: synthetic, no patient data.
 */
import type { Provider } from '../lambdas/domain/provider.ts';
import { providerOperations } from '../providers/operations.ts';
import { extra, id, SYNTHETIC, type SampleBuilder, type SampleOptions } from '../providers/sample-kit.ts';
import { eventTypeHeader } from './providers.ts';

export type { SampleOptions };

export interface SampleEvent {
  readonly eventType: string;
  /** The exact bytes to send (JSON, UTF-8). */
  readonly body: Buffer;
  /** For providers that send the event type in a header (GitHub): pass it to signRequest. */
  readonly headerEventType?: string;
}

/** The default event type per provider, then other types the vendors' pages name (any other type is accepted too). */
export const SAMPLE_EVENT_TYPES: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  [...providerOperations].map(([providerId, ops]) => [providerId, ops.samples.eventTypes]),
);

export function defaultEventType(providerId: string): string {
  return SAMPLE_EVENT_TYPES[providerId]?.[0] ?? 'sample.created';
}

/** A new sample event for the provider; `eventType` defaults to the provider's first sample type. */
export function sampleEvent(provider: Provider, eventType = defaultEventType(provider.id), options: SampleOptions = {}, now = new Date()): SampleEvent {
  const build: SampleBuilder = providerOperations.get(provider.id)?.samples.buildSample ?? ((type, o, at) => ({ id: id('evt'), type, event: type, timestamp: at.toISOString(), data: { note: o.note ?? SYNTHETIC, ...extra(o) } }));
  const body = Buffer.from(JSON.stringify(build(eventType, options, now)), 'utf8');
  return { eventType, body, ...(eventTypeHeader(provider) ? { headerEventType: eventType } : {}) };
}
