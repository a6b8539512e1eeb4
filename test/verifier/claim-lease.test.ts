/**
 * CLAIM_LEASE_SECONDS is read once, when lambdas/verifier/ledger.ts loads (as the handler loads it), and a
 * bad value stops the module from loading with the exact problem instead of claiming with a wrong lease.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../lambdas/shared/runtime-config.ts';

const load = async () => (await import('../../lambdas/verifier/ledger.ts')).LEASE_MS;

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('the claim lease', () => {
  it('is 30 s by default', async () => {
    vi.stubEnv('CLAIM_LEASE_SECONDS', undefined);
    expect(await load()).toBe(30_000);
  });

  it('is CLAIM_LEASE_SECONDS when set', async () => {
    vi.stubEnv('CLAIM_LEASE_SECONDS', '45');
    expect(await load()).toBe(45_000);
  });

  it.each([
    ['0', 'environment variable CLAIM_LEASE_SECONDS must be between 1 and 900, got 0'],
    ['thirty', "environment variable CLAIM_LEASE_SECONDS must be a whole number, got 'thirty'"],
  ])('refuses %j when the module loads', async (value, message) => {
    vi.stubEnv('CLAIM_LEASE_SECONDS', value);
    const error = await load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe(ConfigError.name);
    expect((error as Error).message).toBe(message);
  });
});
