/**
 * JSON → DynamoDB AttributeValue, for values stored "as given" (Suki `_links`). Written by hand because
 * the project depends on @aws-sdk/client-dynamodb only; JSON values need just these five cases.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export function toAttributeValue(value: unknown): AttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return Number.isFinite(value) ? { N: String(value) } : { NULL: true };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttributeValue) };
  if (typeof value === 'object' && value !== null) {
    return { M: Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toAttributeValue(item)])) };
  }
  return { NULL: true };
}
