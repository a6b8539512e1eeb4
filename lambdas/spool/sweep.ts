/**
 * One run of the spool sweeper (docs/architecture.md, "Spool"): the messages the verifier could not send
 * (SQS failing) wait as objects under `spool/` of the claim-check bucket; each run sends the oldest ones to
 * their queue with the stored body and attributes, then deletes them. Anything that fails leaves the object
 * for the next run. Pure: S3, SQS, the clock and the log come in, so tests can run it against stand-ins.
 */
import { parseSpooled, type SpooledMessage } from '../shared/spool.ts';

export interface SpoolEntry {
  readonly key: string;
  /** When the verifier wrote it (S3 LastModified). */
  readonly writtenAt: number;
}

/** The spool as the sweeper sees it (lambdas/spool/handler.ts binds it to S3). */
export interface SpoolStore {
  /** Up to `limit` objects under `spool/`, in any order. */
  list(limit: number): Promise<SpoolEntry[]>;
  read(key: string): Promise<string>;
  remove(key: string): Promise<void>;
}

/** SendMessage of a spooled message to its queue, exactly as stored. */
export type SpoolSender = (spooled: SpooledMessage) => Promise<void>;

type LogFields = Record<string, string | number | boolean | undefined>;

export interface SweepDeps {
  readonly store: SpoolStore;
  readonly send: SpoolSender;
  /** The provider queues of this stack: a message naming any other queue is never sent. */
  readonly queueUrls: ReadonlySet<string>;
  readonly logger: { info(message: string, fields: LogFields): void; error(message: string, fields: LogFields): void };
  /** Errors may reach a log line only through this (lambdas/shared/observability.ts). */
  readonly errorFields: (error: unknown) => LogFields;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * Sends per run at most (the oldest first). Objects that are never sent (an unconfigured queue) do not count,
   * so they cannot hold back the ones behind them. @default 100
   */
  readonly maxPerRun?: number;
  /** Objects listed per run at most (the oldest of them are sent). @default 10_000 */
  readonly maxListed?: number;
  /** Stops starting new sends when this says so (the Lambda's remaining time). @default never */
  readonly outOfTime?: () => boolean;
}

export interface SweepResult {
  /** Sent and deleted. */
  readonly drained: number;
  /** Naming a queue that is not configured (or not a spooled message): left for on-call, never sent. */
  readonly rejected: number;
  /** Left for the next run: reading, sending or deleting failed, or its queue failed earlier in this run. */
  readonly left: number;
  /** Objects still in the spool after the run, as far as listed. */
  readonly remaining: number;
  /** Age of the oldest object still in the spool after the run; 0 when it is empty. */
  readonly oldestAgeSeconds: number;
}

export async function sweep(deps: SweepDeps): Promise<SweepResult> {
  const now = deps.now ?? (() => Date.now());
  const listed = (await deps.store.list(deps.maxListed ?? 10_000)).sort((a, b) => a.writtenAt - b.writtenAt || a.key.localeCompare(b.key));
  const gone = new Set<string>();
  // A queue whose send failed is not tried again this run: SQS is likely still down, and each try costs the SDK's retries.
  const failedQueues = new Set<string>();
  const budget = deps.maxPerRun ?? 100;
  let rejected = 0;
  let left = 0;

  for (const entry of listed) {
    if (gone.size + left >= budget || deps.outOfTime?.()) break;
    const outcome = await sweepOne(deps, entry.key, failedQueues);
    if (outcome === 'drained') gone.add(entry.key);
    else if (outcome === 'rejected') rejected++;
    else left++;
  }

  const remaining = listed.filter((entry) => !gone.has(entry.key));
  const oldest = remaining[0];
  const oldestAgeSeconds = oldest ? Math.max(0, Math.floor((now() - oldest.writtenAt) / 1000)) : 0;
  const result = { drained: gone.size, rejected, left, remaining: remaining.length, oldestAgeSeconds };
  if (listed.length > 0) deps.logger.info('spool swept', result);
  return result;
}

/** One object: read, check its queue, send, delete. Never throws; what fails is logged and left. */
async function sweepOne(d: SweepDeps, key: string, failed: Set<string>): Promise<'drained' | 'rejected' | 'left'> {
  const { logger, errorFields } = d;
  let spooled: SpooledMessage;
  try {
    spooled = parseSpooled(await d.store.read(key));
  } catch (error) {
    if ((error as Error | undefined)?.name === 'SpoolFormatError') {
      logger.error('spool object is not a spooled message: left in place', { spoolKey: key, ...errorFields(error) });
      return 'rejected';
    }
    logger.error('reading a spool object failed', { spoolKey: key, ...errorFields(error) });
    return 'left';
  }
  if (!d.queueUrls.has(spooled.queueUrl)) {
    // Never send where this stack does not send: the object is left for on-call (runbook: Spool).
    logger.error('spooled message names a queue that is not configured: left in place, not sent', { spoolKey: key });
    return 'rejected';
  }
  if (failed.has(spooled.queueUrl)) return 'left';
  try {
    await d.send(spooled);
  } catch (error) {
    failed.add(spooled.queueUrl);
    logger.error('sending a spooled message failed: left for the next run', { spoolKey: key, ...errorFields(error) });
    return 'left';
  }
  try {
    await d.store.remove(key);
  } catch (error) {
    // Sent but not deleted: the next run sends it again, and the processor's conditional mark dedupes it.
    logger.error('deleting a sent spool object failed', { spoolKey: key, ...errorFields(error) });
    return 'left';
  }
  return 'drained';
}
