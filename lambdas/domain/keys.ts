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

/**
 * The shortest key each derivation accepts, in key bytes (what HMAC gets). A signature over a captured
 * request lets anyone test guesses of a short key offline, at HMAC speed, with no rate limit: the minimum
 * keeps that search out of reach, and a value shorter than it is a paste or configuration error anyway.
 *
 * - `whsec-base64` (Standard Webhooks): the base64 after `whsec_` must decode to at least 24 bytes, the
 *   spec's lower bound ("between 24 bytes and 64 bytes"); Svix and the spec's examples use 24 bytes
 *   (32 base64 characters), the local stack and the stack's placeholder 32 and 36.
 * - `raw` (the secret string's UTF-8 bytes as-is): at least 16 bytes, 128 bits if random: below that an
 *   offline search of a random key becomes conceivable, and a human-chosen one is guessable. The vendors
 *   that issue the secret issue `whsec_` + a random string (Stripe, SOAPNoteAPI, Sully: 6 bytes of prefix
 *   alone; Stripe's are 38 or more characters); Suki's partner secret is exchanged at onboarding, its format
 *   unpublished (ask for 16 bytes or more); where the operator chooses it (GitHub, Solatis, the generic
 *   platform) choose a random one: `openssl rand -hex 32`. GitHub's documented example has 26 bytes.
 */
export const MIN_KEY_BYTES: Readonly<Record<Provider['key'], number>> = { raw: 16, 'whsec-base64': 24 };

/** Turns a secret string into HMAC key bytes per the provider's key derivation; refuses one shorter than MIN_KEY_BYTES. */
export function deriveKey(provider: Provider, secret: string, which = 'secret'): KeyObject {
  if (secret.length === 0) throw new SecretFormatError(`${provider.id} ${which} is empty`);
  const min = MIN_KEY_BYTES[provider.key];
  if (provider.key === 'raw') {
    const key = Buffer.from(secret, 'utf8');
    if (key.length < min) {
      throw new SecretFormatError(`${provider.id} ${which} is too short: ${key.length} bytes, at least ${min} are required (a signing secret as the vendor issues it, or a random one such as openssl rand -hex 32)`);
    }
    return createSecretKey(key);
  }
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (encoded.length === 0 || !CANONICAL_BASE64.test(encoded)) {
    throw new SecretFormatError(`${provider.id} ${which} must be whsec_ followed by base64`);
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < min) {
    throw new SecretFormatError(`${provider.id} ${which} is too short: its base64 decodes to ${key.length} bytes, at least ${min} are required (Standard Webhooks secrets are 24 to 64 bytes)`);
  }
  return createSecretKey(key);
}

export function prepareKeys(provider: Provider, secrets: SecretPair): SigningKeys {
  const current = deriveKey(provider, secrets.current, 'current secret');
  if (secrets.previous === undefined || secrets.previous === '') return { current };
  return { current, previous: deriveKey(provider, secrets.previous, 'previous secret') };
}
