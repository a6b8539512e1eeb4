/**
 * Key layout of the ledger table and its signedAt encoding (docs/architecture.md): shared by the verifier,
 * processors and ops.
 */
import { createHash } from 'node:crypto';

export type LedgerStatus = 'received' | 'enqueued' | 'spooled' | 'processed' | 'failed';

/** Sixteen shards per provider keep one provider off a single hot partition key. */
export const LEDGER_SHARDS = 16;

export interface LedgerKey {
  readonly pk: string;
  readonly sk: string;
}

export function eventKey(provider: string, dedupeKey: string): LedgerKey {
  const shard = createHash('sha256').update(dedupeKey).digest()[0]! % LEDGER_SHARDS;
  return { pk: `EVT#${provider}#${shard.toString(16)}`, sk: dedupeKey };
}

/** All partition keys holding one provider's events, for listing. */
export function eventPartitions(provider: string): string[] {
  return Array.from({ length: LEDGER_SHARDS }, (_, shard) => `EVT#${provider}#${shard.toString(16)}`);
}

export function stateKey(provider: string, resourceType: string, resourceId: string): LedgerKey {
  return { pk: `STATE#${provider}#${resourceType}`, sk: resourceId };
}

/** The unit a provider signs its timestamp in (lambdas/domain/provider.ts TimestampSpec). */
export type SignedTimestampUnit = 's' | 'ms';

/**
 * The ledger's `signedAt` (epoch ms) from a verified timestamp header value (unix digits in the provider's
 * unit); undefined when there is none or it is not plain digits (then nothing is stored).
 */
export function signedAtMillis(timestamp: string | undefined, unit: SignedTimestampUnit | undefined): number | undefined {
  if (timestamp === undefined || unit === undefined || !/^\d{1,16}$/.test(timestamp)) return undefined;
  const ms = unit === 'ms' ? Number(timestamp) : Number(timestamp) * 1000;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Back from `signedAt` to the header value the provider sent (digits in its unit), for the envelope. */
export function signedTimestampText(signedAt: number, unit: SignedTimestampUnit): string {
  return String(unit === 'ms' ? signedAt : Math.floor(signedAt / 1000));
}

/**
 * The ledger's time index (docs/architecture.md, "Ledger table"): a GSI keyed by the table's own sharded
 * partition key and `receivedAt` (ISO 8601, written by the verifier's claim and by the processor when it
 * creates an entry whose claim was bypassed), projecting only attributes that never change after the claim,
 * so the later status updates cost no index write. `ops events` and `ops replay --since` query it.
 */
export const LEDGER_TIME_INDEX = 'byReceivedAt';
export const LEDGER_TIME_ATTRIBUTE = 'receivedAt';
/** Projected besides the keys: written once at the claim, never changed. */
export const LEDGER_TIME_INDEX_ATTRIBUTES = ['eventType', 'unrecognized'] as const;
