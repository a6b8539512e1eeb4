/**
 * Resource state records (docs/architecture.md: `STATE#<provider>#<resourceType>` / `<resourceId>`).
 * A record moves forward only by the event's own time, so deliveries may arrive in any order: a late,
 * older event finds a newer record and is ignored. Re-applying the same event (same time, same dedupe
 * key) succeeds and writes the same values, so a redelivery is harmless.
 */
import { UpdateItemCommand, type AttributeValue, type DynamoDBClient, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { stateKey } from '../contract/ledger-keys.ts';
import { isConditionalCheckFailure, PermanentError } from '../processor/errors.ts';
import type { ProcessorEvent } from '../processor/event-processor.ts';
import { toAttributeValue } from './attribute-value.ts';
import type { ResourceStateChange, StateWrite } from './resource-state.ts';

/** A handler described a state change that is not ids and tokens: the same body produces it every time (DLQ at once). */
export class InvalidStateChangeError extends PermanentError {}

const MOVES_FORWARD =
  'attribute_not_exists(pk) OR eventTime < :eventTime OR (eventTime = :eventTime AND dedupeKey = :dedupeKey)';
const DAY_SECONDS = 86_400;

export function stateUpdateRequest(
  table: string, event: ProcessorEvent, change: ResourceStateChange, now: Date, retentionDays: number,
): UpdateItemCommandInput {
  const { pk, sk } = stateKey(event.provider, change.resourceType, change.resourceId);
  const set = [
    'eventType = :eventType', 'eventTime = :eventTime', '#status = :status', 'dedupeKey = :dedupeKey',
    'updatedAt = :updatedAt', 'expiresAt = :expiresAt',
  ];
  const remove: string[] = [];
  const values: Record<string, AttributeValue> = {
    ':eventType': { S: event.eventType },
    ':eventTime': { N: String(event.eventTime) },
    ':status': { S: change.status },
    ':dedupeKey': { S: event.dedupeKey },
    ':updatedAt': { S: now.toISOString() },
    ':expiresAt': { N: String(Math.floor(now.getTime() / 1000) + retentionDays * DAY_SECONDS) },
  };
  // The record describes the latest event only: optional parts the newer event lacks are removed.
  if (change.links !== undefined) {
    set.push('links = :links');
    values[':links'] = toAttributeValue(change.links);
  } else remove.push('links');
  if (change.details !== undefined) {
    set.push('details = :details');
    values[':details'] = toAttributeValue(change.details);
  } else remove.push('details');
  return {
    TableName: table,
    Key: { pk: { S: pk }, sk: { S: sk } },
    UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
    ConditionExpression: MOVES_FORWARD,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: values,
  };
}

export class StateStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly retentionDays: number,
  ) {}

  async apply(event: ProcessorEvent, change: ResourceStateChange, now: Date): Promise<StateWrite> {
    try {
      await this.client.send(new UpdateItemCommand(stateUpdateRequest(this.table, event, change, now, this.retentionDays)));
      return 'applied';
    } catch (error) {
      if (isConditionalCheckFailure(error)) return 'stale';
      throw error;
    }
  }
}

const RESOURCE_TYPE = /^[a-z][a-z0-9_.-]{0,63}$/i;
const RESOURCE_ID = /^[A-Za-z0-9_.:#/@+=-]{1,256}$/;
const STATUS = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Guards what any handler (including a fork's) may write and log: identifiers and short tokens only, so a
 * handler that picked the wrong field cannot copy note text into the state record or a log line.
 */
export function assertSafeStateChange(change: ResourceStateChange): void {
  if (!RESOURCE_TYPE.test(change.resourceType)) throw new InvalidStateChangeError('state change has an invalid resourceType');
  if (!RESOURCE_ID.test(change.resourceId)) throw new InvalidStateChangeError('state change has an invalid resourceId');
  if (!STATUS.test(change.status)) throw new InvalidStateChangeError('state change has an invalid status');
  for (const value of Object.values(change.details ?? {})) {
    if (!RESOURCE_ID.test(value)) throw new InvalidStateChangeError('state change has a detail that is not an identifier');
  }
}
