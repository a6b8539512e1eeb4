/**
 * The ledger's time index (docs/architecture.md, "Ledger table"), as synthesized: a GSI on the existing
 * table, keyed by the table's own sharded `pk` and `receivedAt`, projecting only what the claim writes once.
 * Adding a GSI is an in-place CloudFormation update (no replacement) as long as the table keeps its logical
 * id and key schema, which this pins; no Lambda role is granted the index (only ops reads it).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_TIME_ATTRIBUTE, LEDGER_TIME_INDEX } from '../../lambdas/contract/ledger-keys.ts';
import { resources, synthesize, type Synthesized } from './synth.ts';

describe('ledger time index', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize();
  });

  it('is a GSI on the same table: logical id LedgerTable, key schema pk/sk unchanged (an in-place update)', () => {
    const tables = resources(synth.template, 'AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toEqual(['LedgerTable']);
    const props = tables['LedgerTable']!.Properties!;
    expect(props['KeySchema']).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
    expect(props['TableName']).toBeUndefined();
    expect(props['AttributeDefinitions']).toEqual(expect.arrayContaining([
      { AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }, { AttributeName: LEDGER_TIME_ATTRIBUTE, AttributeType: 'S' },
    ]));
    expect(props['AttributeDefinitions']).toHaveLength(3);
  });

  it('byReceivedAt: partition key pk (sharded, no hot key), sort key receivedAt, INCLUDE eventType and unrecognized only', () => {
    const props = resources(synth.template, 'AWS::DynamoDB::Table')['LedgerTable']!.Properties!;
    expect(props['GlobalSecondaryIndexes']).toEqual([{
      IndexName: LEDGER_TIME_INDEX,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: LEDGER_TIME_ATTRIBUTE, KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['eventType', 'unrecognized'] },
    }]);
    // On demand: the index has no provisioned throughput of its own to size.
    expect(props['BillingMode']).toBe('PAY_PER_REQUEST');
  });

  it('no execution role is granted the index: writes maintain it, only ops queries it', () => {
    const policies = resources(synth.template, 'AWS::IAM::Policy');
    const text = JSON.stringify(policies);
    expect(text).not.toContain('/index/');
    expect(text).not.toContain('dynamodb:Scan');
  });
});
