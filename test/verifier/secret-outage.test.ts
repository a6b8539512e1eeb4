/**
 * A Secrets Manager outage through the real fetcher (secretsManagerVersions) with the client mocked by
 * aws-sdk-client-mock, counting GetSecretValue calls: a failure is remembered for FAILURE_TTL_MS (1 s) per
 * provider, so an outage costs one fetch per stage per second per container while every request still fails
 * (503), and a recovered Secrets Manager, or a secret set after it was missing, is used right after.
 */
import { GetSecretValueCommand, InternalServiceError, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Provider } from '../../lambdas/domain/provider.ts';
import { findProvider } from '../../lambdas/domain/providers.ts';
import { FAILURE_TTL_MS, SecretCache, SecretUnavailableError } from '../../lambdas/verifier/secret-cache.ts';
import { secretsManagerVersions } from '../../lambdas/verifier/secret-versions.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const SULLY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sully-AbCdEf';
const GITHUB_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:github-AbCdEf';
const SECRET = 'whsec_sully_current_3vQ9zK2mX8pL5nR7tW1yB4cF';

const provider = (id: string): Provider => findProvider(id) ?? (() => { throw new Error(`no provider ${id}`); })();
const sully = provider('sully');
const github = provider('github');

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const sm = mockClient(SecretsManagerClient);
const meta = { $metadata: { httpStatusCode: 500, requestId: 'req-outage' } };
const outage = () => new InternalServiceError({ message: 'internal failure', ...meta });
const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: { httpStatusCode: 400 } });

let clock: number;
let cache: SecretCache;
const calls = (secretId = SULLY_ARN) => sm.commandCalls(GetSecretValueCommand, { SecretId: secretId }).length;

function healthy(secretId = SULLY_ARN) {
  sm.on(GetSecretValueCommand, { SecretId: secretId, VersionStage: 'AWSCURRENT' }).resolves({ SecretString: SECRET, CreatedDate: new Date(T0 - 60_000) })
    .on(GetSecretValueCommand, { SecretId: secretId, VersionStage: 'AWSPREVIOUS' }).rejects(notFound());
}

beforeEach(() => {
  sm.reset();
  clock = T0;
  cache = new SecretCache({
    fetchVersion: secretsManagerVersions(new SecretsManagerClient({ region: 'us-east-1' })),
    rotationGraceMs: 72 * 3_600_000,
    now: () => clock,
  });
});

afterAll(() => sm.restore());

describe('a Secrets Manager outage', () => {
  it('is 1 s long, by a constant', () => {
    expect(FAILURE_TTL_MS).toBe(1_000);
  });

  it('costs one call per stage per second, however many requests fail meanwhile, and recovery is used at once after', async () => {
    // Prepare
    sm.on(GetSecretValueCommand).rejects(outage());

    // Act: a burst of 50 requests within the first second
    const first = await cache.keysFor(sully, SULLY_ARN).catch((error: unknown) => error);
    const during: unknown[] = [];
    for (let i = 1; i < 50; i++) {
      clock = T0 + i * 20; // up to T0 + 0.98 s
      during.push(await cache.keysFor(sully, SULLY_ARN).catch((error: unknown) => error));
    }

    // Assess: every request failed with Secrets Manager's own error (503 upstream), after 2 calls in all
    expect(first).toBeInstanceOf(InternalServiceError);
    expect(during.every((error) => error === first)).toBe(true);
    expect(calls()).toBe(2);
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.VersionStage).sort()).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);

    // Still down a second later: asked again, once per stage
    clock = T0 + FAILURE_TTL_MS;
    await expect(cache.keysFor(sully, SULLY_ARN)).rejects.toBeInstanceOf(InternalServiceError);
    expect(calls()).toBe(4);

    // Recovered: the first request after the window gets the keys, and they are cached as usual (5 minutes)
    sm.reset();
    healthy();
    clock = T0 + 2 * FAILURE_TTL_MS - 1;
    await expect(cache.keysFor(sully, SULLY_ARN)).rejects.toBeInstanceOf(InternalServiceError);
    expect(calls()).toBe(0);
    clock = T0 + 2 * FAILURE_TTL_MS;
    const keys = await cache.keysFor(sully, SULLY_ARN);
    expect(keys.keys.current.export().toString('utf8')).toBe(SECRET);
    clock += 60_000;
    await cache.keysFor(sully, SULLY_ARN);
    expect(calls()).toBe(2);
  });

  it('is remembered per provider: another provider still fetches', async () => {
    sm.on(GetSecretValueCommand, { SecretId: SULLY_ARN }).rejects(outage());
    healthy(GITHUB_ARN);

    await expect(cache.keysFor(sully, SULLY_ARN)).rejects.toBeInstanceOf(InternalServiceError);
    clock = T0 + FAILURE_TTL_MS / 2;
    await expect(cache.keysFor(github, GITHUB_ARN)).resolves.toBeDefined();
    await expect(cache.keysFor(sully, SULLY_ARN)).rejects.toBeInstanceOf(InternalServiceError);

    expect(calls(SULLY_ARN)).toBe(2);
    expect(calls(GITHUB_ARN)).toBe(2);
  });

  it('never hides keys already cached: a failed refresh after a mismatch leaves them in use, without calls', async () => {
    // Prepare: keys cached, then Secrets Manager fails
    healthy();
    await cache.keysFor(sully, SULLY_ARN);
    sm.reset();
    sm.on(GetSecretValueCommand).rejects(outage());

    // Act
    await expect(cache.refreshAfterMismatch(sully, SULLY_ARN)).rejects.toBeInstanceOf(InternalServiceError);
    clock = T0 + 1_000;
    const keys = await cache.keysFor(sully, SULLY_ARN);

    // Assess
    expect(keys.keys.current.export().toString('utf8')).toBe(SECRET);
    expect(calls()).toBe(2); // the refresh's two; keysFor made none
  });
});

describe('a secret without an AWSCURRENT value', () => {
  it('is remembered for the same second, and a value set meanwhile (ops secret set) is used after it', async () => {
    // Prepare: no value stored yet
    sm.on(GetSecretValueCommand).rejects(notFound());

    // Act
    const missing = await cache.keysFor(sully, SULLY_ARN).catch((error: unknown) => error);
    sm.reset();
    healthy();
    clock = T0 + FAILURE_TTL_MS - 1;
    const stillRemembered = await cache.keysFor(sully, SULLY_ARN).catch((error: unknown) => error);
    const callsWithin = calls();
    clock = T0 + FAILURE_TTL_MS;
    const keys = await cache.keysFor(sully, SULLY_ARN);

    // Assess
    expect(missing).toBeInstanceOf(SecretUnavailableError);
    expect((missing as Error).message).toBe('sully: the secret has no AWSCURRENT value');
    expect(stillRemembered).toBe(missing);
    expect(callsWithin).toBe(0);
    expect(keys.keys.current.export().toString('utf8')).toBe(SECRET);
    expect(calls()).toBe(2);
  });
});
