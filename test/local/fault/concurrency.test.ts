/**
 * Concurrency, in CI: 50 identical deliveries of one event at once (the same signed bytes and headers, as a
 * sender's retry storm or a duplicating proxy would produce) → exactly one SendMessage the SQS stand-in
 * accepted, exactly one processed transition, one 202, and every other answer 200 (duplicate) or 409 (in
 * flight). Run for a provider of each kind of dedupe key: a body id with a signed timestamp (sully), a body
 * id without a timestamp (solatis), and a header id (standard-webhooks). The verifier runs 16 environments,
 * so the claims really race. The enqueue count comes from the fault-injection proxy (LOCAL_FAULTS=1, all up).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../e2e/support/local-stack.ts';
import { signedRequest } from '../e2e/support/webhooks.ts';
import { eventId, FaultStack } from './support/stack.ts';

const PARALLEL = 50;

describe(`${PARALLEL} identical deliveries in parallel`, () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await FaultStack.start({ env: { LOCAL_VERIFIER_CONCURRENCY: '16', LOCAL_VISIBILITY_TIMEOUT_SECONDS: '2' }, maxSockets: 128 });
    // Warm 16 verifier environments (cold starts and secret fetches out of the way), so the 50 race for real.
    const warm = Array.from({ length: 16 }, (_, i) => signedRequest(stack.providers[i % stack.providers.length]!, stack.secrets[stack.providers[i % stack.providers.length]!]!.current));
    const answers = await Promise.all(warm.map((r) => stack.client.send({ path: `/webhooks/${r.providerId}`, headers: r.headers, body: r.body })));
    expect(answers.map((a) => a.status)).toEqual(warm.map(() => 202));
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it.each(['sully', 'solatis', 'standard-webhooks'])('%s: one enqueued, one processed, one 202, the rest 200 or 409', async (id) => {
    const request = signedRequest(id, stack.secrets[id]!.current);
    const answers = await Promise.all(Array.from({ length: PARALLEL }, () =>
      stack.client.send({ path: `/webhooks/${id}`, headers: request.headers, body: request.body, timeoutMs: 30_000 })));
    const statuses = answers.map((a) => a.status ?? a.error);
    const counts = Object.fromEntries([...new Set(statuses)].map((s) => [String(s), statuses.filter((x) => x === s).length]));
    console.log(`[concurrency] ${id}: ${PARALLEL} identical deliveries → ${JSON.stringify(counts)}`);
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.every((s) => s === 202 || s === 200 || s === 409)).toBe(true);

    const key = eventId(id, request.dedupeKey);
    await eventually(`${id} processed`, async () => ((await stack.ledger()).get(key)?.status === 'processed' ? true : undefined), 20_000, 100);
    // Long enough for a second message to have been delivered had there been one (visibility 2 s).
    await eventually('queues empty', async () => ((await stack.depths()).queued === 0 ? true : undefined), 20_000, 100);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const sends = (await stack.enqueued()).filter((r) => r.scope === 'verifier' && eventId(r.provider, r.dedupeKey) === key);
    expect(sends).toHaveLength(1);
    const logs = stack.processorLogs();
    expect(logs.processed.get(key)).toBe(1);
    expect(logs.duplicates.get(key) ?? 0).toBe(0);
    const entry = (await stack.ledger()).get(key)!;
    expect(entry).toMatchObject({ status: 'processed', claims: 1 });

    // And a later replay is a plain duplicate.
    const replay = await stack.client.send({ path: `/webhooks/${id}`, headers: request.headers, body: request.body });
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.body)).toEqual({ status: 'duplicate' });
  });
});
