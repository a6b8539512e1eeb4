/**
 * The spool sweeper (docs/architecture.md, "Spool"): a small function that an EventBridge schedule runs
 * every minute. It sends the messages the verifier spooled to the claim-check bucket while SQS failed to
 * their provider's queue, then deletes them. Least privilege: list, read and delete under `spool/` only,
 * SendMessage to the provider queues only, the data key only through S3 and SQS.
 */
import { Duration, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { spoolSweeperEnvironment } from '../../lambdas/contract/environment.ts';
import type { ClaimCheckBucket } from './claim-check-bucket.ts';
import { grantKeyVia } from './kms-grants.ts';
import type { ProviderPipeline } from './provider-pipeline.ts';
import { WebhookFunction } from './webhook-function.ts';

/** lambdas/shared/spool.ts SPOOL_PREFIX (not imported: lib/ does not load Lambda code). */
export const SPOOL_PREFIX = 'spool/';

export interface SpoolSweeperProps {
  readonly entry: string;
  readonly claimChecks: ClaimCheckBucket;
  readonly pipelines: readonly ProviderPipeline[];
  readonly dataKey: kms.IKey;
  readonly logRetentionDays: number;
  readonly logEncryptionKey: kms.IKey;
  readonly logRemovalPolicy: RemovalPolicy;
}

export class SpoolSweeper extends Construct {
  public readonly sweeper: WebhookFunction;
  public readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: SpoolSweeperProps) {
    super(scope, id);

    this.sweeper = new WebhookFunction(this, 'Sweeper', {
      entry: props.entry,
      description: 'Sends messages spooled while SQS failed to their provider queue, then deletes them',
      memoryMb: 256,
      // Below the one-minute schedule, so runs do not overlap; the handler stops starting sends 10 s before it.
      timeout: Duration.seconds(50),
      logRetentionDays: props.logRetentionDays,
      logEncryptionKey: props.logEncryptionKey,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: spoolSweeperEnvironment({
        claimCheckBucket: props.claimChecks.bucket.bucketName,
        queueUrls: Stack.of(this).toJsonString(props.pipelines.map((p) => p.queue.queueUrl)),
      }),
    });
    const role = this.sweeper.role;
    props.claimChecks.grantSpoolSweep(role, SPOOL_PREFIX);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sqs:SendMessage'],
      resources: props.pipelines.map((p) => p.queue.queueArn),
    }));
    grantKeyVia(role, props.dataKey, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']);

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the spool sweeper every minute',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      // A failed run is not retried: the next scheduled run picks up whatever it left.
      targets: [new targets.LambdaFunction(this.sweeper.function, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });

    Validations.of(this.sweeper.function).acknowledge(
      {
        id: 'HIPAA.Security-LambdaDLQ',
        reason: 'The sweeper is invoked by a one-minute schedule whose events carry no data; a failed run leaves every spool object in place for the next run, and failures alarm (SpoolSweeperErrors), so a DLQ of empty schedule events would hold nothing to recover.',
      },
      {
        id: 'HIPAA.Security-LambdaConcurrency',
        reason: 'One schedule invokes it once a minute with a 50 s timeout, so it never runs more than once at a time in normal operation; reserved concurrency would take capacity from the account pool and fails deployment on new accounts with a 10-execution quota.',
      },
    );
  }
}
