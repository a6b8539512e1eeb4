/**
 * The events a `ops replay --since` run re-processes: the provider's ledger entries received in the window,
 * of the type and status asked for, oldest first, found by the ledger's time index (ops/event-search.ts, the
 * search `ops events` uses too: no table scan). Kept behind this one function so that replay's needs (all
 * matches, no limit, oldest first) stay in one place.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { findEvents, type FoundEvent, type StatusFilter } from '../event-search.ts';

export interface ReplayFilters {
  readonly provider: string;
  /** Epoch ms, inclusive. */
  readonly since: number;
  /** Epoch ms, inclusive (default: now). */
  readonly until?: number;
  readonly type?: string;
  readonly status?: StatusFilter;
}

export async function findReplayCandidates(client: DynamoDBClient, table: string, filters: ReplayFilters): Promise<FoundEvent[]> {
  const found = await findEvents(client, table, {
    provider: filters.provider,
    since: filters.since,
    until: filters.until ?? Date.now(),
    ...(filters.type !== undefined ? { type: filters.type } : {}),
    ...(filters.status !== undefined ? { status: filters.status } : {}),
  });
  return found.events;
}
