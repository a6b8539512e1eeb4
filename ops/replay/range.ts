/**
 * `ops replay --since T [--until T]`: every matching event of one provider is re-processed, oldest first,
 * with one replay run id (ops/replay/replayer.ts). Progress on stderr for long runs; a line per event and a
 * summary (replayed, skipped, not found, failed) on stdout, or one JSON object. Never a body.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ReplayMarker } from '../../lambdas/contract/envelope.ts';
import type { Io } from '../command.ts';
import { readLedgerRecord } from '../ledger-records.ts';
import { json, shown } from '../terminal.ts';
import { findReplayCandidates, type ReplayFilters } from './find-events.ts';
import { prepareReplay, sendReplay, type PrepareContext } from './replayer.ts';

export interface RangeOptions {
  readonly dynamo: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly table: string;
  readonly queueUrl: string;
  readonly where: string;
  readonly filters: ReplayFilters;
  readonly dryRun: boolean;
  /** Replay at most this many (the rest are reported as skipped). */
  readonly max?: number;
  readonly asJson: boolean;
  readonly context: PrepareContext;
  /** Progress every this many events (stderr); default 100. */
  readonly progressEvery?: number;
}

export interface EventResult {
  readonly dedupeKey: string;
  readonly eventType?: string;
  readonly status?: string;
  readonly receivedAt?: string;
  readonly result: 'replayed' | 'would-replay' | 'skipped' | 'not-found' | 'failed';
  readonly source?: 'archive' | 'claim-check';
  readonly messageId?: string;
  readonly reason?: string;
}

export interface RangeSummary {
  readonly runId: string;
  readonly dryRun: boolean;
  readonly matched: number;
  readonly replayed: number;
  readonly skipped: number;
  readonly notFound: number;
  readonly failed: number;
  readonly events: readonly EventResult[];
}

const errorName = (error: unknown) => (error instanceof Error ? error.name : 'error');

export async function replayRange(options: RangeOptions, io: Io): Promise<RangeSummary> {
  const marker: ReplayMarker = options.context.marker;
  const matched = await findReplayCandidates(options.dynamo, options.table, options.filters);
  const every = options.progressEvery ?? 100;
  const results: EventResult[] = [];
  let sent = 0;
  for (const [index, listed] of matched.entries()) {
    const base = { dedupeKey: listed.dedupeKey, eventType: listed.eventType, status: listed.status, receivedAt: listed.receivedAt };
    let result: EventResult;
    if (options.max !== undefined && sent >= options.max) {
      result = { ...base, result: 'skipped', reason: `--max ${options.max} reached` };
    } else {
      try {
        // The listing projects no archive key: read the whole entry (consistent read).
        const entry = await readLedgerRecord(options.dynamo, options.table, options.filters.provider, listed.dedupeKey);
        const prepared = await prepareReplay(entry, options.context);
        if (prepared.kind === 'send') {
          if (options.dryRun) {
            result = { ...base, result: 'would-replay', source: prepared.source };
          } else {
            const messageId = await sendReplay(options.sqs, options.queueUrl, prepared.envelope);
            result = { ...base, result: 'replayed', source: prepared.source, ...(messageId ? { messageId } : {}) };
          }
          sent += 1;
        } else {
          result = { ...base, result: prepared.kind, reason: prepared.reason };
        }
      } catch (error) {
        result = { ...base, result: 'failed', reason: errorName(error) };
      }
    }
    results.push(result);
    if (!options.asJson) io.out(line(result));
    if ((index + 1) % every === 0) io.err(`replay ${marker.runId}: ${index + 1}/${matched.length} events, ${sent} ${options.dryRun ? 'to replay' : 'replayed'}`);
  }
  const count = (kind: EventResult['result']) => results.filter((r) => r.result === kind).length;
  return {
    runId: marker.runId,
    dryRun: options.dryRun,
    matched: matched.length,
    replayed: options.dryRun ? count('would-replay') : count('replayed'),
    skipped: count('skipped'),
    notFound: count('not-found'),
    failed: count('failed'),
    events: results,
  };
}

/** One event's line: sender-controlled text (type, key) escaped (ops/terminal.ts). */
export function line(r: EventResult): string {
  const what = r.result === 'would-replay' ? 'would replay' : r.result === 'not-found' ? 'not found' : r.result;
  const extra = r.reason ? ` (${r.reason})` : r.source ? ` (from the ${r.source}${r.messageId ? `, message ${r.messageId}` : ''})` : '';
  return `${what.padEnd(12)} ${shown(r.status ?? '-').padEnd(9)} ${shown(r.eventType ?? '-')} ${r.receivedAt ?? '-'} '${shown(r.dedupeKey)}'${extra}`;
}

export function summaryLine(s: RangeSummary, where: string): string {
  const verb = s.dryRun ? 'would replay' : 'replayed';
  return `replay run ${s.runId} (${where}): ${s.matched} matched; ${verb} ${s.replayed}, skipped ${s.skipped}, not found ${s.notFound}, failed ${s.failed}`;
}

export function summaryJson(s: RangeSummary, provider: string, where: string): string {
  return json({ provider, where, ...s }, 2);
}
