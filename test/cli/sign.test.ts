/**
 * `ops sign` as a subprocess: its headers equal those of independent signers for every provider, and
 * with default options they round-trip through `ops verify`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { firstLine, leaks, ops, PHI, secretFile, tempDir, vectors, type Vector } from './helpers.ts';

const now = Math.floor(Date.now() / 1000);
const tmp = tempDir('ops-sign-');
afterAll(() => tmp.remove());

const lowerNames = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

/** Options that make `ops sign` reproduce the vector exactly: its time, message id and event type. */
function pinned(v: Vector): string[] {
  const args: string[] = [];
  if (v.timestamp !== undefined) args.push('--timestamp', String(now));
  if (v.id !== undefined) args.push('--id', v.id);
  if (v.provider === 'github') args.push('--event', v.eventType);
  return args;
}

describe.concurrent('sign prints the same headers as an independent signer', () => {
  // ops sign takes whole seconds, so Suki's independent vector is made at a whole second too.
  it.for(vectors(now, { sukiExtraMs: 0 }))('$provider', async (v, { expect }) => {
    const body = tmp.write(`${v.provider}.body`, v.body);
    const run = await ops(['sign', '--provider', v.provider, ...secretFile(tmp, v.secret), '--body-file', body, ...pinned(v)]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(lowerNames(v.headers));
    expect(run.stdout).not.toContain(v.secret);
    expect(run.stdout).not.toContain(PHI);
  });
});

describe.concurrent('sign with the default time and id round-trips through verify', () => {
  const cases = vectors(now).filter((v) => ['suki', 'standard-webhooks', 'github', 'stripe'].includes(v.provider));

  it.for(cases)('$provider', async (v, { expect }) => {
    const body = tmp.write(`roundtrip-${v.provider}.body`, v.body);
    const event = v.provider === 'github' ? ['--event', 'push'] : [];
    const signed = await ops(['sign', '--provider', v.provider, ...secretFile(tmp, v.secret), '--body-file', body, ...event]);
    expect(signed.code).toBe(0);
    const sent = JSON.parse(signed.stdout) as Record<string, string>;
    const headers = tmp.write(`roundtrip-${v.provider}.headers.json`, signed.stdout);

    const run = await ops(['verify', '--provider', v.provider, ...secretFile(tmp, v.secret), '--body-file', body, '--headers-file', headers]);

    // Default message ids are random: for id-keyed providers the dedupe key is the id that sign chose.
    const key = { github: sent['x-github-delivery'], 'standard-webhooks': sent['webhook-id'] }[v.provider] ?? v.dedupeKey;
    const type = v.provider === 'github' ? 'push' : v.eventType;
    expect(key).toMatch(/^[\x21-\x7e]{8,}$/);
    expect(run.code).toBe(0);
    expect(firstLine(run.stdout)).toBe(`valid: matched the current secret; event type ${type}; dedupe key ${key}`);
    expect(leaks(run, { secret: v.secret, signature: '' })).toEqual([]);
  });
});

it('sign for github without --event is a usage error that asks for --event', async () => {
  const run = await ops(['sign', '--provider', 'github', ...secretFile(tmp, 'github-webhook-secret-0123'), '--body-file', tmp.write('github.body', 'Hello, World!')]);

  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(firstLine(run.stderr)).toBe(
    'ops sign: github sends the event type in header x-github-event: pass --event <type> (e.g. --event push)',
  );
});

describe.concurrent('the secret never comes from an argument', () => {
  const v = vectors(now, { sukiExtraMs: 0 }).find((x) => x.provider === 'stripe') as Vector;
  const body = tmp.write('secret-sources.body', v.body);
  const expected = lowerNames(v.headers);
  const pin = ['--timestamp', String(now)];

  for (const args of [['--secret', v.secret], [`--secret=${v.secret}`]]) {
    it(`refuses ${args[0]!.split('=')[0]} <value> with exit 2, says how to pass it, and does not echo it`, async ({ expect }) => {
      const run = await ops(['sign', '--provider', 'stripe', ...args, '--body-file', body, ...pin]);

      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(firstLine(run.stderr)).toBe(
        'ops sign: --secret: secret values are never taken as arguments (they land in shell history and process lists); ' +
          'give --secret-file <path> (a file only you can read), pipe it with --secret-stdin (or --secret-file -), or set WEBHOOK_SECRET',
      );
      expect(run.stderr).not.toContain(v.secret);
    });
  }

  it('reads it from --secret-stdin, --secret-file - and WEBHOOK_SECRET alike', async ({ expect }) => {
    const runs = await Promise.all([
      ops(['sign', '--provider', 'stripe', '--secret-stdin', '--body-file', body, ...pin], { input: `${v.secret}\n` }),
      ops(['sign', '--provider', 'stripe', '--secret-file', '-', '--body-file', body, ...pin], { input: v.secret }),
      ops(['sign', '--provider', 'stripe', '--body-file', body, ...pin], { env: { WEBHOOK_SECRET: v.secret } }),
    ]);
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(expected);
    }
  });

  it('without any source: exit 2, names the ways to give one', async ({ expect }) => {
    const run = await ops(['sign', '--provider', 'stripe', '--body-file', body]);

    expect(run.code).toBe(2);
    expect(firstLine(run.stderr)).toBe(
      'ops sign: no signing secret: give --secret-file <path> (a file only you can read), pipe it with --secret-stdin (or --secret-file -), or set WEBHOOK_SECRET',
    );
  });

  it('refuses a secret shorter than the scheme allows, without echoing it', async ({ expect }) => {
    const short = await ops(['sign', '--provider', 'stripe', '--body-file', body], { env: { WEBHOOK_SECRET: 'whsec_x' } });
    expect(short.code).toBe(2);
    expect(firstLine(short.stderr)).toMatch(/^ops sign: stripe secret is too short: 7 bytes, at least 16 are required/);

    const sw = await ops(['sign', '--provider', 'standard-webhooks', '--body-file', body], { env: { WEBHOOK_SECRET: 'whsec_QQ==' } }); // 1 byte
    expect(sw.code).toBe(2);
    expect(firstLine(sw.stderr)).toMatch(/^ops sign: standard-webhooks secret is too short: its base64 decodes to 1 bytes, at least 24 are required/);
  });
});
