/**
 * ClaimLedger against dynalite: the exact item written by a claim, and the conditions that keep a slow verifier
 * from undoing others' work (release and mark are tied to the claim token and to the `received` status).
 */
import { DynamoDBClient, GetItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventKey } from '../../lambdas/contract/ledger-keys.ts';
import { ClaimLedger, type Claimed, type ClaimRequest } from '../../lambdas/verifier/claim-ledger.ts';
import { adminClientConfig, createLedgerTable, startDynalite, type StandIn } from '../support/stand-ins.ts';

const TABLE = 'ledger';
const NOW = Date.parse('2026-01-01T00:00:00Z');
/** The lease this file's ledger is built with: the CLAIM_LEASE_SECONDS default (test/verifier/claim-lease.test.ts). */
const LEASE_MS = 30_000;
let dynaliteServer: StandIn;
let client: DynamoDBClient;
let ledger: ClaimLedger;
let n = 0;

const request = (overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({
  provider: 'sully',
  dedupeKey: `note_generation.succeeded:note_${++n}`,
  eventType: 'note_generation.succeeded',
  bodySha256: 'a'.repeat(64),
  bodyBytes: 123,
  now: NOW,
  ...overrides,
});

async function item(dedupeKey: string, provider = 'sully'): Promise<Record<string, AttributeValue> | undefined> {
  const key = eventKey(provider, dedupeKey);
  return (await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true }))).Item;
}

async function setStatus(dedupeKey: string, status: string): Promise<void> {
  const key = eventKey('sully', dedupeKey);
  await client.send(
    new UpdateItemCommand({
      TableName: TABLE,
      Key: { pk: { S: key.pk }, sk: { S: key.sk } },
      UpdateExpression: 'SET #s = :s',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': { S: status } },
    }),
  );
}

async function claimed(req: ClaimRequest): Promise<Claimed> {
  const result = await ledger.claim(req);
  if (result.outcome !== 'claimed') throw new Error(`expected a claim, got ${result.outcome}`);
  return result;
}

beforeAll(async () => {
  dynaliteServer = await startDynalite();
  client = new DynamoDBClient(adminClientConfig(dynaliteServer.endpoint));
  await createLedgerTable(client, TABLE);
  ledger = new ClaimLedger(client, TABLE, 30, LEASE_MS);
});

afterAll(async () => {
  await dynaliteServer?.stop();
});

describe('claim', () => {
  it('writes the contract attributes on the sharded key', async () => {
    const req = request();
    const claim = await claimed(req);

    const stored = await item(req.dedupeKey);
    expect(claim.key).toEqual(eventKey('sully', req.dedupeKey));
    expect(claim.key.pk).toMatch(/^EVT#sully#[0-9a-f]$/);
    expect(stored).toEqual({
      pk: { S: claim.key.pk },
      sk: { S: req.dedupeKey },
      provider: { S: 'sully' },
      dedupeKey: { S: req.dedupeKey },
      eventType: { S: 'note_generation.succeeded' },
      status: { S: 'received' },
      bodySha256: { S: req.bodySha256 },
      bodyBytes: { N: '123' },
      receivedAt: { S: '2026-01-01T00:00:00.000Z' },
      leaseUntil: { N: String(NOW + LEASE_MS) },
      claimToken: { S: claim.claimToken },
      claims: { N: '1' },
      expiresAt: { N: String(NOW / 1000 + 30 * 86_400) },
    });
  });

  it('is in flight until the lease passes, then taken over with claims and conflicts carried', async () => {
    // Prepare: a claim for body A that already counted two conflicts
    const req = request();
    const first = await claimed(req);
    const key = eventKey('sully', req.dedupeKey);
    await client.send(
      new UpdateItemCommand({ TableName: TABLE, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, UpdateExpression: 'SET conflicts = :c', ExpressionAttributeValues: { ':c': { N: '2' } } }),
    );

    // Act
    const during = await ledger.claim({ ...req, now: NOW + LEASE_MS - 1 });
    const sameInstant = await ledger.claim({ ...req, now: NOW + LEASE_MS });
    const after = await ledger.claim({ ...req, bodySha256: 'b'.repeat(64), now: NOW + LEASE_MS + 1 });

    // Assess
    expect(during).toMatchObject({ outcome: 'in-flight', conflict: false });
    expect(sameInstant.outcome).toBe('in-flight');
    expect(after).toMatchObject({ outcome: 'claimed', claims: 2, conflicts: 3, conflict: true });
    expect((after as Claimed).claimToken).not.toBe(first.claimToken);
  });

  it('holds the lease it was built with (CLAIM_LEASE_SECONDS)', async () => {
    // Prepare: a ledger with a 45 s lease
    const longer = new ClaimLedger(client, TABLE, 30, 45_000);
    const req = request();

    // Act
    const claim = await longer.claim(req);
    const leaseUntil = (await item(req.dedupeKey))?.leaseUntil;
    const atDefaultLease = await longer.claim({ ...req, now: NOW + LEASE_MS + 1 });
    const justBefore = await longer.claim({ ...req, now: NOW + 45_000 });
    const after = await longer.claim({ ...req, now: NOW + 45_001 });

    // Assess
    expect(claim.outcome).toBe('claimed');
    expect(leaseUntil).toEqual({ N: String(NOW + 45_000) });
    expect(atDefaultLease.outcome).toBe('in-flight');
    expect(justBefore.outcome).toBe('in-flight');
    expect(after).toMatchObject({ outcome: 'claimed', claims: 2 });
    expect((await item(req.dedupeKey))?.leaseUntil).toEqual({ N: String(NOW + 45_001 + 45_000) });
  });

  it.each(['enqueued', 'processed', 'failed'])('is a duplicate once the entry is %s, and reports a different body', async (status) => {
    const req = request();
    await claimed(req);
    await setStatus(req.dedupeKey, status);

    expect(await ledger.claim({ ...req, now: NOW + 10 * LEASE_MS })).toMatchObject({ outcome: 'duplicate', conflict: false });
    expect(await ledger.claim({ ...req, bodySha256: 'c'.repeat(64) })).toMatchObject({ outcome: 'duplicate', conflict: true });
  });
});

describe('signedAt: the signed timestamp, for ops replay', () => {
  it.each([
    ['suki (milliseconds)', 'suki', '1774000000123', 'ms', '1774000000123'],
    ['stripe (seconds)', 'stripe', '1767225600', 's', '1767225600000'],
    ['standard-webhooks (seconds)', 'standard-webhooks', '1767225600', 's', '1767225600000'],
  ] as const)('is stored in epoch ms for %s', async (_name, provider, signedTimestamp, timestampUnit, stored) => {
    const req = request({ provider, signedTimestamp, timestampUnit });
    await claimed(req);
    expect((await item(req.dedupeKey, provider))?.signedAt).toEqual({ N: stored });
  });

  it('is absent when the provider signs no timestamp, or the value is not unix digits', async () => {
    const unsigned = request({ provider: 'github' });
    const noUnit = request({ signedTimestamp: '1767225600' });
    const odd = request({ signedTimestamp: '2026-01-01T00:00:00Z', timestampUnit: 's' });
    for (const req of [unsigned, noUnit, odd]) await claimed(req);
    expect((await item(unsigned.dedupeKey, 'github'))).not.toHaveProperty('signedAt');
    expect((await item(noUnit.dedupeKey))).not.toHaveProperty('signedAt');
    expect((await item(odd.dedupeKey))).not.toHaveProperty('signedAt');
  });

  it('is the taking-over claim\'s after a lease expired (the request whose envelope is enqueued)', async () => {
    const req = request({ provider: 'stripe', signedTimestamp: '1767225600', timestampUnit: 's' });
    await claimed(req);
    await claimed({ ...req, signedTimestamp: '1767225660', now: NOW + LEASE_MS + 1 });
    expect((await item(req.dedupeKey, 'stripe'))?.signedAt).toEqual({ N: '1767225660000' });
  });
});

describe('release', () => {
  it('deletes only its own claim', async () => {
    const req = request();
    const claim = await claimed(req);

    expect(await ledger.release(claim.key, 'someone-else')).toBe(false);
    expect(await item(req.dedupeKey)).toBeDefined();
    expect(await ledger.release(claim.key, claim.claimToken)).toBe(true);
    expect(await item(req.dedupeKey)).toBeUndefined();
  });

  it('never deletes an entry that moved on', async () => {
    const req = request();
    const claim = await claimed(req);
    await setStatus(req.dedupeKey, 'enqueued');
    expect(await ledger.release(claim.key, claim.claimToken)).toBe(false);
    expect(await item(req.dedupeKey)).toBeDefined();
  });
});

describe('markEnqueued', () => {
  it('records the message and the claim-check key', async () => {
    const req = request();
    const claim = await claimed(req);

    expect(await ledger.markEnqueued(claim, { messageId: 'm-1', claimCheckKey: 'sully/2026-01-01/abc', now: NOW + 50 })).toBe(true);

    expect(await item(req.dedupeKey)).toMatchObject({
      status: { S: 'enqueued' },
      messageId: { S: 'm-1' },
      enqueuedAt: { S: '2026-01-01T00:00:00.050Z' },
      claimCheckKey: { S: 'sully/2026-01-01/abc' },
    });
  });

  it('never moves a processed entry back (the processor marked first)', async () => {
    const req = request();
    const claim = await claimed(req);
    await setStatus(req.dedupeKey, 'processed');

    expect(await ledger.markEnqueued(claim, { messageId: 'm-2', now: NOW })).toBe(false);
    expect((await item(req.dedupeKey))?.status).toEqual({ S: 'processed' });
  });

  it('does nothing once another claim took over', async () => {
    const req = request();
    const stale = await claimed(req);
    await claimed({ ...req, now: NOW + LEASE_MS + 1 });

    expect(await ledger.markEnqueued(stale, { messageId: 'm-3', now: NOW })).toBe(false);
    expect((await item(req.dedupeKey))?.status).toEqual({ S: 'received' });
  });
});

describe('countConflict', () => {
  it('adds one to the existing entry and never creates one', async () => {
    const req = request();
    const claim = await claimed(req);
    await ledger.countConflict(claim.key);
    await ledger.countConflict(claim.key);
    expect((await item(req.dedupeKey))?.conflicts).toEqual({ N: '2' });

    const missing = eventKey('sully', 'never-claimed');
    await ledger.countConflict(missing);
    expect(await item('never-claimed')).toBeUndefined();
  });

});
