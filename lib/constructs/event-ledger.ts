/**
 * The event ledger (docs/architecture.md, "Ledger table"): claims, dedupe state and per-resource state
 * records in one on-demand table with point-in-time recovery, the data key, and TTL on `expiresAt`.
 * Access is granted per job, never with grantReadWriteData: nobody here can Scan or delete the table.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { grantKeyVia } from './kms-grants.ts';
import { LEDGER_TIME_ATTRIBUTE, LEDGER_TIME_INDEX, LEDGER_TIME_INDEX_ATTRIBUTES } from '../../lambdas/contract/ledger-keys.ts';

/** DynamoDB calls KMS with the caller's credentials to read and write items of a CMK table. */
const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];

export interface EventLedgerProps {
  readonly encryptionKey: kms.IKey;
  /** RETAIN in production: the ledger is the record of what was received. */
  readonly removalPolicy: RemovalPolicy;
  /** Refuse DeleteTable even from an administrator until switched off. */
  readonly deletionProtection: boolean;
}

export class EventLedger extends Construct {
  public readonly table: dynamodb.ITable;
  private readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: EventLedgerProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;

    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    });
    (table.node.defaultChild as dynamodb.CfnTable).overrideLogicalId('LedgerTable');
    // The time index `ops events` / `ops replay --since` query (docs/architecture.md, "Ledger table"): the
    // table's own sharded pk (no hot partition) and receivedAt, projecting only what the claim writes once,
    // so the processor's status updates cost no index write. Added to an existing table in place (backfilled).
    table.addGlobalSecondaryIndex({
      indexName: LEDGER_TIME_INDEX,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: LEDGER_TIME_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...LEDGER_TIME_INDEX_ATTRIBUTES],
    });
    this.table = table;

    Validations.of(table).acknowledge({
      id: 'HIPAA.Security-DynamoDBInBackupPlan',
      reason: 'Point-in-time recovery (35 days, asserted in test/infra) backs the table up continuously; items are dedupe and state records that expire by TTL, so an AWS Backup plan would add cost and no recovery point that PITR lacks.',
    });
  }

  /**
   * The verifier's claim protocol: conditional PutItem, GetItem fallback, UpdateItem to mark enqueued,
   * DeleteItem to release a claim. Only event ledger entries (`EVT#...` partition keys).
   */
  grantClaims(grantee: iam.IGrantable): void {
    this.grantItems(grantee, ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], ['EVT#*']);
  }

  /**
   * A processor marks its provider's entries processed and moves its provider's state records forward,
   * both with conditional UpdateItem (an upsert; it never reads an item); it cannot touch another provider's
   * partitions.
   */
  grantProcessing(grantee: iam.IGrantable, providerId: string): void {
    this.grantItems(grantee, ['dynamodb:UpdateItem'], [`EVT#${providerId}#*`, `STATE#${providerId}#*`]);
  }

  private grantItems(grantee: iam.IGrantable, actions: string[], leadingKeys: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions,
      resources: [this.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeys } },
    }));
    grantKeyVia(grantee, this.encryptionKey, 'dynamodb', TABLE_KEY_ACTIONS);
  }
}
