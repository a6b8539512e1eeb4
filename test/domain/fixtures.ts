/**
 * Shared fixtures for the verification tests: the eight providers as their vendors document them, the
 * secrets, the verifier's clock, and `check` (the pure verifier with prepared keys). Signers live in
 * signers.ts, payloads shaped as the vendors document them in samples.ts.
 */
import { prepareKeys, type SecretPair } from '../../lambdas/domain/keys.ts';
import type { Provider } from '../../lambdas/domain/provider.ts';
import { findProvider } from '../../providers/index.ts';
import { verify, type Verdict } from '../../lambdas/domain/verification.ts';

export const PROVIDER_IDS = ['sully', 'suki', 'soapnoteapi', 'solatis', 'generic', 'standard-webhooks', 'github', 'stripe'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

/** 2026-01-01T00:00:00Z: the verifier's clock in every test. */
export const NOW = 1_767_225_600;

/** Providers that sign a timestamp, with the unit their header carries. */
export const TIMESTAMP_UNIT: Partial<Record<ProviderId, 's' | 'ms'>> = {
  sully: 's',
  suki: 'ms',
  soapnoteapi: 's',
  'standard-webhooks': 's',
  stripe: 's',
};
export const TIMESTAMPED = Object.keys(TIMESTAMP_UNIT) as ProviderId[];
export const HEX_PROVIDERS = PROVIDER_IDS.filter((id) => id !== 'standard-webhooks');
export const JSON_PROVIDERS = PROVIDER_IDS.filter((id) => id !== 'github');

/** Where each scheme puts its signature, as the vendors document it (not read from the registry). */
export const SIGNATURE_HEADER: Record<ProviderId, string> = {
  sully: 'x-sully-signature',
  suki: 'x-api-key',
  soapnoteapi: 'x-soapnoteapi-signature',
  solatis: 'x-solatis-signature',
  generic: 'x-webhook-signature',
  'standard-webhooks': 'webhook-signature',
  github: 'x-hub-signature-256',
  stripe: 'stripe-signature',
};

const SW_CURRENT = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'; // 24 bytes, the Standard Webhooks docs' example
const SW_PREVIOUS = `whsec_${Buffer.from('previous-standard-webhooks-key-32').subarray(0, 32).toString('base64')}`; // 32 bytes, padded

export const SECRETS: Record<ProviderId, { readonly current: string; readonly previous: string }> = {
  sully: { current: 'whsec_sully_3vQ9zK2mX8pL5nR7tW1yB4cF', previous: 'whsec_sully_0aH6jD9eG2kM5pS8uV1xZ4bN' },
  suki: { current: 'suki-partner-7f3c9a1e5b2d8046', previous: 'suki-partner-1b9e4d7a2c6f8035' },
  soapnoteapi: { current: 'whsec_5d2f8a1c9e7b3046af21c8d9e0b7f6a3', previous: 'whsec_0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b' },
  solatis: { current: 'your-secret-for-signatures', previous: 'solatis-registration-secret-2025' },
  generic: { current: 'rec-platform-webhook-secret-Q7w2', previous: 'rec-platform-webhook-secret-K4m9' },
  'standard-webhooks': { current: SW_CURRENT, previous: SW_PREVIOUS },
  github: { current: "It's a Secret to Everybody", previous: 'github-previous-secret-2025' },
  stripe: { current: 'whsec_test_51NqF2eKx9wH7cLpM3rT8vY6z', previous: 'whsec_test_51MzA0bQd4sG2jKn8uW5xE1p' },
};

export function provider(id: string): Provider {
  const found = findProvider(id);
  if (!found) throw new Error(`no provider ${id} in the registry`);
  return found;
}

export const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

/** Runs the pure verifier with the given secrets (default: the current secret only) at NOW. */
export function check(
  id: string,
  headers: Record<string, string | undefined>,
  body: Uint8Array | string,
  options: { secrets?: SecretPair; now?: number } = {},
): Verdict {
  const p = provider(id);
  const secrets = options.secrets ?? { current: SECRETS[id as ProviderId].current };
  return verify(p, headers, typeof body === 'string' ? bytes(body) : body, prepareKeys(p, secrets), options.now ?? NOW);
}


export const DEFAULT_MSG_ID = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
export const DEFAULT_DELIVERY = '72d3162e-cc78-11e3-81ab-4c9367dc0958';

/** NOW, as the provider's timestamp header writes it. */
export function defaultTs(id: ProviderId): string {
  return String(TIMESTAMP_UNIT[id] === 'ms' ? NOW * 1000 : NOW);
}
