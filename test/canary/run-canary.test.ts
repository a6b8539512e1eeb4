/**
 * The canary's hop logic (lambdas/canary/run-canary.ts), shared by the scheduled function and `ops canary`:
 * it signs with the secret it is given, as the verifier checks it, names the first hop that fails, and
 * reports nothing secret. The whole path against the local stack: test/local/oncall/dlq.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { generateSecret } from '../../ops/local-target.ts';
import { prepareKeys } from '../../lambdas/domain/keys.ts';
import { verify } from '../../lambdas/domain/verification.ts';
import { canaryUrl, runCanary, type CanaryDeps, type CanaryLedgerEntry } from '../../lambdas/canary/run-canary.ts';
import { findProvider } from '../../providers/index.ts';

const SECRET = generateSecret();
const canary = findProvider('canary')!;

/** A fake clock that the sleeps advance, and a ledger that shows the given entries one read after another. */
function deps(over: Partial<CanaryDeps> & { ledger?: (CanaryLedgerEntry | undefined)[]; status?: number } = {}): CanaryDeps & { posted: { url: string; headers: Record<string, string>; body: Buffer }[] } {
  let now = 1_767_225_600_000;
  const reads = [...(over.ledger ?? [])];
  const posted: { url: string; headers: Record<string, string>; body: Buffer }[] = [];
  return {
    url: 'https://hooks.example.com/',
    readSecret: async () => SECRET,
    post: async (url, headers, body) => {
      posted.push({ url, headers, body });
      now += 40;
      return { status: over.status ?? 202, text: '{"status":"accepted"}' };
    },
    readLedger: async () => (reads.length > 1 ? reads.shift() : reads[0]),
    waitMs: 5_000,
    pollMs: 250,
    now: () => now,
    sleep: async (ms) => void (now += ms),
    ...over,
    posted,
  };
}

const processed: CanaryLedgerEntry = {
  status: 'processed', receivedAt: '2026-01-01T00:00:00.020Z', enqueuedAt: '2026-01-01T00:00:00.030Z',
  processedAt: '2026-01-01T00:00:00.300Z', attempts: 1, outcome: 'accepted-not-processed',
};

describe('runCanary', () => {
  it('signs a canary.ping the verifier accepts, posts it to <url>webhooks/canary and waits for processed', async () => {
    const d = deps({ ledger: [undefined, { status: 'enqueued', receivedAt: processed.receivedAt, enqueuedAt: processed.enqueuedAt }, processed] });
    const result = await runCanary(d);

    expect(result.ok).toBe(true);
    expect(result.hops.map((h) => [h.hop, h.ok])).toEqual([['sign', true], ['post', true], ['received', true], ['enqueued', true], ['processed', true]]);
    expect(result.hops.map((h) => h.atMs)).toEqual([0, 40, 20, 30, 300]);
    expect(result.latencyMs).toBe(540); // 40 ms POST, two 250 ms polls
    const [{ url, headers, body }] = d.posted as [typeof d.posted[0]];
    expect(url).toBe('https://hooks.example.com/webhooks/canary');
    const verdict = verify(canary, headers, body, prepareKeys(canary, { current: SECRET }), 1_767_225_600);
    expect(verdict).toMatchObject({ ok: true, eventType: 'canary.ping', dedupeKey: result.dedupeKey });
    // Nothing secret in what it reports.
    const text = JSON.stringify(result);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(headers['webhook-signature']!);
  });

  it('fails at sign when the secret cannot be read or used', async () => {
    const unreadable = await runCanary(deps({ readSecret: async () => { throw Object.assign(new Error('AccessDenied: arn:...'), { name: 'AccessDeniedException' }); } }));
    expect(unreadable).toMatchObject({ ok: false, failedHop: 'sign' });
    expect(unreadable.hops[0]!.detail).toBe('cannot read or use the canary secret: AccessDeniedException');
    expect(unreadable.hops.slice(1).map((h) => h.ok)).toEqual([undefined, undefined, undefined, undefined]);
    expect((await runCanary(deps({ readSecret: async () => 'whsec_c2hvcnQ=' }))).failedHop).toBe('sign');
  });

  it('fails at post on a non-2xx answer or no answer, saying what the status means', async () => {
    const rejected = await runCanary(deps({ status: 401 }));
    expect(rejected).toMatchObject({ ok: false, failedHop: 'post' });
    expect(rejected.hops[1]!.detail).toMatch(/^HTTP 401 .*the verifier rejected the signature/);
    const unreachable = await runCanary(deps({ post: async () => { throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }); } }));
    expect(unreachable.failedHop).toBe('post');
    expect(unreachable.hops[1]!.detail).toMatch(/no answer from https:\/\/hooks\.example\.com\/webhooks\/canary: TypeError \(ENOTFOUND\)/);
  });

  it('fails at received, enqueued or processed when the ledger stops there within the wait', async () => {
    expect((await runCanary(deps({ ledger: [undefined] }))).failedHop).toBe('received');
    const spooled = await runCanary(deps({ ledger: [{ status: 'spooled', receivedAt: processed.receivedAt }] }));
    expect(spooled.failedHop).toBe('enqueued');
    expect(spooled.hops[3]!.detail).toMatch(/status spooled after waiting 5 s \(SQS refused it/);
    const stuck = await runCanary(deps({ ledger: [{ status: 'enqueued', enqueuedAt: processed.enqueuedAt, attempts: 2, lastError: 'FailureDrillError: drill' }] }));
    expect(stuck).toMatchObject({ ok: false, failedHop: 'processed' });
    expect(stuck.hops[4]!.detail).toBe('not processed after waiting 5 s: status enqueued, 2 attempts, last error: FailureDrillError: drill');
  });

  it('stops waiting as soon as the processor gave up (failed)', async () => {
    const d = deps({ ledger: [{ status: 'failed', enqueuedAt: processed.enqueuedAt, attempts: 2 }], waitMs: 600_000 });
    const result = await runCanary(d);
    expect(result.failedHop).toBe('processed');
    expect(result.hops[4]!.detail).toMatch(/^the processor gave up \(dead-lettered\)/);
    expect(result.hops[4]!.atMs).toBeLessThan(1_000);
  });

  it('takes a base URL or the full route', () => {
    expect(canaryUrl('https://abc.execute-api.eu-west-1.amazonaws.com/')).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/webhooks/canary');
    expect(canaryUrl('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000/webhooks/canary');
    expect(canaryUrl('https://hooks.example.com/webhooks/canary/')).toBe('https://hooks.example.com/webhooks/canary');
  });
});
