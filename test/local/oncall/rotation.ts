/**
 * The rotation scenario shared by secret.moto.test.ts and secret.stand-in.test.ts (the local stack's Secrets
 * Manager is moto_server or the runner's own stand-in): `ops secret rotate` keeps both secrets working
 * inside the grace window, `ops secret status` says so, counting matches by Secrets Manager version id (a
 * request signed with the old secret right after the rotation matches the verifier's cached "current" key,
 * and is still counted under the old version), `ops secret retire` refuses until every verifier could have
 * fetched the new secret and, forced, leaves only the current one: a signature with the old secret is then
 * refused. (Retire's other refusal, the previous version matched after that, would need a 5-minute wait:
 * test/oncall/units.test.ts covers it.)
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../../local/runtime-files.ts';
import { eventually, ops, send, Sensitive, signedRequest, startOncallStack, type OncallStack, type Run } from './support.ts';

const PROVIDER = 'sully';
const GRACE_HOURS = 72;

export function rotationScenario(mode: 'moto' | 'stand-ins'): void {
  const sensitive = new Sensitive();
  let oncall: OncallStack;
  let oldSecret: string;
  let oldVersion: string;
  let newVersion: string;
  let rotatedAt: number;
  const newSecret = sensitive.add(generateSecret());
  const outputs: string[] = [];
  const run = async (args: string[], input?: string): Promise<Run> => {
    const result = await ops(args, { env: oncall.env, ...(input !== undefined ? { input } : {}) });
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const status = async () => {
    const result = await run(['secret', 'status', '--provider', PROVIDER, '--local', '--json']);
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as {
      versions: { id: string; stages: string[]; createdAt: string }[];
      grace: { hours: number; previousAccepted: boolean; previousAcceptedUntil?: string; source: string };
      recent: { current: number; previous: number; signatureFailures: number; source: string };
      rotation?: {
        rotatedAt: string; safeFrom: string;
        current: { id: string; sinceRotation: number; sinceSafe: number }; previous: { id: string; sinceRotation: number; sinceSafe: number };
        retire: { allowed: boolean; why?: string; safeAt?: string };
      };
      advice: string;
    };
  };
  /** The verifier's `webhook answered` log lines for the provider (Powertools JSON; bodies are never in them). */
  const answered = () => readFileSync(join(oncall.stateDir, 'logs', 'verifier.log'), 'utf8').split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"webhook answered"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['provider'] === PROVIDER);
  const post = async (secret: string) => {
    const request = signedRequest(PROVIDER, secret, { note: sensitive.marker() });
    sensitive.add(request.signature);
    return (await send(oncall.stack.url, request)).status;
  };
  const fileSecrets = () => (JSON.parse(readFileSync(oncall.secretsFile, 'utf8')) as Record<string, { current: string; previous?: string }>)[PROVIDER];

  describe(`ops secret rotate, status and retire (local stack, Secrets Manager: ${mode})`, () => {
    beforeAll(async () => {
      oncall = await startOncallStack({ prefix: `oncall-secret-${mode}-`, sensitive, env: { LOCAL_USE_MOTO: mode === 'moto' ? '1' : '0' } });
      expect(oncall.stack.runtime.secretsAndS3).toBe(mode);
      oldSecret = oncall.secrets[PROVIDER]!.current;
    }, 90_000);

    afterAll(async () => {
      await oncall?.stack.stop();
    });

    it('before: one version, AWSCURRENT; requests signed with it are accepted', async () => {
      expect(await post(oldSecret)).toBe(202);
      const before = await status();
      expect(before.versions.map((v) => v.stages)).toEqual([['AWSCURRENT']]);
      expect(before.grace).toMatchObject({ hours: GRACE_HOURS, previousAccepted: false });
    });

    it('rotate (value on stdin) stores AWSCURRENT, keeps AWSPREVIOUS, and prints when the grace window ends', async () => {
      const started = Date.now();
      const rotated = await run(['secret', 'rotate', '--provider', PROVIDER, '--local'], `${newSecret}\n`);

      expect(rotated.code).toBe(0);
      const ids = /new AWSCURRENT version (\S+); the old secret \(version (\S+)\)/.exec(rotated.stdout);
      expect(ids, rotated.stdout).not.toBeNull();
      [newVersion, oldVersion] = [ids![1]!, ids![2]!];
      const ends = /accepted until (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})Z \(72 h grace window/.exec(rotated.stdout);
      expect(ends, rotated.stdout).not.toBeNull();
      const endsAt = Date.parse(`${ends![1]!.replace(' ', 'T')}Z`);
      expect(endsAt).toBeGreaterThan(started + GRACE_HOURS * 3_600_000 - 5_000);
      expect(endsAt).toBeLessThan(Date.now() + GRACE_HOURS * 3_600_000 + 5_000);
      expect(rotated.stderr).toContain('docs/runbook.md#rotating-a-signing-secret');
      // The local secrets file follows, so ops send and a restart agree with the store.
      expect(fileSecrets()).toEqual({ current: newSecret, previous: oldSecret });
      // The runner's file watcher sees the change and finds nothing to store again: still two versions.
      await eventually('the runner read the secrets file', async () => (oncall.stack.stderr().includes(`secrets file changed: new AWSCURRENT for ${PROVIDER}`) ? true : undefined));
      const after = await status();
      expect(after.versions.map((v) => v.stages).sort()).toEqual([['AWSCURRENT'], ['AWSPREVIOUS']]);
      expect(after.grace.previousAccepted).toBe(true);
      expect(Math.abs(Date.parse(after.grace.previousAcceptedUntil!) - endsAt)).toBeLessThan(2_000);
      rotatedAt = Date.parse(after.versions.find((v) => v.stages.includes('AWSCURRENT'))!.createdAt);
    });

    it('right after rotate the old secret matches the cached keys: counted under the old version id, and retire refuses until every verifier could refresh', async () => {
      // The verifier still holds the keys it fetched for the "before" request: the old secret matches its
      // cached current key. Logged as matched: current (the stage in its cache), but with the old version's id.
      const logged = answered().length;
      expect(await post(oldSecret)).toBe(202);
      // The verifier's metric line for a request precedes its `webhook answered` line in the same log.
      await eventually('the request logged', async () => (answered().length > logged ? true : undefined));

      const refused = await run(['secret', 'retire', '--provider', PROVIDER, '--local']);

      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(new RegExp(`^ops secret retire: refused: the rotation \\(\\S+ \\S+\\) is less than 5 minutes old: .*; 1 request\\(s\\) since the rotation matched the previous version ${oldVersion}`));
      const safe = /It is safe to retire from (\S+) (\S+) if no request after that time matches version/.exec(refused.stderr);
      expect(safe, refused.stderr).not.toBeNull();
      // When: 5 minutes (the verifier's secret cache TTL) after the new version's creation, to the second.
      expect(Math.abs(Date.parse(`${safe![1]}T${safe![2]}`) - (rotatedAt + 300_000))).toBeLessThan(1_000);

      expect(answered().at(-1)).toMatchObject({ status: 202, matched: 'current', secretVersionId: oldVersion });
      const attributed = await status();
      expect(attributed.versions).toHaveLength(2);
      expect(attributed.rotation).toMatchObject({
        current: { id: newVersion, sinceRotation: 0, sinceSafe: 0 },
        previous: { id: oldVersion, sinceRotation: 1, sinceSafe: 0 },
        retire: { allowed: false },
      });
      expect(Date.parse(attributed.rotation!.safeFrom)).toBe(Date.parse(attributed.rotation!.rotatedAt) + 300_000);
      expect(attributed.advice).not.toContain('current secret only');
      expect(attributed.advice).toContain('ops secret retire refuses now');
    });

    it('inside the grace window both secrets are accepted, and status counts which one matched', async () => {
      expect(await post(newSecret)).toBe(202); // a mismatch with the cached secret refreshes the verifier's cache
      expect(await post(oldSecret)).toBe(202);
      expect(await post(newSecret)).toBe(202);
      const counted = await eventually('matches counted', async () => {
        const s = await status();
        return s.recent.previous >= 1 && s.recent.current >= 3 && s.rotation!.current.sinceRotation >= 2 ? s : undefined;
      });
      expect(counted.recent.source).toBe('the local verifier log (EMF metric lines)');
      expect(counted.rotation).toMatchObject({ current: { id: newVersion, sinceRotation: 2 }, previous: { id: oldVersion, sinceRotation: 2 } });
      expect(answered().slice(-3).map((line) => line['secretVersionId'])).toEqual([newVersion, oldVersion, newVersion]);
    });

    it('retire still refuses, and counts the requests signed with the previous version since the rotation', async () => {
      const refused = await run(['secret', 'retire', '--provider', PROVIDER, '--local']);

      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`2 request(s) since the rotation matched the previous version ${oldVersion}`);
      expect((await status()).versions).toHaveLength(2);
    });

    it('retire --force leaves only the current secret: the old one is refused (401), the new one accepted', async () => {
      const retired = await run(['secret', 'retire', '--provider', PROVIDER, '--local', '--force']);

      expect(retired.code).toBe(0);
      expect(retired.stdout).toMatch(/^retired the previous signing secret of sully \(the local stack\): version \S+ is no longer AWSPREVIOUS; only AWSCURRENT/);
      expect((await status()).versions.map((v) => v.stages)).toEqual([['AWSCURRENT']]);
      expect(fileSecrets()).toEqual({ current: newSecret });
      // Warm verifiers refresh their cache at the next mismatch, at most every 30 s (then within 5 minutes at
      // the latest): a request that matches no secret triggers it.
      await eventually('the old secret refused', async () => {
        expect(await post(sensitive.add(generateSecret()))).toBe(401);
        return (await post(oldSecret)) === 401 ? true : undefined;
      }, 60_000, 1_000);
      expect(await post(newSecret)).toBe(202);

      const again = await run(['secret', 'retire', '--provider', PROVIDER, '--local']);
      expect(again).toMatchObject({ code: 0, stdout: `the signing secret of ${PROVIDER} (the local stack) has no AWSPREVIOUS version: nothing to retire\n` });
    }, 90_000);

    it('set stores the only accepted secret, with no grace window', async () => {
      const replacement = sensitive.add(generateSecret());
      const set = await run(['secret', 'set', '--provider', PROVIDER, '--local'], replacement);

      expect(set.code).toBe(0);
      expect(set.stdout).toMatch(/^stored the signing secret of sully \(the local stack\) as AWSCURRENT, version \S+; no previous secret is accepted\n$/);
      expect((await status()).versions.map((v) => v.stages)).toEqual([['AWSCURRENT']]);
      expect(fileSecrets()).toEqual({ current: replacement });
      // (Verifiers pick it up like any change: at their next mismatch, as the retire case shows.)
    });

    it('errors: same value twice, a malformed value, no value, unknown provider', async () => {
      const current = fileSecrets()!.current;
      const same = await run(['secret', 'rotate', '--provider', PROVIDER, '--local'], current);
      expect(same.code).toBe(1);
      expect(same.stderr).toBe(`ops secret rotate: the new value is the current secret of ${PROVIDER} already: nothing changed\n`);

      const malformed = await run(['secret', 'rotate', '--provider', 'standard-webhooks', '--local'], 'whsec_not*base64!');
      expect(malformed.code).toBe(2);
      expect(malformed.stderr.split('\n')[0]).toBe('ops secret rotate: standard-webhooks new secret must be whsec_ followed by base64');

      const empty = await run(['secret', 'set', '--provider', PROVIDER, '--local'], '');
      expect(empty.code).toBe(2);
      expect(empty.stderr.split('\n')[0]).toBe('ops secret set: no secret value on stdin: pipe it on stdin or give --value-file <path>');

      const unknown = await run(['secret', 'status', '--provider', 'acme', '--local']);
      expect(unknown.code).toBe(2);
    });

    it('never printed a secret, signature or body (ops output, runner output, logs)', () => {
      expect(sensitive.foundIn(outputs.join('\n'))).toEqual([]);
      expect(sensitive.foundIn(oncall.everythingPrinted())).toEqual([]);
    });
  });
}
