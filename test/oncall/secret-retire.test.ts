/**
 * Issue 12, item 13: a match is attributed to the Secrets Manager version that signed it, not to the stage a
 * verifier had cached, and `ops secret retire` decides on those version counts: not before every verifier
 * could have fetched the rotated secret (rotation + the secret cache TTL), and not while the previous
 * version matched after that. The local-stack rotation scenario (test/local/oncall/rotation.ts) drives the
 * first refusal end to end; the second needs a 5-minute wait there, so it is covered here with a clock.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findProvider } from '../../providers/index.ts';
import type { ProviderRoute } from '../../lambdas/shared/runtime-config.ts';
import { authenticate } from '../../lambdas/verifier/authenticate.ts';
import { SECRET_CACHE_TTL_MS, SecretCache, type SecretVersion, type VersionStage } from '../../lambdas/verifier/secret-cache.ts';
import { localVersionMatches, matchesFrom, retireDecision, rotationWindow, tallyRotation, type VersionMatchSeries } from '../../ops/secrets.ts';
import { signPairs } from '../verifier/support/signers.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const OLD = 'whsec_sully_old_0aH6jD9eG2kM5pS8uV1xZ4bN';
const NEW = 'whsec_sully_new_3vQ9zK2mX8pL5nR7tW1yB4cF';
const OLD_ID = '11111111-1111-4111-8111-111111111111';
const NEW_ID = '22222222-2222-4222-8222-222222222222';

const tmp = mkdtempSync(join(tmpdir(), 'secret-retire-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the verifier attributes a match to the secret version that matched', () => {
  const sully = findProvider('sully')!;
  const route: ProviderRoute = { provider: sully, secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sully-AbCdEf', queueUrl: 'https://sqs.example/q' };
  const body = JSON.stringify({ type: 'note_generation.succeeded', data: { id: 'note_1' } });

  it('a request signed with the old secret right after a rotation matches the cached "current" key, and is counted under the old version id', async () => {
    let clock = T0;
    const stages: Record<VersionStage, SecretVersion | undefined> = {
      AWSCURRENT: { value: OLD, versionId: OLD_ID, createdAt: new Date(T0 - 60 * MINUTE) },
      AWSPREVIOUS: undefined,
    };
    const cache = new SecretCache({ fetchVersion: async (_id, stage) => stages[stage], rotationGraceMs: 72 * 60 * MINUTE, now: () => clock });
    const run = (secret: string) => authenticate(route, signPairs('x-sully-signature', secret, body, Math.floor(clock / 1000)), Buffer.from(body), clock / 1000, cache);
    expect(await run(OLD)).toMatchObject({ verdict: { ok: true, matched: 'current' }, secretVersionId: OLD_ID });

    // ops secret rotate: PutSecretValue moves AWSCURRENT to the new version, AWSPREVIOUS to the old one.
    stages.AWSPREVIOUS = stages.AWSCURRENT;
    stages.AWSCURRENT = { value: NEW, versionId: NEW_ID, createdAt: new Date(T0 + 1_000) };
    clock = T0 + 2_000;

    // The cache still holds the old keys: the stage says "current", the version id says which secret.
    expect(await run(OLD)).toMatchObject({ verdict: { ok: true, matched: 'current' }, secretVersionId: OLD_ID });
    // A mismatch refreshes the cache; from then on the stages are right too, and the ids the same.
    expect(await run(NEW)).toMatchObject({ verdict: { ok: true, matched: 'current' }, secretVersionId: NEW_ID });
    expect(await run(OLD)).toMatchObject({ verdict: { ok: true, matched: 'previous' }, secretVersionId: OLD_ID });
  });
});

const emf = (provider: string, at: number, versionId: string) => JSON.stringify({
  _aws: { Timestamp: at, CloudWatchMetrics: [{ Namespace: 'WebhookReceiver', Dimensions: [['provider', 'secretVersionId']], Metrics: [{ Name: 'SecretVersionMatched', Unit: 'Count' }] }] },
  provider, secretVersionId: versionId, SecretVersionMatched: 1,
});

describe('matches by version, from the local verifier log', () => {
  it("counts the provider's SecretVersionMatched records per version from a time on", () => {
    const log = join(tmp, 'verifier.log');
    writeFileSync(log, [
      emf('sully', T0 - MINUTE, OLD_ID), // before the rotation: the old version was current then
      emf('sully', T0 + MINUTE, OLD_ID),
      emf('sully', T0 + 6 * MINUTE, NEW_ID),
      emf('stripe', T0 + 6 * MINUTE, OLD_ID),
      '{"level":"INFO","message":"webhook answered","provider":"sully","secretVersionId":"' + OLD_ID + '"}',
      '{"_aws": broken',
    ].join('\n'));

    const series = localVersionMatches(log, 'sully', [NEW_ID, OLD_ID], new Date(T0)) as VersionMatchSeries;
    expect(matchesFrom(series, OLD_ID, T0)).toEqual({ count: 1, last: new Date(T0 + MINUTE) });
    expect(matchesFrom(series, NEW_ID, T0 + 5 * MINUTE).count).toBe(1);
    expect(matchesFrom(series, OLD_ID, T0 + 5 * MINUTE).count).toBe(0);
    expect(localVersionMatches(join(tmp, 'missing.log'), 'sully', [OLD_ID], new Date(T0))).toEqual({ unavailable: `no verifier log yet (${join(tmp, 'missing.log')})` });
  });

  it('a CloudWatch minute that straddles a time counts from it (errs towards refusing)', () => {
    const series: VersionMatchSeries = { points: new Map([[OLD_ID, [{ at: T0 + 4 * MINUTE + 0, count: 2 }]]]), widthMs: MINUTE, source: 'CloudWatch metrics' };
    expect(matchesFrom(series, OLD_ID, T0 + 4 * MINUTE + 30_000).count).toBe(2);
    expect(matchesFrom(series, OLD_ID, T0 + 5 * MINUTE).count).toBe(0);
  });
});

describe('ops secret retire decides on version matches since every verifier could have refreshed', () => {
  const window = rotationWindow(new Date(T0), 72);
  const series = (points: Record<string, number[]>): VersionMatchSeries => ({
    points: new Map(Object.entries(points).map(([id, ats]) => [id, ats.map((at) => ({ at, count: 1 }))])),
    widthMs: 1,
    source: 'the local verifier log (EMF metric lines)',
  });
  const decide = (points: Record<string, number[]>, now: number) => retireDecision(tallyRotation(series(points), window, NEW_ID, OLD_ID), now);

  it('the safe window starts one secret cache TTL (5 minutes) after the rotation', () => {
    expect(SECRET_CACHE_TTL_MS).toBe(5 * MINUTE);
    expect(window.safeFrom).toEqual(new Date(T0 + 5 * MINUTE));
    expect(window.graceEnds).toEqual(new Date(T0 + 72 * 60 * MINUTE));
  });

  it('refuses before the safe window, saying when it will be safe, even when only the new version matched', () => {
    const decision = decide({ [NEW_ID]: [T0 + MINUTE], [OLD_ID]: [T0 + 2 * MINUTE] }, T0 + 3 * MINUTE);
    expect(decision).toMatchObject({ retire: false, safeAt: new Date(T0 + 5 * MINUTE) });
    expect(decision.retire || decision.why).toMatch(/^the rotation \(2026-01-01 00:00:00Z\) is less than 5 minutes old: .*; 1 request\(s\) since the rotation matched the previous version 1111/);
    expect(decision.retire || decision.then).toBe(`It is safe to retire from 2026-01-01 00:05:00Z if no request after that time matches version ${OLD_ID}: run retire again then`);
    expect(decide({ [NEW_ID]: [T0 + MINUTE] }, T0 + 4 * MINUTE)).toMatchObject({ retire: false });
  });

  it('refuses while the previous version matched after the safe window began, until the grace window ends', () => {
    const points = { [NEW_ID]: [T0 + 6 * MINUTE], [OLD_ID]: [T0 + 7 * MINUTE] };
    const decision = decide(points, T0 + 10 * MINUTE);
    expect(decision).toMatchObject({ retire: false, safeAt: window.graceEnds });
    expect(decision.retire || decision.why).toBe(`1 request(s) since 2026-01-01 00:05:00Z (when every verifier had the rotated secret) matched the previous version ${OLD_ID}, ` +
      'the last before 2026-01-01 00:07:00Z: the sender still signs with the old secret');
    expect(decision.retire || decision.then).toContain('retire proceeds (at the latest when the grace window ends at 2026-01-04 00:00:00Z');
    expect(decide(points, window.graceEnds.getTime())).toEqual({ retire: true });
  });

  it('a sender that switched late (rotated here first, then at the sender): retires once the current version matched after the last previous match and 15 quiet minutes passed', () => {
    const points = { [OLD_ID]: [T0 + 6 * MINUTE, T0 + 40 * MINUTE], [NEW_ID]: [T0 + 41 * MINUTE, T0 + 50 * MINUTE] };
    const early = decide(points, T0 + 50 * MINUTE);
    expect(early).toMatchObject({ retire: false, safeAt: new Date(T0 + 55 * MINUTE) });
    expect(early.retire || early.why).toBe(`the sender switched: version ${OLD_ID} matched last before 2026-01-01 00:40:00Z, version ${NEW_ID} after it, ` +
      'less than 15 minutes ago: a sender\'s other instances may still sign with the old secret');
    expect(decide(points, T0 + 55 * MINUTE)).toEqual({ retire: true, note: `the sender switched: version ${OLD_ID} matched last before 2026-01-01 00:40:00Z, version ${NEW_ID} after it` });
    // An old-version match after the new one: not switched (another instance still signs with the old secret).
    expect(decide({ ...points, [OLD_ID]: [T0 + 6 * MINUTE, T0 + 51 * MINUTE] }, T0 + 80 * MINUTE)).toMatchObject({ retire: false, safeAt: window.graceEnds });
  });

  it('retires when only the current version matched since the safe window (earlier old-version matches do not count)', () => {
    expect(decide({ [OLD_ID]: [T0 - MINUTE, T0 + 2 * MINUTE], [NEW_ID]: [T0 + 6 * MINUTE] }, T0 + 10 * MINUTE)).toEqual({ retire: true });
  });

  it('retires with a note when nothing matched since the safe window; refuses when the matches cannot be read', () => {
    expect(decide({}, T0 + 10 * MINUTE)).toEqual({ retire: true, note: 'no request since 2026-01-01 00:05:00Z matched either version: nothing shows yet that the sender switched' });
    expect(retireDecision({ window, unavailable: 'CloudWatch metrics could not be read (AccessDenied)' }, T0 + 10 * MINUTE)).toMatchObject({
      retire: false, why: 'which secret requests matched could not be read (CloudWatch metrics could not be read (AccessDenied))',
    });
  });
});
