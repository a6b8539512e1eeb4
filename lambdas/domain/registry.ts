/**
 * Compiles provider declarations into a registry. The declarations themselves live in `providers/<id>/`
 * (the registry is providers/index.ts): this module stays generic.
 */
import { defineProvider, type Provider, type ProviderDefinition } from './provider.ts';

/** Compiles a list of declarations into a registry keyed by id; rejects duplicate ids. */
export function buildRegistry(definitions: readonly ProviderDefinition[]): ReadonlyMap<string, Provider> {
  const registry = new Map<string, Provider>();
  for (const def of definitions) {
    if (registry.has(def.id)) throw new Error(`provider '${def.id}' is declared twice`);
    registry.set(def.id, defineProvider(def));
  }
  return registry;
}
