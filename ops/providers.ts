/** Provider lookups and descriptions for the ops commands, from the same registry the stack uses. */
import type { Provider } from '../lambdas/domain/provider.ts';
import { findProvider, providers } from '../providers/index.ts';
import { UsageError } from './args.ts';
import { didYouMean } from './suggest.ts';

export function providerIds(): string[] {
  return [...providers.keys()];
}

/** The provider, or a usage error that lists the known ids. */
export function requireProvider(id: string): Provider {
  const provider = findProvider(id);
  if (!provider) throw new UsageError(`unknown provider '${id}'${didYouMean(id, providerIds())}${didYouMean(id, providerIds()) ? ' ' : '; '}known providers: ${providerIds().join(', ')}`);
  return provider;
}

/** The header a provider's event type is read from (GitHub), if it is not read from the body. */
export function eventTypeHeader(provider: Provider): string | undefined {
  for (const part of provider.eventTypeTemplate.parts) if (part.kind === 'header') return part.name;
  return undefined;
}

/** Headers read by the dedupe key templates (X-GitHub-Delivery). */
export function dedupeHeaders(provider: Provider): string[] {
  const names = provider.dedupeRules.flatMap((rule) => rule.key.parts.flatMap((part) => (part.kind === 'header' ? [part.name] : [])));
  return [...new Set(names)];
}

function signatureShape(provider: Provider): string {
  const sig = provider.signature.encoding === 'hex' ? '<64 hex>' : '<base64 of 32 bytes>';
  switch (provider.signature.format) {
    case 'plain':
      return `${provider.signature.prefix ?? ''}${sig}`;
    case 'pairs':
      return `t=<unix s>,v1=${sig}[,v1=${sig}...]`;
    case 'list':
      return `v1,${sig}[ v1,${sig}...]`;
  }
}

/** Every header the provider sends that the stack reads, with the shape of its value. */
export function describeHeaders(provider: Provider): string[] {
  const lines = [`${provider.signatureHeader}: ${signatureShape(provider)}`];
  if (provider.timestampHeader) lines.push(`${provider.timestampHeader}: <unix ${provider.timestamp?.unit === 'ms' ? 'ms' : 's'}>`);
  if (provider.idHeaderName) lines.push(`${provider.idHeaderName}: <message id>`);
  const typeHeader = eventTypeHeader(provider);
  if (typeHeader) lines.push(`${typeHeader}: <event type>`);
  for (const name of dedupeHeaders(provider)) if (name !== typeHeader) lines.push(`${name}: <delivery id>`);
  return lines;
}
