/**
 * An event ledger entry as its readers see it (docs/architecture.md, "Ledger table"): the attributes the
 * verifier and the processors write, never a body. The on-call commands (ops/ledger-records.ts) and the
 * canary (lambdas/canary/ledger.ts) read entries through this.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export interface LedgerRecord {
  readonly dedupeKey: string;
  readonly eventType?: string;
  readonly status?: string;
  readonly receivedAt?: string;
  readonly enqueuedAt?: string;
  readonly processedAt?: string;
  /** Processing attempts the processor recorded. */
  readonly attempts?: number;
  readonly outcome?: string;
  /** The processor's short error summary (error class and our own message, never a body). */
  readonly lastError?: string;
  /** When processing first failed, where the processor records it (a later ledger version may). */
  readonly firstFailedAt?: string;
  readonly messageId?: string;
  /** S3 key of the body in the claim-check bucket, when the body was too large for the message. */
  readonly claimCheckKey?: string;
  readonly bodySha256?: string;
  /** The signed timestamp of the claimed request (epoch ms), when the provider signs one. */
  readonly signedAt?: number;
  /** The archive object of the event's last delivery (lambdas/processor/archive.ts) and its 0-based line. */
  readonly archiveKey?: string;
  readonly archiveLine?: number;
  /** Times `ops replay` runs re-processed it, and when the last one did. */
  readonly replays?: number;
  readonly lastReplayAt?: string;
  /** When the processor moved it to the DLQ (its last failure). */
  readonly deadLetteredAt?: string;
}

/** The listed attributes of a ledger item, strings and numbers as such; other attributes are not read. */
export function readLedgerFields(item: Record<string, AttributeValue>, strings: readonly string[], numbers: readonly string[]): Record<string, string | number> {
  const record: Record<string, string | number> = {};
  for (const field of strings) {
    const value = item[field]?.S;
    if (value !== undefined) record[field] = value;
  }
  for (const field of numbers) {
    const value = item[field]?.N;
    if (value !== undefined) record[field] = Number(value);
  }
  return record;
}
