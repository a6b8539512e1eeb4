/**
 * `ops sign` as a subprocess: its headers equal those of independent signers for every provider, and
 * with default options they round-trip through `ops verify`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { firstLine, leaks, ops, PHI, tempDir, vectors, type Vector } from './helpers.ts';

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
    const run = await ops(['sign', '--provider', v.provider, '--secret', v.secret, '--body-file', body, ...pinned(v)]);

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
    const signed = await ops(['sign', '--provider', v.provider, '--secret', v.secret, '--body-file', body, ...event]);
    expect(signed.code).toBe(0);
    const sent = JSON.parse(signed.stdout) as Record<string, string>;
    const headers = tmp.write(`roundtrip-${v.provider}.headers.json`, signed.stdout);

    const run = await ops(['verify', '--provider', v.provider, '--secret', v.secret, '--body-file', body, '--headers-file', headers]);

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
  const run = await ops(['sign', '--provider', 'github', '--secret', 's', '--body-file', tmp.write('github.body', 'Hello, World!')]);

  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(firstLine(run.stderr)).toBe(
    'ops sign: github sends the event type in header x-github-event: pass --event <type> (e.g. --event push)',
  );
});
