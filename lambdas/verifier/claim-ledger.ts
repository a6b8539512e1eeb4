/**
 * The verifier's side of the event ledger (docs/architecture.md, "Claim semantics"): a conditional put
 * claims an event, a conditional delete releases the claim when enqueueing and spooling both fail, a
 * conditional update marks it enqueued (or spooled). Every write is conditional on the claim token, so a
 * slow verifier never undoes the work of the one that took its expired claim over, nor of the processor.
 */
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { eventKey, signedAtMillis, type LedgerKey, type SignedTimestampUnit } from '../contract/ledger-keys.ts';

type Item = Record<string, AttributeValue>;

export interface ClaimRequest {
  readonly provider: string;
  readonly dedupeKey: string;
  readonly eventType: string;
  readonly bodySha256: string;
  readonly bodyBytes: number;
  /** Epoch ms of the request. */
  readonly now: number;
  /** The signed timestamp header value, verbatim (`Verified.timestamp`), when the provider signs one. */
  readonly signedTimestamp?: string | undefined;
  /** Its unit (the provider's `timestamp.unit`): with both, the claim stores `signedAt` (epoch ms). */
  readonly timestampUnit?: SignedTimestampUnit | undefined;
  /**
   * Days the entry is kept (TTL), when longer than the ledger's retention: for providers that sign no
   * timestamp the entry is their only replay protection (REPLAY_PROTECTION_DAYS, runtime-config.ts).
   */
  readonly keepDays?: number | undefined;
  /** The signature was valid but the type or dedupe key could not be read: kept on the entry for on-call. */
  readonly unrecognized?: string | undefined;
}

export interface Claimed {
  readonly outcome: 'claimed';
  readonly key: LedgerKey;
  readonly claimToken: string;
  /** How many times the verifier has claimed this event (more than 1 after a crash left a claim behind). */
  readonly claims: number;
  /** Same-key-different-body count carried over from a taken-over claim, this one included. */
  readonly conflicts: number;
  /** The taken-over claim was for a different body. */
  readonly conflict: boolean;
}

export interface NotClaimed {
  /** `duplicate`: already enqueued, processed or failed (200); `in-flight`: another claim holds its lease (409). */
  readonly outcome: 'duplicate' | 'in-flight';
  readonly key: LedgerKey;
  /** The entry holds a different body under the same dedupe key. */
  readonly conflict: boolean;
}

export type ClaimResult = Claimed | NotClaimed;

const S = (value: string): AttributeValue => ({ S: value });
const N = (value: number): AttributeValue => ({ N: String(value) });
const num = (value: AttributeValue | undefined): number => Number(value?.N ?? 0) || 0;
const STATUS = { '#status': 'status' };

function conditionFailed(error: unknown): error is Error & { Item?: Item } {
  return (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}

export class ClaimLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
    /**
     * How long a `received` claim blocks others (409); after it, a retry may take the claim over (a crash
     * between claim and enqueue left it). The handler passes CLAIM_LEASE_SECONDS (runtime-config.ts).
     */
    private readonly leaseMs: number,
  ) {}

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const key = eventKey(request.provider, request.dedupeKey);
    const claimToken = randomUUID();
    try {
      const out = await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: this.#newClaim(key, claimToken, request),
          ConditionExpression: 'attribute_not_exists(pk) OR (#status = :received AND leaseUntil < :now)',
          ExpressionAttributeNames: STATUS,
          ExpressionAttributeValues: { ':received': S('received'), ':now': N(request.now) },
          // On success: the expired claim we took over, if any (same call, no extra read).
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const previous = out.Attributes;
      const conflict = previous !== undefined && previous.bodySha256?.S !== request.bodySha256;
      return {
        outcome: 'claimed',
        key,
        claimToken,
        claims: previous ? num(previous.claims) + 1 : 1,
        conflicts: (previous ? num(previous.conflicts) : 0) + (conflict ? 1 : 0),
        conflict,
      };
    } catch (error) {
      if (!conditionFailed(error)) throw error;
      // DynamoDB returns the blocking item with the error; stand-ins such as dynalite do not. Should that
      // read fail, the entry still exists, so the event is enqueued or being enqueued by its holder: 409.
      const existing = error.Item ?? (await this.#read(key).catch(() => undefined));
      // Gone between our put and our read: its claim was released; the sender's retry will claim it.
      if (!existing) return { outcome: 'in-flight', key, conflict: false };
      const conflict = existing.bodySha256?.S !== request.bodySha256;
      return { outcome: existing.status?.S === 'received' ? 'in-flight' : 'duplicate', key, conflict };
    }
  }

  /** Gives the event back after a failed enqueue, so the sender's retry can claim it at once. */
  async release(key: LedgerKey, claimToken: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: S(key.pk), sk: S(key.sk) },
          ConditionExpression: 'claimToken = :token AND #status = :received',
          ExpressionAttributeNames: STATUS,
          ExpressionAttributeValues: { ':token': S(claimToken), ':received': S('received') },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Records the enqueued message. `false` when the entry moved on without us (the processor already marked
   * it, or our lease expired and another claim took over): the message is durable either way.
   */
  async markEnqueued(claimed: Claimed, enqueued: { messageId: string; claimCheckKey?: string; now: number }): Promise<boolean> {
    const sets = ['#status = :enqueued', 'enqueuedAt = :at', 'messageId = :messageId'];
    const values: Item = { ':enqueued': S('enqueued'), ':at': S(new Date(enqueued.now).toISOString()), ':messageId': S(enqueued.messageId) };
    if (enqueued.claimCheckKey) {
      sets.push('claimCheckKey = :claimCheckKey');
      values[':claimCheckKey'] = S(enqueued.claimCheckKey);
    }
    return this.#moveOn(claimed, sets, values);
  }

  /**
   * Records that SendMessage failed and the message waits in the spool (docs/architecture.md, "Spool"): like
   * `enqueued`, a duplicate delivery is answered 200 from here on, and the processor's mark completes it.
   */
  async markSpooled(claimed: Claimed, spooled: { spoolKey: string; now: number }): Promise<boolean> {
    return this.#moveOn(claimed, ['#status = :spooled', 'spooledAt = :at', 'spoolKey = :spoolKey'], {
      ':spooled': S('spooled'),
      ':at': S(new Date(spooled.now).toISOString()),
      ':spoolKey': S(spooled.spoolKey),
    });
  }

  /** Moves our own `received` claim on (conditional on its token); `false` when it is no longer ours. */
  async #moveOn(claimed: Claimed, sets: readonly string[], values: Item): Promise<boolean> {
    const all = [...sets, 'claims = :claims'];
    const allValues: Item = { ...values, ':received': S('received'), ':claims': N(claimed.claims), ':token': S(claimed.claimToken) };
    if (claimed.conflicts > 0) {
      all.push('conflicts = :conflicts');
      allValues[':conflicts'] = N(claimed.conflicts);
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: S(claimed.key.pk), sk: S(claimed.key.sk) },
          UpdateExpression: `SET ${all.join(', ')}`,
          // Never move a processed entry back: the processor's mark wins.
          ConditionExpression: 'claimToken = :token AND #status = :received',
          ExpressionAttributeNames: STATUS,
          ExpressionAttributeValues: allValues,
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  /** Counts a same-key-different-body delivery on the existing entry (only on that rare path: one more call). */
  async countConflict(key: LedgerKey): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: S(key.pk), sk: S(key.sk) },
          UpdateExpression: 'ADD conflicts :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': N(1) },
        }),
      );
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
  }

  #newClaim(key: LedgerKey, claimToken: string, request: ClaimRequest): Item {
    const signedAt = signedAtMillis(request.signedTimestamp, request.timestampUnit);
    return {
      pk: S(key.pk),
      sk: S(key.sk),
      provider: S(request.provider),
      dedupeKey: S(request.dedupeKey),
      eventType: S(request.eventType),
      status: S('received'),
      bodySha256: S(request.bodySha256),
      bodyBytes: N(request.bodyBytes),
      receivedAt: S(new Date(request.now).toISOString()),
      ...(signedAt !== undefined ? { signedAt: N(signedAt) } : {}),
      leaseUntil: N(request.now + this.leaseMs),
      claimToken: S(claimToken),
      claims: N(1),
      ...(request.unrecognized !== undefined ? { unrecognized: S(request.unrecognized) } : {}),
      expiresAt: N(Math.floor(request.now / 1000) + Math.max(this.retentionDays, request.keepDays ?? 0) * 86_400),
    };
  }

  async #read(key: LedgerKey): Promise<Item | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: S(key.pk), sk: S(key.sk) },
        ConsistentRead: true,
        ProjectionExpression: '#status, bodySha256',
        ExpressionAttributeNames: STATUS,
      }),
    );
    return out.Item;
  }
}
