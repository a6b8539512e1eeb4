/** The processors, one per provider id. A fork adds a provider by adding its module here. */
import type { ProviderProcessor } from '../routing.ts';
import { generic } from './generic.ts';
import { github } from './github.ts';
import { soapnoteapi } from './soapnoteapi.ts';
import { solatis } from './solatis.ts';
import { standardWebhooks } from './standard-webhooks.ts';
import { stripe } from './stripe.ts';
import { suki } from './suki.ts';
import { sully } from './sully.ts';

export const processors: ReadonlyMap<string, ProviderProcessor> = new Map(
  [sully, suki, soapnoteapi, solatis, generic, standardWebhooks, github, stripe].map((p) => [p.provider, p]),
);

/** The processor for a provider id the configuration already validated. */
export function processorFor(providerId: string): ProviderProcessor {
  const processor = processors.get(providerId);
  if (processor === undefined) throw new Error(`no processor for provider '${providerId}'`);
  return processor;
}
