/**
 * The value CloudFormation generates for a provider's secret when the stack creates it (GenerateSecretString:
 * no value in the template). It must be a value the provider's key derivation accepts
 * (lambdas/domain/keys.ts), so that a provider still on it answers every request 401 (it matches no sender)
 * instead of 503 "secret unavailable", which would page on-call through the 5xx alarm.
 *
 * - `raw` keys accept any string of at least 16 bytes (MIN_KEY_BYTES): CloudFormation's default (32
 *   printable characters, punctuation included) is kept, so the template does not change for these providers.
 * - `whsec-base64` keys need canonical base64 (an optional `whsec_` is stripped first) of at least 24 bytes:
 *   48 letters and digits, a multiple of 4 with no padding and no punctuation, which decodes to a 36-byte key.
 *
 * Upgrading a stack deployed before this rule: CloudFormation generates a new value whenever the
 * GenerateSecretString block changes, so the first deploy with it stores a new placeholder as AWSCURRENT of
 * every `whsec-base64` provider (the value it had becomes AWSPREVIOUS); store the real secret again with
 * `ops secret set` right after that deploy (README, "Deploy").
 */
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ProviderDefinition } from '../lambdas/domain/provider.ts';

/** GenerateSecretString for a provider with this key derivation; `undefined` keeps CloudFormation's default. */
export function placeholderGenerator(key: ProviderDefinition['key']): secretsmanager.SecretStringGenerator | undefined {
  if (key === 'raw') return undefined;
  return { passwordLength: 48, excludePunctuation: true, includeSpace: false };
}
