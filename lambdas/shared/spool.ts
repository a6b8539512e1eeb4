/**
 * The spool (docs/architecture.md, "Spool"): when SendMessage fails, the verifier writes the message exactly
 * as it would have been sent to the claim-check bucket under `spool/`, answers 202, and the sweeper
 * (lambdas/spool/) sends it once SQS answers again. Shared by both, so the object they agree on is one type.
 */
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';

export const SPOOL_PREFIX = 'spool/';

/** One spooled message: the serialized envelope, its message attributes and the queue it was meant for. */
export interface SpooledMessage {
  readonly v: 1;
  readonly queueUrl: string;
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
}

/**
 * `spool/<provider>/<receivedAt ISO>-<sha256 of the dedupe key>.json`: no PHI in the key (the dedupe key may
 * be anything the sender chose), and the time in the key lets on-call see how old an object is from a listing.
 */
export function spoolKey(provider: string, receivedAt: number, dedupeKey: string): string {
  const hash = createHash('sha256').update(dedupeKey).digest('hex');
  return `${SPOOL_PREFIX}${provider}/${new Date(receivedAt).toISOString()}-${hash}.json`;
}

export class SpoolFormatError extends Error {
  constructor(problem: string) {
    super(`spooled message ${problem}`);
    this.name = 'SpoolFormatError';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads a spool object back; a format error names the field only, never a value. */
export function parseSpooled(text: string): SpooledMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SpoolFormatError('is not JSON');
  }
  if (!isRecord(parsed) || parsed['v'] !== 1) throw new SpoolFormatError('has no version 1');
  const { queueUrl, body, attributes } = parsed;
  if (typeof queueUrl !== 'string' || queueUrl === '') throw new SpoolFormatError('has no queueUrl');
  if (typeof body !== 'string' || body === '') throw new SpoolFormatError('has no body');
  if (!isRecord(attributes)) throw new SpoolFormatError('has no attributes');
  for (const value of Object.values(attributes)) {
    if (!isRecord(value) || value['DataType'] !== 'String' || typeof value['StringValue'] !== 'string') throw new SpoolFormatError('has an attribute that is not a string');
  }
  return { v: 1, queueUrl, body, attributes: attributes as Record<string, MessageAttributeValue> };
}
