/**
 * The synthetic canary (docs/architecture.md, "Canary"): a small function that an EventBridge schedule runs
 * every `canary.everyMinutes`. It signs a `canary.ping` event with the `canary` provider's own secret (its
 * pipeline's, created by the stack; never a vendor's), posts it to the public URL (the custom domain when
 * set) and reads the ledger until the event shows `processed`. Least privilege: GetSecretValue on the
 * canary secret only, GetItem on the ledger only for the canary's partition keys (dynamodb:LeadingKeys),
 * the data key only through Secrets Manager and DynamoDB. Its alarm is in monitoring.ts (CanaryFailed).
 */
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { canaryEnvironment } from '../../lambdas/contract/environment.ts';
import { eventPartitions } from '../../lambdas/contract/ledger-keys.ts';
import { CANARY_PROVIDER_ID } from '../../providers/index.ts';
import type { EventLedger } from './event-ledger.ts';
import { grantKeyVia } from './kms-grants.ts';
import type { ProviderPipeline } from './provider-pipeline.ts';
import { WebhookFunction } from './webhook-function.ts';

/** How long a run waits for `processed`; the function's timeout adds the POST's 30 s at most. */
export const CANARY_WAIT_SECONDS = 60;

export interface CanaryProps {
  readonly entry: string;
  /** The `canary` provider's pipeline: its secret is the one the canary signs with. */
  readonly pipeline: ProviderPipeline;
  /** Base URL senders post to (the custom domain when set). */
  readonly url: string;
  readonly ledger: EventLedger;
  readonly dataKey: kms.IKey;
  readonly everyMinutes: number;
  readonly logRetentionDays: number;
  readonly logEncryptionKey: kms.IKey;
  readonly logRemovalPolicy: RemovalPolicy;
}

export class Canary extends Construct {
  public readonly canary: WebhookFunction;
  public readonly schedule: events.Rule;
  public readonly everyMinutes: number;

  constructor(scope: Construct, id: string, props: CanaryProps) {
    super(scope, id);
    if (props.pipeline.providerId !== CANARY_PROVIDER_ID) throw new Error(`the canary signs with the '${CANARY_PROVIDER_ID}' provider's secret, not '${props.pipeline.providerId}'`);
    this.everyMinutes = props.everyMinutes;

    this.canary = new WebhookFunction(this, 'Runner', {
      entry: props.entry,
      description: 'Synthetic canary: signs a canary event, posts it to the public URL, waits for the ledger to show it processed',
      memoryMb: 256,
      timeout: Duration.seconds(CANARY_WAIT_SECONDS + 30),
      logRetentionDays: props.logRetentionDays,
      logEncryptionKey: props.logEncryptionKey,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: canaryEnvironment({
        url: `${props.url.replace(/\/+$/, '')}/webhooks/${CANARY_PROVIDER_ID}`,
        secretArn: props.pipeline.secret.secretArn,
        ledgerTable: props.ledger.table.tableName,
        waitSeconds: CANARY_WAIT_SECONDS,
      }),
    });
    const role = this.canary.role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [props.pipeline.secret.secretArn],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['dynamodb:GetItem'],
      resources: [props.ledger.table.tableArn],
      // Only the canary's own events: its sixteen EVT#canary#<shard> partition keys.
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': eventPartitions(CANARY_PROVIDER_ID) } },
    }));
    grantKeyVia(role, props.dataKey, 'secretsmanager', ['kms:Decrypt']);
    // Reading an item of a table encrypted with a customer managed key: Decrypt, and DescribeKey, which
    // DynamoDB calls to check the table key (the reads of the other roles have both too).
    grantKeyVia(role, props.dataKey, 'dynamodb', ['kms:Decrypt', 'kms:DescribeKey']);

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `Runs the synthetic canary every ${props.everyMinutes} minute${props.everyMinutes === 1 ? '' : 's'}`,
      schedule: events.Schedule.rate(Duration.minutes(props.everyMinutes)),
      // A failed run is not retried: the next run sends a new event, and CanaryFailed counts failed runs.
      targets: [new targets.LambdaFunction(this.canary.function, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });

    Validations.of(this.canary.function).acknowledge(
      {
        id: 'HIPAA.Security-LambdaDLQ',
        reason: 'The canary is invoked by a schedule whose events carry no data; a failed run publishes CanarySuccess 0 and the CanaryFailed alarm pages on two in a row, so a DLQ of empty schedule events would hold nothing to recover.',
      },
      {
        id: 'HIPAA.Security-LambdaConcurrency',
        reason: 'One schedule invokes it once per canary.everyMinutes (at least a minute) and each run ends within 90 s, so at most two run at once; reserved concurrency would take capacity from the account pool and fails deployment on new accounts with a 10-execution quota.',
      },
    );
  }
}
