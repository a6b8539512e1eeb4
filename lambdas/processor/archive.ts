/**
 * The event archive (docs/architecture.md, "Archive and replay"): one S3 object per batch the processor
 * receives, written BEFORE the business logic runs, so that an event handled wrongly can be re-processed
 * later with `ops replay`. JSON lines, one per record: the raw body as received (the envelope's `body` or
 * `bodyBase64`, or for a claim-checked event the reference to its claim-check object) and the facts needed to
 * rebuild the envelope. One PUT per batch, not per event: at full batches of 10, $0.50 per million events.
 *
 * Not archived: replayed deliveries (their event is archived already) and messages that are not an envelope
 * of this provider (poison: they go to the DLQ with their original body). If the PUT fails, every record
 * of the batch that should have been archived fails transiently (ArchiveError) and comes back.
 *
 * Keys hold no sender text: `archive/<provider>/<yyyy>/<mm>/<dd>/<hh>/<receive time>-<batch id>.jsonl`.
 */
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSRecord } from 'aws-lambda';
import { parseEnvelope, type ClaimCheck, type Envelope, type ReplayMarker } from '../contract/envelope.ts';
import { ProcessingError } from './errors.ts';

/** Every archive key starts with this; then the provider id (the processors' PutObject grant is per provider). */
export const ARCHIVE_PREFIX = 'archive/';

/** One line of an archive object. */
export interface ArchiveRecord {
  readonly v: 1;
  readonly provider: string;
  readonly dedupeKey: string;
  readonly eventType: string;
  readonly receivedAt: string;
  readonly signedTimestamp?: string;
  readonly bodySha256: string;
  readonly unrecognized?: string;
  /** Exactly one of the next three, as in the envelope. */
  readonly body?: string;
  readonly bodyBase64?: string;
  readonly claimCheck?: ClaimCheck;
}

/** Where one record is archived: the object key and its 0-based line. Recorded on the ledger entry. */
export interface ArchiveRef {
  readonly key: string;
  readonly line: number;
}

/** A transient failure: the archive PUT of the record's batch failed (the record comes back and tries again). */
export class ArchiveError extends ProcessingError {}

/** For each record: where it is archived, the archive failure to throw, or nothing (not archived). */
export type ArchiveOutcome = ArchiveRef | ArchiveError | undefined;

const pad = (n: number) => String(n).padStart(2, '0');

/** `archive/<provider>/<yyyy>/<mm>/<dd>/<hh>/<yyyymmddThhmmssSSSZ>-<batch id>.jsonl` (UTC). */
export function archiveKey(providerId: string, at: Date, batchId: string): string {
  const iso = at.toISOString(); // 2026-12-07T16:18:50.123Z
  const compact = iso.replace(/[-:]/g, '').replace('.', '');
  return `${ARCHIVE_PREFIX}${providerId}/${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${pad(at.getUTCHours())}/${compact}-${batchId}.jsonl`;
}

/** The provider's archive prefix, `archive/<provider>/`. */
export function archivePrefix(providerId: string): string {
  return `${ARCHIVE_PREFIX}${providerId}/`;
}

/** The archive line of an envelope: its facts and its body (or claim-check reference); never the replay marker. */
export function archiveRecordOf(envelope: Envelope): ArchiveRecord {
  return {
    v: 1,
    provider: envelope.provider,
    dedupeKey: envelope.dedupeKey,
    eventType: envelope.eventType,
    receivedAt: envelope.receivedAt,
    ...(envelope.signedTimestamp !== undefined ? { signedTimestamp: envelope.signedTimestamp } : {}),
    bodySha256: envelope.bodySha256,
    ...(envelope.unrecognized !== undefined ? { unrecognized: envelope.unrecognized } : {}),
    ...(envelope.body !== undefined ? { body: envelope.body } : {}),
    ...(envelope.bodyBase64 !== undefined ? { bodyBase64: envelope.bodyBase64 } : {}),
    ...(envelope.claimCheck !== undefined ? { claimCheck: { bucket: envelope.claimCheck.bucket, key: envelope.claimCheck.key } } : {}),
  };
}

export interface ArchiveBatch {
  readonly key: string;
  /** JSON lines, one per archived record, newline-terminated. */
  readonly content: string;
  /** messageId → line. */
  readonly lines: ReadonlyMap<string, number>;
}

/**
 * The archive object of a batch, or undefined when no record needs archiving. A record is archived when it
 * is an envelope of this provider without a replay marker; anything else is left to the record pipeline.
 */
export function buildArchiveBatch(records: readonly SQSRecord[], providerId: string, at: Date, batchId: string): ArchiveBatch | undefined {
  const lines = new Map<string, number>();
  const content: string[] = [];
  for (const record of records) {
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(record.body);
    } catch {
      continue; // poison: the record pipeline moves it to the DLQ with its original body
    }
    if (envelope.provider !== providerId || envelope.replay !== undefined || lines.has(record.messageId)) continue;
    lines.set(record.messageId, content.length);
    content.push(JSON.stringify(archiveRecordOf(envelope)));
  }
  if (content.length === 0) return undefined;
  return { key: archiveKey(providerId, at, batchId), content: `${content.join('\n')}\n`, lines };
}

export type ArchivePut = (key: string, content: string) => Promise<void>;

/** PutObject into the claim-check bucket (its default encryption: the data key, S3 Bucket Key on). */
export function s3ArchivePut(s3: S3Client, bucket: string): ArchivePut {
  return async (key, content) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: content, ContentType: 'application/x-ndjson' }));
  };
}

export interface BatchArchiver {
  /** Never throws: a failed PUT turns into an ArchiveError for each record that should have been in it. */
  archive(records: readonly SQSRecord[]): Promise<(record: SQSRecord) => ArchiveOutcome>;
}

export function createBatchArchiver(deps: {
  readonly providerId: string;
  readonly put: ArchivePut;
  readonly clock: () => Date;
  readonly batchId?: () => string;
  /** Called with the error of a failed PUT (the caller logs its name only). */
  readonly onError?: (error: unknown) => void;
}): BatchArchiver {
  const batchId = deps.batchId ?? (() => randomUUID());
  return {
    async archive(records) {
      const batch = buildArchiveBatch(records, deps.providerId, deps.clock(), batchId());
      if (batch === undefined) return () => undefined;
      try {
        await deps.put(batch.key, batch.content);
      } catch (error) {
        deps.onError?.(error);
        const failure = new ArchiveError(`the archive PUT of this batch failed (${error instanceof Error ? error.name : 'error'})`);
        return (record) => (batch.lines.has(record.messageId) ? failure : undefined);
      }
      return (record) => {
        const line = batch.lines.get(record.messageId);
        return line === undefined ? undefined : { key: batch.key, line };
      };
    },
  };
}

/** An archive line that cannot be used; the message names fields only, never content. */
export class ArchiveRecordError extends Error {}

/** Parses and checks one archive line (ops replay). */
export function parseArchiveRecord(line: string): ArchiveRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ArchiveRecordError('archive line is not JSON');
  }
  const r = value as Partial<ArchiveRecord> | null;
  if (!r || typeof r !== 'object' || r.v !== 1) throw new ArchiveRecordError('archive line is not a v1 record');
  for (const field of ['provider', 'eventType', 'dedupeKey', 'receivedAt', 'bodySha256'] as const) {
    if (typeof r[field] !== 'string') throw new ArchiveRecordError(`archive field ${field} is missing`);
  }
  const carriers = [typeof r.body === 'string', typeof r.bodyBase64 === 'string', r.claimCheck !== undefined].filter(Boolean).length;
  if (carriers !== 1) throw new ArchiveRecordError('archive line must carry exactly one of body, bodyBase64, claimCheck');
  if (r.claimCheck !== undefined && (typeof r.claimCheck.bucket !== 'string' || typeof r.claimCheck.key !== 'string')) {
    throw new ArchiveRecordError('archive field claimCheck is not a bucket and key');
  }
  return r as ArchiveRecord;
}

/** The envelope `ops replay` sends: the archived event as the verifier enqueued it, plus the replay marker. */
export function replayEnvelope(record: ArchiveRecord, marker: ReplayMarker): Envelope {
  return {
    v: 1,
    provider: record.provider,
    eventType: record.eventType,
    dedupeKey: record.dedupeKey,
    receivedAt: record.receivedAt,
    ...(record.signedTimestamp !== undefined ? { signedTimestamp: record.signedTimestamp } : {}),
    bodySha256: record.bodySha256,
    ...(record.unrecognized !== undefined ? { unrecognized: record.unrecognized } : {}),
    replay: { runId: marker.runId, at: marker.at },
    ...(record.body !== undefined ? { body: record.body } : {}),
    ...(record.bodyBase64 !== undefined ? { bodyBase64: record.bodyBase64 } : {}),
    ...(record.claimCheck !== undefined ? { claimCheck: { bucket: record.claimCheck.bucket, key: record.claimCheck.key } } : {}),
  };
}
