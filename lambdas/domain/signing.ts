/**
 * Produces the headers a provider would send. Used by `ops sign` and `ops send` to drive the stack;
 * the tests prove verification with independent signers, never with this.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { deriveKey } from './keys.ts';
import type { Provider } from './provider.ts';
import { renderTemplate } from './template.ts';

export interface SignOptions {
  /** Unix seconds; rendered in the provider's unit. @default now */
  readonly timestamp?: number;
  /** Message id for schemes that sign one (`webhook-id`), or whose dedupe key reads one from a header. */
  readonly id?: string;
  /** Event type, for providers that read it from a header (GitHub). */
  readonly eventType?: string;
}

export class SignError extends Error {}

/** Header names that a provider's templates read, other than the signature's own. */
function templateHeaders(provider: Provider): { typeHeader?: string; keyHeaders: string[] } {
  const typeHeader = provider.eventTypeTemplate.parts.find((p) => p.kind === 'header');
  const keyHeaders = provider.dedupeRules.flatMap((r) => r.key.parts).flatMap((p) => (p.kind === 'header' ? [p.name] : []));
  return { ...(typeHeader?.kind === 'header' ? { typeHeader: typeHeader.name } : {}), keyHeaders };
}

export function signRequest(provider: Provider, secret: string, body: Uint8Array, options: SignOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  const seconds = Math.floor(options.timestamp ?? Date.now() / 1000);
  const timestamp = provider.timestamp ? String(provider.timestamp.unit === 'ms' ? seconds * 1000 : seconds) : undefined;
  const id = options.id ?? (provider.idHeaderName ? `msg_${randomUUID().replaceAll('-', '')}` : randomUUID());

  const { typeHeader, keyHeaders } = templateHeaders(provider);
  if (typeHeader) {
    if (!options.eventType) throw new SignError(`${provider.id} reads the event type from header ${typeHeader}: pass an event type`);
    headers[typeHeader] = options.eventType;
  }
  for (const name of keyHeaders) headers[name] = id;
  if (provider.idHeaderName) headers[provider.idHeaderName] = id;
  if (provider.timestampHeader && timestamp) headers[provider.timestampHeader] = timestamp;

  const prefix = renderTemplate(provider.signedPrefix, { headers, ...(timestamp ? { timestamp } : {}), id });
  if (!prefix.ok) throw new SignError(`cannot sign for ${provider.id}: missing ${prefix.missing}`);
  const digest = createHmac('sha256', deriveKey(provider, secret)).update(prefix.value).update(body).digest();
  const encoded = provider.signature.encoding === 'hex' ? digest.toString('hex') : digest.toString('base64');
  switch (provider.signature.format) {
    case 'plain':
      headers[provider.signatureHeader] = `${provider.signature.prefix ?? ''}${encoded}`;
      break;
    case 'pairs':
      headers[provider.signatureHeader] = `t=${timestamp},v1=${encoded}`;
      break;
    case 'list':
      headers[provider.signatureHeader] = `v1,${encoded}`;
      break;
  }
  return headers;
}
