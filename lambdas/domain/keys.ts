import { createSecretKey, type KeyObject } from 'node:crypto';
import type { Provider } from './provider.ts';

/** The provider's secrets as the operator stores them: the current one, and the previous during rotation. */
export interface SecretPair {
  readonly current: string;
  readonly previous?: string;
}

/** HMAC keys derived once per secret fetch, so verification never re-derives them. */
export interface SigningKeys {
  readonly current: KeyObject;
  readonly previous?: KeyObject;
}

export class SecretFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretFormatError';
  }
}

const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Turns a secret string into HMAC key bytes per the provider's key derivation. */
export function deriveKey(provider: Provider, secret: string, which = 'secret'): KeyObject {
  if (secret.length === 0) throw new SecretFormatError(`${provider.id} ${which} is empty`);
  if (provider.key === 'raw') return createSecretKey(Buffer.from(secret, 'utf8'));
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (encoded.length === 0 || !CANONICAL_BASE64.test(encoded)) {
    throw new SecretFormatError(`${provider.id} ${which} must be whsec_ followed by base64`);
  }
  return createSecretKey(Buffer.from(encoded, 'base64'));
}

export function prepareKeys(provider: Provider, secrets: SecretPair): SigningKeys {
  const current = deriveKey(provider, secrets.current, 'current secret');
  if (secrets.previous === undefined || secrets.previous === '') return { current };
  return { current, previous: deriveKey(provider, secrets.previous, 'previous secret') };
}
