/**
 * Loads one provider's `EventProcessor` (lambdas/processor/event-processor.ts), `providers/<id>/processor.ts`,
 * by the folder's name. A dynamic import, so that no registry of processors has to be kept beside
 * providers/index.ts: esbuild bundles every `providers/<id>/processor.ts` into the processor's asset as a
 * chunk, and each processor loads only its own at cold start.
 */
import type { EventProcessor } from '../lambdas/processor/event-processor.ts';
import { findProvider } from './index.ts';

/** The processor of a registered provider; throws naming the file when the folder does not provide one. */
export async function loadProcessor(providerId: string): Promise<EventProcessor> {
  if (!findProvider(providerId)) throw new Error(`'${providerId}' is not a registered provider (providers/index.ts)`);
  const module = (await import(`./${providerId}/processor.ts`)) as { processor?: EventProcessor };
  const processor = module.processor;
  if (processor?.provider !== providerId || typeof processor.handle !== 'function') {
    throw new Error(`providers/${providerId}/processor.ts must export \`processor\` (an EventProcessor) with provider '${providerId}'`);
  }
  return processor;
}
