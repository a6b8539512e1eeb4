/**
 * The deployable unit, composed thinly from one construct per concern (docs/architecture.md):
 * keys → ledger and claim-check bucket → one pipeline per provider → ingress (API + verifier) → spool
 * sweeper → monitoring.
 * Environment-agnostic: no lookups, no account or region in the template, so `cdk synth` runs offline.
 */
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { AppConfig } from './config/types.ts';
import { CANARY_PROVIDER_ID } from '../providers/index.ts';
import { Canary } from './constructs/synthetic-canary.ts';
import { ClaimCheckBucket } from './constructs/claim-check-bucket.ts';
import { EncryptionKeys } from './constructs/encryption-keys.ts';
import { EventLedger } from './constructs/event-ledger.ts';
import { Ingress } from './constructs/ingress.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { OperationsDashboard } from './constructs/operations-dashboard.ts';
import type { ProcessorExtension } from './constructs/processor-extension.ts';
import { ProviderPipeline } from './constructs/provider-pipeline.ts';
import { SpoolSweeper } from './constructs/spool-sweeper.ts';
import { pascalCase } from './naming.ts';
import { CANARY_ENTRY, PROCESSOR_ENTRY, SPOOL_SWEEPER_ENTRY, TRACED_VERIFIER_ENTRY, VERIFIER_ENTRY } from './paths.ts';

export interface WebhookReceiverStackProps extends StackProps {
  /** Validated configuration from lib/config/load.ts. */
  readonly config: AppConfig;
  /** @default the handlers under lambdas/ */
  readonly verifierEntry?: string;
  /** @default the handlers under lambdas/ */
  readonly processorEntry?: string;
  /**
   * Per provider id: extra environment variables and IAM grants of that provider's processor, for a fork's
   * business logic (lib/constructs/processor-extension.ts; README.md, "Fork it").
   * @default none
   */
  readonly processorExtensions?: Readonly<Record<string, ProcessorExtension>>;
}

export class WebhookReceiverStack extends Stack {
  public readonly ingress: Ingress;
  public readonly ledger: EventLedger;
  public readonly claimChecks: ClaimCheckBucket;
  public readonly pipelines: readonly ProviderPipeline[];
  public readonly spool: SpoolSweeper;
  public readonly monitoring: Monitoring;
  /** The synthetic canary; undefined with `canary.enabled: false`. */
  public readonly canary: Canary | undefined;

  constructor(scope: Construct, id: string, props: WebhookReceiverStackProps) {
    super(scope, id, props);
    const { config } = props;
    const production = config.stage === 'prod';
    // Anything but dev keeps its data when the stack (or a resource's logical ID) goes away.
    const removalPolicy = config.stage === 'dev' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    const keys = new EncryptionKeys(this, 'Keys', { removalPolicy });
    this.ledger = new EventLedger(this, 'Ledger', {
      encryptionKey: keys.dataKey,
      removalPolicy,
      deletionProtection: production,
    });
    this.claimChecks = new ClaimCheckBucket(this, 'ClaimChecks', {
      encryptionKey: keys.dataKey,
      retentionDays: config.claimCheckRetentionDays,
      // The event archive lives as long as the ledger entries that point at it (capped by retentionDays).
      archiveRetentionDays: config.ledgerRetentionDays,
      accessLogRetentionDays: config.logRetentionDays,
      removalPolicy,
      // Versioned buckets with objects make `cdk destroy` fail: dev empties them (all versions) first.
      autoDeleteObjects: config.stage === 'dev',
    });

    const enabled = new Set(config.providers.map((provider) => provider.id));
    const unknown = Object.keys(props.processorExtensions ?? {}).filter((providerId) => !enabled.has(providerId));
    if (unknown.length > 0) {
      throw new Error(`processorExtensions names ${unknown.map((id) => `'${id}'`).join(', ')}, not an enabled provider (enabled: ${[...enabled].join(', ')})`);
    }
    this.pipelines = config.providers.map((provider) => new ProviderPipeline(this, `Pipeline${pascalCase(provider.id)}`, {
      provider,
      dataKey: keys.dataKey,
      ledger: this.ledger,
      claimChecks: this.claimChecks,
      processor: config.processor,
      processorEntry: props.processorEntry ?? PROCESSOR_ENTRY,
      ledgerRetentionDays: config.ledgerRetentionDays,
      replayProtectionDays: config.replayProtectionDays,
      retryBudgetSeconds: config.retryBudgetSeconds,
      logRetentionDays: config.logRetentionDays,
      logEncryptionKey: keys.telemetryKey,
      removalPolicy,
      ...(props.processorExtensions?.[provider.id] ? { processorExtension: props.processorExtensions[provider.id] } : {}),
    }));

    this.ingress = new Ingress(this, 'Ingress', {
      pipelines: this.pipelines,
      providers: config.providers,
      ledger: this.ledger,
      claimChecks: this.claimChecks,
      verifier: config.verifier,
      verifierEntry: props.verifierEntry ?? (config.traceVerifierAwsCalls ? TRACED_VERIFIER_ENTRY : VERIFIER_ENTRY),
      throttle: config.throttle,
      maxBodyBytes: config.maxBodyBytes,
      claimCheckThresholdBytes: config.claimCheckThresholdBytes,
      rotationGraceHours: config.rotationGraceHours,
      ledgerRetentionDays: config.ledgerRetentionDays,
      claimLeaseSeconds: config.claimLeaseSeconds,
      replayProtectionDays: config.replayProtectionDays,
      logRetentionDays: config.logRetentionDays,
      logEncryptionKey: keys.telemetryKey,
      logRemovalPolicy: removalPolicy,
      ...(config.customDomain ? { customDomain: config.customDomain } : {}),
    });

    // SendMessage failed: the verifier spooled the message to the claim-check bucket; this sends it on.
    this.spool = new SpoolSweeper(this, 'Spool', {
      entry: SPOOL_SWEEPER_ENTRY,
      claimChecks: this.claimChecks,
      pipelines: this.pipelines,
      dataKey: keys.dataKey,
      logRetentionDays: config.logRetentionDays,
      logEncryptionKey: keys.telemetryKey,
      logRemovalPolicy: removalPolicy,
    });

    // The synthetic canary: its own provider's secret, the public URL, the ledger (lib/constructs/synthetic-canary.ts).
    const canaryPipeline = this.pipelines.find((p) => p.providerId === CANARY_PROVIDER_ID);
    this.canary = config.canary.enabled && canaryPipeline
      ? new Canary(this, 'Canary', {
          entry: CANARY_ENTRY,
          pipeline: canaryPipeline,
          url: this.ingress.url,
          ledger: this.ledger,
          dataKey: keys.dataKey,
          everyMinutes: config.canary.everyMinutes,
          logRetentionDays: config.logRetentionDays,
          logEncryptionKey: keys.telemetryKey,
          logRemovalPolicy: removalPolicy,
        })
      : undefined;

    this.monitoring = new Monitoring(this, 'Monitoring', {
      encryptionKey: keys.telemetryKey,
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
      api: this.ingress.api,
      accessLogGroup: this.ingress.accessLogGroup,
      verifier: this.ingress.verifier.function,
      spoolSweeper: this.spool.sweeper.function,
      pipelines: this.pipelines,
      providers: config.providers,
      thresholds: config.alarms,
      ...(this.canary ? { canary: this.canary } : {}),
    });
    new OperationsDashboard(this, 'Operations', {
      api: this.ingress.api,
      verifier: this.ingress.verifier.function,
      pipelines: this.pipelines,
      alarms: this.monitoring.alarms,
    });

    // Output IDs are a contract with the ops CLI and runbooks (it reads them by stack name): do not rename.
    new CfnOutput(this, 'ApiUrl', { value: this.ingress.url, description: 'Base URL; senders post to <ApiUrl>webhooks/<provider id>' });
    if (this.ingress.customDomainTarget) {
      new CfnOutput(this, 'CustomDomainTarget', {
        value: this.ingress.customDomainTarget,
        description: 'Point the custom domain (CNAME or Route 53 alias) at this regional host name',
      });
      new CfnOutput(this, 'CustomDomainHostedZoneId', {
        value: this.ingress.customDomainHostedZoneId!,
        description: 'HostedZoneId of a Route 53 alias record to CustomDomainTarget (the regional API endpoint\'s zone)',
      });
    }
    new CfnOutput(this, 'LedgerTableName', { value: this.ledger.table.tableName });
    new CfnOutput(this, 'ClaimCheckBucketName', { value: this.claimChecks.bucket.bucketName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    for (const pipeline of this.pipelines) {
      const suffix = pascalCase(pipeline.providerId);
      new CfnOutput(this, `QueueUrl${suffix}`, { value: pipeline.queue.queueUrl, description: `${pipeline.providerId} queue` });
      new CfnOutput(this, `DeadLetterQueueUrl${suffix}`, { value: pipeline.deadLetterQueue.queueUrl, description: `${pipeline.providerId} DLQ` });
      new CfnOutput(this, `SecretArn${suffix}`, { value: pipeline.secret.secretArn, description: `${pipeline.providerId} signing secret` });
    }
  }
}
