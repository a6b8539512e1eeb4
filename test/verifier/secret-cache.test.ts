/**
 * SecretCache and authenticate() with an injected clock and an in-memory Secrets Manager: the 5-minute
 * cache, the rotation grace window, the early refresh after a mismatch (at most once per 30 s), and a
 * rotation taking effect at once. No AWS.
 */
import type { KeyObject } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { findProvider } from '../../providers/index.ts';
import type { Provider } from '../../lambdas/domain/provider.ts';
import type { ProviderRoute } from '../../lambdas/shared/runtime-config.ts';
import { authenticate } from '../../lambdas/verifier/authenticate.ts';
import { SecretCache, SecretUnavailableError, type SecretVersion, type VersionStage } from '../../lambdas/verifier/secret-cache.ts';
import { signPairs, signStandardWebhooks } from './support/signers.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const GRACE = 72 * HOUR;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sully-AbCdEf';
const OLD = 'whsec_sully_old_0aH6jD9eG2kM5pS8uV1xZ4bN';
const NEW = 'whsec_sully_new_3vQ9zK2mX8pL5nR7tW1yB4cF';

function provider(id: string): Provider {
  const found = findProvider(id);
  if (!found) throw new Error(`no provider ${id}`);
  return found;
}

const sully = provider('sully');
const route: ProviderRoute = { provider: sully, secretArn: SECRET_ARN, queueUrl: 'https://sqs.example/q' };

/** Secrets Manager's version stages in memory: rotate() moves AWSCURRENT to AWSPREVIOUS, as PutSecretValue does. */
class FakeSecretsManager {
  current: SecretVersion | undefined;
  previous: SecretVersion | undefined;
  readonly fetches: VersionStage[] = [];
  failWith: Error | undefined;

  constructor(value: string | undefined, createdAt: number) {
    this.current = value === undefined ? undefined : { value, createdAt: new Date(createdAt) };
  }

  rotate(value: string, at: number): void {
    this.previous = this.current;
    this.current = { value, createdAt: new Date(at) };
  }

  readonly fetch = async (_secretId: string, stage: VersionStage): Promise<SecretVersion | undefined> => {
    this.fetches.push(stage);
    if (this.failWith) throw this.failWith;
    return stage === 'AWSCURRENT' ? this.current : this.previous;
  };
}

/** The raw secret a derived HMAC key was made from (sully keys are the secret's UTF-8 bytes). */
const secretOf = (key: KeyObject | undefined) => key?.export().toString('utf8');

let clock: number;
let store: FakeSecretsManager;
let cache: SecretCache;
let unusable: string[];

function newCache(overrides: { rotationGraceMs?: number } = {}) {
  unusable = [];
  return new SecretCache({
    fetchVersion: store.fetch,
    rotationGraceMs: overrides.rotationGraceMs ?? GRACE,
    now: () => clock,
    onUnusablePrevious: (id, problem) => unusable.push(`${id}: ${problem}`),
  });
}

beforeEach(() => {
  clock = T0;
  store = new FakeSecretsManager(OLD, T0 - HOUR);
  cache = newCache();
});

describe('caching', () => {
  it('fetches both version stages once, then serves them for 5 minutes', async () => {
    // Act
    const first = await cache.keysFor(sully, SECRET_ARN);
    clock = T0 + 5 * MINUTE - 1;
    const cached = await cache.keysFor(sully, SECRET_ARN);

    // Assess
    expect(store.fetches.sort()).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
    expect(secretOf(first.keys.current)).toBe(OLD);
    expect(cached.keys.current).toBe(first.keys.current);
  });

  it('fetches again once the entry is 5 minutes old', async () => {
    await cache.keysFor(sully, SECRET_ARN);
    store.rotate(NEW, T0 + MINUTE);
    clock = T0 + 5 * MINUTE;

    const keys = await cache.keysFor(sully, SECRET_ARN);

    expect(store.fetches).toHaveLength(4);
    expect(secretOf(keys.keys.current)).toBe(NEW);
    expect(secretOf(keys.keys.previous)).toBe(OLD);
  });

  it('keeps caches per provider', async () => {
    const github = provider('github');
    await cache.keysFor(sully, SECRET_ARN);
    await cache.keysFor(github, 'arn:github');
    expect(store.fetches).toHaveLength(4);
  });
});

describe('the previous secret and its grace window', () => {
  it('is absent when the secret was never rotated (AWSPREVIOUS does not exist)', async () => {
    const keys = await cache.keysFor(sully, SECRET_ARN);
    expect(keys.keys.previous).toBeUndefined();
    expect(keys.previousAfterGrace).toBeUndefined();
  });

  it('is accepted until ROTATION_GRACE_HOURS after the current version was created, not a millisecond longer', async () => {
    // Prepare: rotated at T0
    store.rotate(NEW, T0);

    // Act
    clock = T0 + GRACE - 1;
    const inside = await newCache().keysFor(sully, SECRET_ARN);
    clock = T0 + GRACE;
    const outside = await newCache().keysFor(sully, SECRET_ARN);

    // Assess
    expect(secretOf(inside.keys.previous)).toBe(OLD);
    expect(inside.previousAfterGrace).toBeUndefined();
    expect(outside.keys.previous).toBeUndefined();
    expect(secretOf(outside.previousAfterGrace)).toBe(OLD);
    expect(secretOf(outside.keys.current)).toBe(NEW);
  });

  it('closes while a cached entry is being served (the window is checked per request, not per fetch)', async () => {
    store.rotate(NEW, T0 - GRACE + MINUTE);
    const before = await cache.keysFor(sully, SECRET_ARN);
    clock = T0 + MINUTE;
    const after = await cache.keysFor(sully, SECRET_ARN);

    expect(store.fetches).toHaveLength(2);
    expect(before.keys.previous).toBeDefined();
    expect(after.keys.previous).toBeUndefined();
    expect(after.previousAfterGrace).toBeDefined();
  });

  it('is never accepted when the current version has no creation date (fails closed)', async () => {
    store.rotate(NEW, T0);
    store.current = { value: NEW };
    const keys = await cache.keysFor(sully, SECRET_ARN);
    expect(keys.keys.previous).toBeUndefined();
    expect(keys.previousAfterGrace).toBeDefined();
  });

  it('is ignored, and reported without its text, when it cannot be a key', async () => {
    // Prepare: standard-webhooks keys must be whsec_ + base64
    const sw = provider('standard-webhooks');
    store = new FakeSecretsManager('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', T0);
    store.previous = { value: 'whsec_not*base64*at*all', createdAt: new Date(T0 - HOUR) };
    cache = newCache();

    // Act
    const keys = await cache.keysFor(sw, 'arn:sw');

    // Assess
    expect(keys.keys.previous).toBeUndefined();
    expect(unusable).toEqual(['standard-webhooks: standard-webhooks previous secret must be whsec_ followed by base64']);
    expect(unusable.join()).not.toContain('not*base64');
  });
});

describe('an unusable current secret', () => {
  it('is SecretUnavailableError when AWSCURRENT does not exist, asked again on every request (not cached)', async () => {
    store.current = undefined;
    await expect(cache.keysFor(sully, SECRET_ARN)).rejects.toBeInstanceOf(SecretUnavailableError);
    await expect(cache.keysFor(sully, SECRET_ARN)).rejects.toBeInstanceOf(SecretUnavailableError);
    expect(store.fetches).toHaveLength(4);
  });

  it('is remembered when the value cannot be a key: no Secrets Manager call per request, re-read after 30 s', async () => {
    // Prepare: CloudFormation's default placeholder for a whsec-base64 provider (punctuation: not base64)
    const sw = provider('standard-webhooks');
    store = new FakeSecretsManager('Yq3$k!Lw9#pZ2^tR8&vN5*xB1(cM4)hJ', T0 - HOUR);
    cache = newCache();

    // Act
    const first = cache.keysFor(sw, 'arn:sw');
    await expect(first).rejects.toThrow(new SecretUnavailableError('standard-webhooks current secret must be whsec_ followed by base64'));
    clock = T0 + 29_999;
    await expect(cache.keysFor(sw, 'arn:sw')).rejects.toBeInstanceOf(SecretUnavailableError);
    const fetchesWhileRemembered = store.fetches.length;
    store.current = { value: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', createdAt: new Date(T0) }; // ops secret set
    clock = T0 + 30_000;
    const fixed = await cache.keysFor(sw, 'arn:sw');

    // Assess
    expect(fetchesWhileRemembered).toBe(2);
    expect(fixed.keys.current).toBeDefined();
    expect(store.fetches).toHaveLength(4);
  });

  it('is remembered when the value is shorter than the scheme allows (a 1-byte whsec_ key, a 7-byte raw secret): 503, re-read after 30 s', async () => {
    const sw = provider('standard-webhooks');
    for (const [p, value, problem] of [
      [sw, 'whsec_QQ==', 'standard-webhooks current secret is too short: its base64 decodes to 1 bytes, at least 24 are required'],
      [sully, 'whsec_x', 'sully current secret is too short: 7 bytes, at least 16 are required'],
    ] as const) {
      clock = T0;
      store = new FakeSecretsManager(value, T0 - HOUR);
      cache = newCache();

      await expect(cache.keysFor(p, 'arn:short')).rejects.toThrow(SecretUnavailableError);
      clock = T0 + 29_999;
      await expect(cache.keysFor(p, 'arn:short')).rejects.toThrow(problem);
      expect(store.fetches).toHaveLength(2);
      clock = T0 + 30_000;
      await expect(cache.keysFor(p, 'arn:short')).rejects.toThrow(SecretUnavailableError);
      expect(store.fetches).toHaveLength(4);
    }
  });

  it('ignores, and reports, a previous secret shorter than the scheme allows', async () => {
    store.rotate(NEW, T0 - MINUTE);
    store.previous = { value: 'short-secret', createdAt: new Date(T0 - HOUR) };
    const keys = await cache.keysFor(sully, SECRET_ARN);
    expect(secretOf(keys.keys.current)).toBe(NEW);
    expect(keys.keys.previous).toBeUndefined();
    expect(unusable).toEqual(['sully: sully previous secret is too short: 12 bytes, at least 16 are required (a signing secret as the vendor issues it, or a random one such as openssl rand -hex 32)']);
  });

  it('remembers an empty value like any other unusable one', async () => {
    store.current = { value: '', createdAt: new Date(T0) };
    await expect(cache.keysFor(sully, SECRET_ARN)).rejects.toThrow(/sully current secret is empty/);
    clock = T0 + 10_000;
    await expect(cache.keysFor(sully, SECRET_ARN)).rejects.toThrow(/sully current secret is empty/);
    expect(store.fetches).toHaveLength(2);
  });

  it('is SecretUnavailableError when the value is empty', async () => {
    store.current = { value: '', createdAt: new Date(T0) };
    await expect(cache.keysFor(sully, SECRET_ARN)).rejects.toThrow(/sully current secret is empty/);
  });

  it('lets a Secrets Manager failure through, and caches nothing: the next request fetches again', async () => {
    store.failWith = Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    await expect(cache.keysFor(sully, SECRET_ARN)).rejects.toThrow('throttled');
    store.failWith = undefined;
    await expect(cache.keysFor(sully, SECRET_ARN)).resolves.toBeDefined();
    expect(store.fetches).toHaveLength(4);
  });
});

describe('early refresh after a signature mismatch', () => {
  it('re-fetches at once even with a fresh cache, then not again for 30 s', async () => {
    // Prepare
    await cache.keysFor(sully, SECRET_ARN);

    // Act
    const first = await cache.refreshAfterMismatch(sully, SECRET_ARN);
    clock = T0 + 29_999;
    const tooSoon = await cache.refreshAfterMismatch(sully, SECRET_ARN);
    clock = T0 + 30_000;
    const again = await cache.refreshAfterMismatch(sully, SECRET_ARN);

    // Assess
    expect(first).toBeDefined();
    expect(tooSoon).toBeUndefined();
    expect(again).toBeDefined();
    expect(store.fetches).toHaveLength(6);
  });

  it('limits each provider separately', async () => {
    await cache.refreshAfterMismatch(sully, SECRET_ARN);
    const github = await cache.refreshAfterMismatch(provider('github'), 'arn:github');
    expect(github).toBeDefined();
  });

  it('does not fetch again the keys the same request has just fetched; that fetch counts as the refresh', async () => {
    // Act: a cold cache, a mismatch (authenticate passes the keys it got)
    const keys = await cache.keysFor(sully, SECRET_ARN);
    const right = await cache.refreshAfterMismatch(sully, SECRET_ARN, keys);
    clock = T0 + 29_999;
    const tooSoon = await cache.refreshAfterMismatch(sully, SECRET_ARN, await cache.keysFor(sully, SECRET_ARN));
    clock = T0 + 30_000;
    const again = await cache.refreshAfterMismatch(sully, SECRET_ARN, await cache.keysFor(sully, SECRET_ARN));

    // Assess
    expect(keys.fetched).toBe(true);
    expect(right).toBeUndefined();
    expect(tooSoon).toBeUndefined();
    expect(again).toBeDefined();
    expect(store.fetches).toHaveLength(4);
  });

  it('refreshes the cached entry too (its 5 minutes restart)', async () => {
    await cache.keysFor(sully, SECRET_ARN);
    store.rotate(NEW, T0);
    clock = T0 + 4 * MINUTE;
    await cache.refreshAfterMismatch(sully, SECRET_ARN);
    clock = T0 + 8 * MINUTE;
    const keys = await cache.keysFor(sully, SECRET_ARN);
    expect(secretOf(keys.keys.current)).toBe(NEW);
    expect(store.fetches).toHaveLength(4);
  });
});

describe('authenticate: rotation takes effect at once', () => {
  const body = JSON.stringify({ type: 'note_generation.succeeded', data: { id: 'note_1' } });
  const signedWith = (secret: string) => signPairs('x-sully-signature', secret, body, Math.floor(clock / 1000));
  const run = (secret: string) => authenticate(route, signedWith(secret), Buffer.from(body), clock / 1000, cache);

  it('accepts a request signed with the new secret right after rotation, and the old one within grace', async () => {
    // Prepare: the old secret is cached
    expect((await run(OLD)).verdict).toMatchObject({ ok: true, matched: 'current' });
    store.rotate(NEW, T0 + 1_000);
    clock = T0 + 2_000;

    // Act
    const withNew = await run(NEW);
    const withOld = await run(OLD);

    // Assess
    expect(withNew.verdict).toMatchObject({ ok: true, matched: 'current' });
    expect(withOld.verdict).toMatchObject({ ok: true, matched: 'previous' });
    expect(store.fetches).toHaveLength(4);
  });

  it('keeps its verdict when the refresh is rate-limited', async () => {
    await run(OLD);
    expect((await run('whsec_wrong')).verdict).toMatchObject({ ok: false, code: 'signature_mismatch' });
    store.rotate(NEW, T0);
    clock = T0 + 10_000;

    const withNew = await run(NEW);

    expect(withNew.verdict).toMatchObject({ ok: false, code: 'signature_mismatch' });
    expect(store.fetches).toHaveLength(4);
  });

  it('rejects the previous secret after its grace window and reports it', async () => {
    store.rotate(NEW, T0 - GRACE);

    const withOld = await run(OLD);
    const wrong = await run('whsec_wrong');

    expect(withOld).toMatchObject({ verdict: { ok: false, code: 'signature_mismatch' }, previousAfterGrace: true });
    expect(wrong).toMatchObject({ verdict: { ok: false }, previousAfterGrace: false });
  });

  it('a secret still on a placeholder of the right form: 401, and no Secrets Manager call after the first request', async () => {
    // Prepare: the stack's placeholder form for whsec-base64 (letters and digits, 48 long); the sender signs with its own secret
    const sw = provider('standard-webhooks');
    store = new FakeSecretsManager('q8Lr2TzV0bWc5NxK7hYd3PmS9fGj4AaE1uCe6RtQ0iZo2WnX', T0 - HOUR);
    cache = newCache();
    const swRoute: ProviderRoute = { provider: sw, secretArn: 'arn:sw', queueUrl: 'https://sqs.example/sw' };
    const deliver = () => {
      const swBody = JSON.stringify({ type: 'patient.note.signed', data: { id: 'n1' } });
      const ts = Math.floor(clock / 1000);
      const headers = signStandardWebhooks('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', swBody, ts, 'msg_1');
      return authenticate(swRoute, headers, Buffer.from(swBody), clock / 1000, cache);
    };

    // Act
    const first = await deliver();
    const fetchesAfterFirst = store.fetches.length;
    clock = T0 + 10_000;
    const second = await deliver();
    clock = T0 + 20_000;
    const third = await deliver();

    // Assess
    for (const answer of [first, second, third]) expect(answer.verdict).toMatchObject({ ok: false, code: 'signature_mismatch' });
    expect(fetchesAfterFirst).toBe(2);
    expect(store.fetches).toHaveLength(2);
  });

  it('does not refresh for failures other than a mismatch (a stale timestamp)', async () => {
    await run(OLD);
    const stale = await authenticate(route, signPairs('x-sully-signature', OLD, body, Math.floor(clock / 1000) - 301), Buffer.from(body), clock / 1000, cache);
    expect(stale.verdict).toMatchObject({ ok: false, code: 'timestamp_out_of_tolerance' });
    expect(store.fetches).toHaveLength(2);
  });
});
