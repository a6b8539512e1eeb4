/**
 * What the ops CLI knows of each provider beyond its declaration: the sample events of
 * `providers/<id>/samples.ts` and the notes of `providers/<id>/notes.ts`, loaded by the folder's name for
 * every provider of the registry (providers/index.ts) when this module loads. Never imported by a Lambda.
 */
import type { SampleBuilder } from './sample-kit.ts';
import { providerDeclarations } from './index.ts';

/** `providers/<id>/notes.ts`: what the sender does, for on-call (docs/runbook.md). */
export interface ProviderNotes {
  /** How this sender switches secrets (`ops secret rotate` and `retire`). */
  readonly rotation: string;
  /** What the sender does when asked to resend an event (`ops replay` when it cannot replay one). */
  readonly resend: string;
  /** This vendor's part of docs/runbook.md (markdown), written there by `npm run docs` (tools/docs/generate-runbook.ts). */
  readonly runbook: {
    /** Heading of its rotation procedure. */
    readonly title: string;
    /** Its rotation procedure, in order; paragraphs separated by a blank line. */
    readonly rotation: string;
    /** "What each sender does when we answer non-2xx": what it does on a non-2xx answer or a timeout. */
    readonly onFailure: string;
    /** What is lost, and how to recover it. */
    readonly recovery: string;
  };
}

/** `providers/<id>/samples.ts`. */
export interface ProviderSamples {
  /** The default event type first. */
  readonly eventTypes: readonly string[];
  readonly buildSample: SampleBuilder;
}

export interface ProviderOperations {
  readonly samples: ProviderSamples;
  readonly notes: ProviderNotes;
}

async function load(providerId: string): Promise<ProviderOperations> {
  const [samples, notes] = await Promise.all([
    import(`./${providerId}/samples.ts`) as Promise<Partial<ProviderSamples>>,
    import(`./${providerId}/notes.ts`) as Promise<{ notes?: ProviderNotes }>,
  ]);
  if (!Array.isArray(samples.eventTypes) || samples.eventTypes.length === 0 || typeof samples.buildSample !== 'function') {
    throw new Error(`providers/${providerId}/samples.ts must export \`eventTypes\` (at least one) and \`buildSample\``);
  }
  const runbook = notes.notes?.runbook;
  if (typeof notes.notes?.rotation !== 'string' || typeof notes.notes.resend !== 'string' ||
    !runbook || ![runbook.title, runbook.rotation, runbook.onFailure, runbook.recovery].every((v) => typeof v === 'string' && v !== '')) {
    throw new Error(`providers/${providerId}/notes.ts must export \`notes\` with \`rotation\`, \`resend\` and \`runbook\` (title, rotation, onFailure, recovery)`);
  }
  return { samples: { eventTypes: samples.eventTypes, buildSample: samples.buildSample }, notes: notes.notes };
}

/** By provider id, for every registered provider. */
export const providerOperations: ReadonlyMap<string, ProviderOperations> = new Map(
  await Promise.all(providerDeclarations.map(async (d) => [d.id, await load(d.id)] as const)),
);
