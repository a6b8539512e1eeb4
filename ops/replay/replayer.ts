/**
 * `ops replay` re-processing (docs/architecture.md, "Archive and replay"): one ledger entry at a time, the
 * event is rebuilt from its archive line (lambdas/processor/archive.ts), or, for an entry without one (archived
 * before the archive existed), from its claim-check body, and sent to the provider's queue with a replay
 * marker (`replay: { runId, at }`): the processor processes it even if the ledger says processed, once per run.
 *
 * Nothing here prints or returns a body: results carry ids, types, statuses, keys and reasons of our own.
 */
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { Envelope, ReplayMarker } from '../../lambdas/contract/envelope.ts';
import { signedTimestampText, type SignedTimestampUnit } from '../../lambdas/contract/ledger-keys.ts';
import { ArchiveRecordError, parseArchiveRecord, replayEnvelope, type ArchiveRecord } from '../../lambdas/processor/archive.ts';
import type { LedgerRecord } from '../../lambdas/contract/ledger-entry.ts';

/** A run id: `r<yyyymmddThhmmssZ>-<6 hex>`, unique per run, no sender text (the envelope checks its shape). */
export function newReplayRun(now: Date, random: () => Buffer = () => randomBytes(3)): ReplayMarker {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return { runId: `r${stamp}-${random().toString('hex')}`, at: now.toISOString() };
}

/** Ledger statuses an event can be replayed from: the others are still on their way through the queue. */
export const REPLAYABLE_STATUSES = ['processed', 'failed'] as const;

export type Prepared =
  | { readonly kind: 'send'; readonly source: 'archive' | 'claim-check'; readonly envelope: Envelope }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'not-found'; readonly reason: string };

const isMissing = (error: unknown): boolean => {
  const name = (error as Error | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode === 404;
};

/** Reads archive objects (a few cached: a run reads the lines of one batch object one after another). */
export class ArchiveReader {
  readonly #cache = new Map<string, readonly string[] | 'gone'>();

  constructor(private readonly s3: S3Client, private readonly bucket: string) {}

  /** The line, or `gone` when the object or the line is not there (expired by lifecycle). */
  async line(key: string, index: number): Promise<ArchiveRecord | 'gone'> {
    let lines = this.#cache.get(key);
    if (lines === undefined) {
      try {
        const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
        lines = (await object.Body!.transformToString('utf8')).split('\n');
      } catch (error) {
        if (!isMissing(error)) throw error;
        lines = 'gone';
      }
      this.#cache.set(key, lines);
      if (this.#cache.size > 16) this.#cache.delete(this.#cache.keys().next().value!);
    }
    if (lines === 'gone') return 'gone';
    const text = lines[index];
    if (text === undefined || text === '') return 'gone';
    return parseArchiveRecord(text);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }
}

export interface PrepareContext {
  readonly provider: string;
  /** The claim-check bucket, which holds the archive too. */
  readonly bucket: string;
  readonly reader: ArchiveReader;
  readonly marker: ReplayMarker;
  /** The provider's signed-timestamp unit, for an entry rebuilt from the ledger (claim-check fallback). */
  readonly timestampUnit?: SignedTimestampUnit;
}

/**
 * What to send for one ledger entry, or why not. `entry` must be read in full (ops/ledger-records.ts
 * readLedgerRecord): the listing does not carry the archive key.
 */
export async function prepareReplay(entry: LedgerRecord | undefined, ctx: PrepareContext): Promise<Prepared> {
  if (entry === undefined) return { kind: 'not-found', reason: 'no ledger entry (never received, or expired after ledgerRetentionDays)' };
  if (!(REPLAYABLE_STATUSES as readonly string[]).includes(entry.status ?? '')) {
    return { kind: 'skipped', reason: `ledger status ${entry.status ?? 'unknown'}: still on its way through the queue, which delivers it` };
  }
  if (entry.archiveKey !== undefined && entry.archiveLine !== undefined) {
    let record: ArchiveRecord | 'gone';
    try {
      record = await ctx.reader.line(entry.archiveKey, entry.archiveLine);
    } catch (error) {
      if (error instanceof ArchiveRecordError) return { kind: 'not-found', reason: `archive line unusable: ${error.message}` };
      throw error;
    }
    if (record === 'gone') return { kind: 'not-found', reason: 'archive object expired (kept ledgerRetentionDays)' };
    if (record.provider !== ctx.provider || record.dedupeKey !== entry.dedupeKey) {
      return { kind: 'not-found', reason: 'archive line is of another event' };
    }
    if (record.claimCheck !== undefined && (record.claimCheck.bucket !== ctx.bucket || !(await ctx.reader.exists(record.claimCheck.key)))) {
      return { kind: 'not-found', reason: 'claim-checked body expired (kept claimCheckRetentionDays)' };
    }
    return { kind: 'send', source: 'archive', envelope: replayEnvelope(record, ctx.marker) };
  }
  // Archived before the archive existed: only a claim-checked body was kept.
  if (entry.claimCheckKey !== undefined) {
    if (!entry.eventType || !entry.receivedAt || !entry.bodySha256) return { kind: 'not-found', reason: 'ledger entry lacks eventType, receivedAt or bodySha256' };
    if (!(await ctx.reader.exists(entry.claimCheckKey))) return { kind: 'not-found', reason: 'claim-checked body expired (kept claimCheckRetentionDays)' };
    const signedTimestamp = entry.signedAt !== undefined && ctx.timestampUnit ? signedTimestampText(entry.signedAt, ctx.timestampUnit) : undefined;
    return {
      kind: 'send',
      source: 'claim-check',
      envelope: {
        v: 1, provider: ctx.provider, eventType: entry.eventType, dedupeKey: entry.dedupeKey, receivedAt: entry.receivedAt,
        ...(signedTimestamp !== undefined ? { signedTimestamp } : {}),
        bodySha256: entry.bodySha256, replay: ctx.marker, claimCheck: { bucket: ctx.bucket, key: entry.claimCheckKey },
      },
    };
  }
  return { kind: 'not-found', reason: 'not archived (processed before the archive existed) and its body travelled inline' };
}

// As the verifier's enqueue.ts: SQS accepts only XML characters.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;
const JSON_UNSAFE_FOR_SQS = /[\ufffe\uffff]/g;

/** The SQS message of a replay envelope: the envelope as JSON and the attributes the verifier sets. */
export function replayMessage(envelope: Envelope): { body: string; attributes: Record<string, MessageAttributeValue> } {
  const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value.replace(NOT_XML_CHAR, '\ufffd') });
  return {
    body: JSON.stringify(envelope).replace(JSON_UNSAFE_FOR_SQS, (c) => `\\u${c.charCodeAt(0).toString(16)}`),
    attributes: { provider: text(envelope.provider), eventType: text(envelope.eventType), dedupeKey: text(envelope.dedupeKey) },
  };
}

export async function sendReplay(sqs: SQSClient, queueUrl: string, envelope: Envelope): Promise<string | undefined> {
  const message = replayMessage(envelope);
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: message.body, MessageAttributes: message.attributes }));
  return sent.MessageId;
}
