/** Key layout of the ledger table (docs/architecture.md): shared by the verifier, processors and ops. */
import { createHash } from 'node:crypto';

export type LedgerStatus = 'received' | 'enqueued' | 'processed' | 'failed';

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
