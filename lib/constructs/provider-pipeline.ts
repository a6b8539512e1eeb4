/**
 * Everything one provider owns: its signing secret, its queue and dead-letter queue, and its processor.
 * One pipeline per provider keeps a noisy or broken sender from delaying another's events, and gives each
 * its own DLQ, alarms and redrive.
 */
import { Duration, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { findProvider } from '../../providers/index.ts';
import { DLQ_RETENTION_DAYS, signsTimestamp, type FunctionConfig, type ProviderConfig } from '../config/types.ts';
import { processorEnvironment } from '../../lambdas/contract/environment.ts';
import { pascalCase } from '../naming.ts';
import { placeholderGenerator } from '../secret-placeholder.ts';
import type { ClaimCheckBucket } from './claim-check-bucket.ts';
import type { EventLedger } from './event-ledger.ts';
import { grantKeyVia } from './kms-grants.ts';
import { applyProcessorExtension, type ProcessorExtension } from './processor-extension.ts';
import { WebhookFunction } from './webhook-function.ts';

/** The longest SQS allows; a dead-lettered message's age counts from its first enqueue. */
const DLQ_RETENTION = Duration.days(DLQ_RETENTION_DAYS);
/** AWS's rule for SQS event sources: visibility timeout at least six times the function timeout. */
const VISIBILITY_TIMEOUT_FACTOR = 6;

export interface ProviderPipelineProps {
  readonly provider: ProviderConfig;
  /** Encrypts the secret, the queue and the DLQ. */
  readonly dataKey: kms.IKey;
  readonly ledger: EventLedger;
  readonly claimChecks: ClaimCheckBucket;
  /** Memory and timeout of the processor (its reserved concurrency comes from the provider settings). */
  readonly processor: FunctionConfig;
  readonly processorEntry: string;
  readonly ledgerRetentionDays: number;
  /** REPLAY_PROTECTION_DAYS for a provider that signs no timestamp (lambdas/shared/runtime-config.ts). */
  readonly replayProtectionDays: number;
  /** How long the processor retries a transiently failing message before moving it to the DLQ itself. */
  readonly retryBudgetSeconds: number;
  readonly logRetentionDays: number;
  readonly logEncryptionKey: kms.IKey;
  /** For the secret, queues and log group; RETAIN in production. */
  readonly removalPolicy: RemovalPolicy;
  /** A fork's extra environment variables and IAM grants for this processor (processor-extension.ts). */
  readonly processorExtension?: ProcessorExtension;
}

export class ProviderPipeline extends Construct {
  public readonly providerId: string;
  public readonly secret: secretsmanager.ISecret;
  public readonly queue: sqs.IQueue;
  public readonly deadLetterQueue: sqs.IQueue;
  public readonly processor: WebhookFunction;
  private readonly dataKey: kms.IKey;

  constructor(scope: Construct, id: string, props: ProviderPipelineProps) {
    super(scope, id);
    const { provider } = props;
    const suffix = pascalCase(provider.id);
    this.providerId = provider.id;
    this.dataKey = props.dataKey;

    // No value in the template: CloudFormation generates a random placeholder that matches no sender, in a
    // form the provider's key derivation accepts (lib/secret-placeholder.ts), so the provider answers 401
    // (not 503) until the operator stores the real signing secret as a new AWSCURRENT version. An unknown
    // derivation gets the letters-and-digits form, which every derivation accepts.
    const keyDerivation = findProvider(provider.id)?.key ?? 'whsec-base64';
    const generateSecretString = placeholderGenerator(keyDerivation);
    const secret = new secretsmanager.Secret(this, 'Secret', {
      description: `Webhook signing secret for provider '${provider.id}'. The verifier accepts AWSCURRENT, and AWSPREVIOUS during the rotation grace window.`,
      ...(generateSecretString ? { generateSecretString } : {}),
      encryptionKey: props.dataKey,
      removalPolicy: props.removalPolicy,
    });
    (secret.node.defaultChild as secretsmanager.CfnSecret).overrideLogicalId(`Secret${suffix}`);
    Validations.of(secret).acknowledge(
      {
        id: 'AwsSolutions-SMG4',
        reason: "The value is a signing secret issued by the sender's dashboard; a rotation Lambda cannot change it there. Rotation is operator-driven: put a new AWSCURRENT version and the verifier accepts AWSPREVIOUS for the configured grace window.",
      },
      {
        id: 'HIPAA.Security-SecretsManagerRotationEnabled',
        reason: "The value is a signing secret issued by the sender's dashboard; a rotation Lambda cannot change it there. Rotation is operator-driven: put a new AWSCURRENT version and the verifier accepts AWSPREVIOUS for the configured grace window.",
      },
    );
    this.secret = secret;

    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.dataKey,
      // Fewer KMS calls (cost) for a data key reused at most an hour.
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
      removalPolicy: props.removalPolicy,
    });
    (deadLetterQueue.node.defaultChild as sqs.CfnQueue).overrideLogicalId(`DeadLetterQueue${suffix}`);
    this.deadLetterQueue = deadLetterQueue;

    const processorTimeout = Duration.seconds(props.processor.timeoutSeconds);
    const queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.dataKey,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.processor.timeoutSeconds * VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: provider.maxReceiveCount },
      removalPolicy: props.removalPolicy,
    });
    (queue.node.defaultChild as sqs.CfnQueue).overrideLogicalId(`Queue${suffix}`);
    this.queue = queue;

    this.processor = new WebhookFunction(this, 'Processor', {
      entry: props.processorEntry,
      description: `Processes '${provider.id}' webhooks from its queue`,
      memoryMb: props.processor.memoryMb,
      timeout: processorTimeout,
      logRetentionDays: props.logRetentionDays,
      logEncryptionKey: props.logEncryptionKey,
      logRemovalPolicy: props.removalPolicy,
      ...(provider.reservedConcurrency !== undefined ? { reservedConcurrency: provider.reservedConcurrency } : {}),
      provisionedConcurrency: props.processor.provisionedConcurrency,
      environment: processorEnvironment({
        providerId: provider.id,
        ledgerTable: props.ledger.table.tableName,
        claimCheckBucket: props.claimChecks.bucket.bucketName,
        ledgerRetentionDays: props.ledgerRetentionDays,
        // A provider that signs no timestamp: an entry this processor creates must refuse replays as long as the verifier's.
        ...(signsTimestamp(provider) ? {} : { replayProtectionDays: props.replayProtectionDays }),
        // The processor re-times its own message (backoff) and moves what it gives up on to the DLQ itself.
        queueUrl: queue.queueUrl,
        deadLetterQueueUrl: deadLetterQueue.queueUrl,
        retryBudgetSeconds: props.retryBudgetSeconds,
      }),
    });
    // The mapping itself, not SqsEventSource: that one grants through queue.grantConsumeMessages, which adds
    // kms:Decrypt on the data key without a kms:ViaService condition (and sqs:GetQueueUrl, which nothing calls).
    // The construct ID is SqsEventSource's, so the mapping's logical ID stays the same.
    this.processor.invokeTarget.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(queue.node)}`, {
      eventSourceArn: queue.queueArn,
      batchSize: provider.batchSize,
      reportBatchItemFailures: true,
      maxConcurrency: provider.maxConcurrency,
    });
    // What Lambda's poller needs on the execution role (Receive, Delete, GetQueueAttributes), plus
    // ChangeMessageVisibility, which the processor calls itself (backoff); this queue only.
    this.processor.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
      resources: [queue.queueArn],
    }));
    props.ledger.grantProcessing(this.processor.role, provider.id);
    // Only this provider's claim-checked bodies (`<provider id>/...`; lambdas/processor/claim-check-reader.ts checks it too).
    props.claimChecks.grantGet(this.processor.role, `${provider.id}/`);
    // Its own archive prefix only, write only (lambdas/processor/archive.ts; ops replay reads it with operator credentials).
    props.claimChecks.grantArchivePut(this.processor.role, provider.id);
    // Its own DLQ only, send only; the data key only through SQS, which decrypts what the poller receives and
    // encrypts what the processor sends.
    this.processor.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deadLetterQueue.queueArn] }));
    grantKeyVia(this.processor.role, props.dataKey, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']);
    if (props.processorExtension) applyProcessorExtension(provider.id, this.processor.function, props.processorExtension);

    Validations.of(this.processor.function).acknowledge({
      id: 'HIPAA.Security-LambdaDLQ',
      reason: 'The processor is invoked only by its SQS event source mapping, where a Lambda DLQ never applies; the processor moves failed messages to this provider\'s SQS dead-letter queue itself, and SQS does after maxReceiveCount receives (asserted in test/infra).',
    });
    if (provider.reservedConcurrency === undefined) {
      Validations.of(this.processor.function).acknowledge({
        id: 'HIPAA.Security-LambdaConcurrency',
        reason: `Concurrency is bounded by the event source mapping's maximumConcurrency (${provider.maxConcurrency}) instead; reserved concurrency would take capacity from the account pool even when idle and fails deployment on new accounts with a 10-execution quota.`,
      });
    }
  }

  /**
   * The verifier reads this provider's secret (GetSecretValue of both version stages: it never describes or
   * lists versions) and sends to its queue; nothing else.
   */
  grantVerifier(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [this.secret.secretArn],
    }));
    grantKeyVia(grantee, this.dataKey, 'secretsmanager', ['kms:Decrypt']);
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sqs:SendMessage'],
      resources: [this.queue.queueArn],
    }));
    // SQS server-side encryption: the producer generates the data key and may need to decrypt a cached one.
    grantKeyVia(grantee, this.dataKey, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']);
  }
}
