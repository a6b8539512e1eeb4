/**
 * The placeholder each provider's secret starts with (lib/secret-placeholder.ts) derives a key, so a
 * provider nobody has set up answers 401, never 503 "secret unavailable" (which pages on-call). Values are
 * generated the way Secrets Manager's GetRandomPassword does from the same GenerateSecretString settings;
 * a fork's own provider gets the form its declared key derivation needs.
 */
import { randomInt } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { deriveKey, SecretFormatError } from '../../lambdas/domain/keys.ts';
import { providers } from '../../providers/index.ts';
import { placeholderGenerator } from '../../lib/secret-placeholder.ts';
import { resources, synthesize } from './synth.ts';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
/** The punctuation GetRandomPassword draws from unless ExcludePunctuation. */
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** What GetRandomPassword returns for these settings (CloudFormation's defaults: 32 characters, punctuation, no space). */
function generateLike(settings: { passwordLength?: number; excludePunctuation?: boolean; includeSpace?: boolean } | undefined): string {
  const classes = [LETTERS, DIGITS, ...(settings?.excludePunctuation ? [] : [PUNCTUATION]), ...(settings?.includeSpace ? [' '] : [])];
  const alphabet = classes.join('');
  const length = settings?.passwordLength ?? 32;
  for (;;) {
    const value = Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
    // RequireEachIncludedType (the default): at least one character of every class.
    if (classes.every((c) => [...value].some((ch) => c.includes(ch)))) return value;
  }
}

describe('the generated placeholder derives a key', () => {
  it.each([...providers.values()].map((p) => [p.id, p] as const))('for %s', (_id, provider) => {
    for (let i = 0; i < 200; i++) expect(() => deriveKey(provider, generateLike(placeholderGenerator(provider.key)))).not.toThrow();
  });

  it('letters and digits, 48 long (the whsec-base64 form), derive a key for every built-in provider', () => {
    const value = generateLike(placeholderGenerator('whsec-base64'));
    expect(value).toMatch(/^[A-Za-z0-9]{48}$/);
    for (const provider of providers.values()) expect(() => deriveKey(provider, value), provider.id).not.toThrow();
  });

  it("CloudFormation's default (with punctuation) is what made standard-webhooks answer 503", () => {
    const standardWebhooks = providers.get('standard-webhooks')!;
    expect(standardWebhooks.key).toBe('whsec-base64');
    const failures = Array.from({ length: 20 }, () => generateLike(undefined)).filter((value) => {
      try {
        deriveKey(standardWebhooks, value);
        return false;
      } catch (error) {
        return error instanceof SecretFormatError;
      }
    });
    expect(failures).toHaveLength(20);
  });
});

describe('each provider of the registry', () => {
  let generated: Record<string, unknown>;

  beforeAll(() => {
    const { template } = synthesize({ providers: { sully: {}, 'standard-webhooks': {} } });
    const secrets = resources(template, 'AWS::SecretsManager::Secret');
    generated = { sully: secrets['SecretSully']!.Properties!.GenerateSecretString, 'standard-webhooks': secrets['SecretStandardWebhooks']!.Properties!.GenerateSecretString };
  }, 60_000);

  it('gets the placeholder form of its declared key derivation', () => {
    expect(generated).toEqual({ sully: {}, 'standard-webhooks': { PasswordLength: 48, ExcludePunctuation: true, IncludeSpace: false } });
  });
});
