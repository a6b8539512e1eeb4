/**
 * The provider registry: the one list of vendors this stack knows. Each vendor is one folder,
 * `providers/<id>/`: its scheme declaration (`declaration.ts`, data: see the provider table in README.md
 * and the vendors' pages), its processor handlers (`processor.ts`), its sample events for `ops send`
 * (`samples.ts`) and its rotation and re-send notes for the ops CLI (`notes.ts`). Adding a vendor is one
 * new folder plus one import and one list entry here; the stack, the verifier, the processors, the ops CLI
 * and the local pipeline all read this list (README.md, "Add a provider").
 *
 * Only the declarations are imported here, so that the verifier's cold start loads no processor or sample
 * code: the processors load their own folder's `processor.ts` (providers/processors.ts), the ops CLI the
 * samples and notes (providers/operations.ts), each by the folder's name.
 */
import type { Provider, ProviderDefinition } from '../lambdas/domain/provider.ts';
import { buildRegistry } from '../lambdas/domain/registry.ts';
import { declaration as sully } from './sully/declaration.ts';
import { declaration as suki } from './suki/declaration.ts';
import { declaration as soapnoteapi } from './soapnoteapi/declaration.ts';
import { declaration as solatis } from './solatis/declaration.ts';
import { declaration as generic } from './generic/declaration.ts';
import { declaration as standardWebhooks } from './standard-webhooks/declaration.ts';
import { declaration as github } from './github/declaration.ts';
import { declaration as stripe } from './stripe/declaration.ts';
import { CANARY_PROVIDER_ID, declaration as canary } from './canary/declaration.ts';

export { CANARY_PROVIDER_ID };

/**
 * Every provider's declaration, in this order everywhere. The default `providers` of cdk.json: all of them
 * but `canary`, the stack's own synthetic sender, which `canary.enabled` (default true) adds last.
 */
export const providerDeclarations: readonly ProviderDefinition[] = [
  sully,
  suki,
  soapnoteapi,
  solatis,
  generic,
  standardWebhooks,
  github,
  stripe,
  canary,
];

/** The compiled declarations by id; `defineProvider` rejects a wrong declaration when this module loads. */
export const providers: ReadonlyMap<string, Provider> = buildRegistry(providerDeclarations);

export function findProvider(id: string): Provider | undefined {
  return providers.get(id);
}

/** A vendor (a real sender), as opposed to the stack's own canary. */
export function isVendor(id: string): boolean {
  return id !== CANARY_PROVIDER_ID;
}
