/**
 * Alarms with actions: every alarm notifies one KMS-encrypted, TLS-only SNS topic (and the same topic when
 * it recovers), and its description names the runbook section the on-call engineer opens.
 * Rates carry a minimum volume so that one bad request at 3 a.m. is not a page.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ApiMetric, CanaryMetric, METRICS_NAMESPACE } from '../../lambdas/contract/metrics.ts';
import { isVendor } from '../../providers/index.ts';
import type { AlarmThresholds, ProviderConfig } from '../config/types.ts';
import { spoolMetric, verifierMetric } from '../alarm-metrics.ts';
import { pascalCase } from '../naming.ts';
import { runbookDescription, type RunbookAnchor } from '../runbook-anchors.ts';
import type { Canary } from './synthetic-canary.ts';
import type { ProviderPipeline } from './provider-pipeline.ts';

const PERIOD = Duration.minutes(5);
/** The sweeper runs every minute: an object older than this has outlived several runs. */
const SPOOL_AGE_SECONDS = 300;
/** The window in which every delivery of a provider failed its signature (AllSignaturesRejected<Provider>). */
export const ALL_REJECTED_WINDOW = Duration.minutes(15);
/** Vendor silence is watched in 5-minute periods: expectAtLeastEveryMinutes of them, rounded up. */
const SILENCE_PERIOD_MINUTES = 5;
/** Every action an SNS topic policy accepts ("Valid Amazon SNS policy actions", SNS Developer Guide). */
const TOPIC_POLICY_ACTIONS = [
  'sns:AddPermission', 'sns:DeleteTopic', 'sns:GetDataProtectionPolicy', 'sns:GetTopicAttributes',
  'sns:ListSubscriptionsByTopic', 'sns:ListTagsForResource', 'sns:Publish', 'sns:PutDataProtectionPolicy',
  'sns:RemovePermission', 'sns:SetTopicAttributes', 'sns:Subscribe',
] as const;

export interface MonitoringProps {
  /** Encrypts the alarm topic (the stack's telemetry key, whose policy admits CloudWatch). */
  readonly encryptionKey: kms.IKey;
  /** @default - no subscription; subscribe a pager or chat integration to the topic yourself */
  readonly alarmEmail?: string;
  readonly api: apigwv2.IHttpApi;
  /** The API's JSON access logs: the only record of the 429s API Gateway answers itself. */
  readonly accessLogGroup: logs.ILogGroup;
  readonly verifier: lambda.IFunction;
  readonly spoolSweeper: lambda.IFunction;
  readonly pipelines: readonly ProviderPipeline[];
  /** The enabled providers' settings (expectAtLeastEveryMinutes: the vendor-silence alarms). @default none */
  readonly providers?: readonly ProviderConfig[];
  readonly thresholds: AlarmThresholds;
  /** The synthetic canary, when enabled: CanaryFailed. */
  readonly canary?: Canary;
}

interface AlarmSpec {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly summary: string;
  readonly runbook: RunbookAnchor;
  /** @default 1 */
  readonly evaluationPeriods?: number;
  /** @default GREATER_THAN_THRESHOLD */
  readonly comparisonOperator?: cloudwatch.ComparisonOperator;
  /** @default NOT_BREACHING: no traffic is not an incident */
  readonly treatMissingData?: cloudwatch.TreatMissingData;
}

export class Monitoring extends Construct {
  public readonly topic: sns.ITopic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  private readonly action: actions.SnsAction;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const t = props.thresholds;

    // Not enforceSSL: it denies plain HTTP for sns:Publish only. This denies it for every action a topic
    // policy accepts (SNS refuses a topic policy naming sns:*, so they are listed).
    const topic = new sns.Topic(this, 'AlarmTopic', { masterKey: props.encryptionKey });
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyInsecureTransport',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: [...TOPIC_POLICY_ACTIONS],
      resources: [topic.topicArn],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }));
    // A topic policy of our own replaces SNS's default one, which is what let this account's alarms publish.
    topic.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
      },
    }));
    if (props.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    this.topic = topic;
    this.action = new actions.SnsAction(topic);

    this.alarm('Verifier5xxRate', {
      metric: new cloudwatch.MathExpression({
        expression: `IF(FILL(requests, 0) >= ${t.verifier5xxMinRequests}, 100 * FILL(errors, 0) / FILL(requests, 0), 0)`,
        usingMetrics: {
          requests: props.api.metricCount({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
          errors: props.api.metricServerError({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        },
        label: 'Verifier 5xx %',
        period: PERIOD,
      }),
      threshold: t.verifier5xxPercent,
      summary: `More than ${t.verifier5xxPercent}% of webhook requests got a 5xx in 5 minutes (at least ${t.verifier5xxMinRequests} requests); senders that do not retry lose these events.`,
      runbook: 'verifier-5xx',
    });
    this.alarm('VerifierLatencyP99', {
      metric: props.verifier.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(99) }),
      threshold: t.verifierP99Ms,
      evaluationPeriods: 2,
      summary: `Verifier p99 duration above ${t.verifierP99Ms} ms for 10 minutes; the strictest sender gives up after 10 s.`,
      runbook: 'verifier-latency',
    });
    this.alarm('VerifierThrottles', {
      metric: props.verifier.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
      summary: 'Lambda throttled the verifier: webhook requests were refused (API Gateway answers 5xx).',
      runbook: 'throttling',
    });

    // Messages the verifier spooled while SQS failed wait for the sweeper (every minute): five minutes in the
    // spool means SQS is still failing, or the sweeper cannot send, read or delete (docs/architecture.md, "Spool").
    this.alarm('SpoolAge', {
      metric: spoolMetric('SpoolOldestAgeSeconds', cloudwatch.Stats.MAXIMUM, PERIOD),
      threshold: SPOOL_AGE_SECONDS,
      summary: `A message spooled while SQS failed has waited more than ${SPOOL_AGE_SECONDS} s to be sent to its queue: SQS is still failing, or the sweeper cannot send it.`,
      runbook: 'spool',
    });
    this.alarm('SpoolSweeperErrors', {
      metric: props.spoolSweeper.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
      evaluationPeriods: 2,
      summary: 'The spool sweeper failed in two 5-minute windows in a row (listing the spool failed, or the function crashed or timed out): spooled messages are not being sent.',
      runbook: 'spool',
    });

    // HTTP APIs publish no 429 metric: count them from the access logs, per route.
    new logs.MetricFilter(this, 'ApiThrottledFilter', {
      logGroup: props.accessLogGroup,
      filterPattern: logs.FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: METRICS_NAMESPACE,
      metricName: ApiMetric.ApiThrottled,
      metricValue: '1',
      dimensions: { route: '$.routeKey' },
      unit: cloudwatch.Unit.COUNT,
    });

    for (const pipeline of props.pipelines) this.providerAlarms(pipeline, t);

    // Vendor silence: no event accepted for providers.<id>.expectAtLeastEveryMinutes. No data is the
    // signal here (the verifier publishes Accepted only when it accepts one), so missing data breaches.
    for (const provider of props.providers ?? []) {
      if (provider.expectAtLeastEveryMinutes === undefined || !isVendor(provider.id)) continue;
      const periods = Math.ceil(provider.expectAtLeastEveryMinutes / SILENCE_PERIOD_MINUTES);
      this.alarm(`VendorSilence${pascalCase(provider.id)}`, {
        metric: verifierMetric('Accepted', provider.id, Duration.minutes(SILENCE_PERIOD_MINUTES)),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: periods,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        summary: `No '${provider.id}' event was accepted for ${periods * SILENCE_PERIOD_MINUTES} minutes (providers.${provider.id}.expectAtLeastEveryMinutes: ${provider.expectAtLeastEveryMinutes}): the vendor stopped sending, disabled the endpoint after failures, or cannot reach it.`,
        runbook: 'vendor-silence',
      });
    }

    // The canary: CanarySuccess is 1 or 0 once per run; two failed runs in a row, or two periods without a
    // run (the schedule or the function is gone), page.
    if (props.canary) {
      const every = props.canary.everyMinutes;
      this.alarm('CanaryFailed', {
        metric: new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE, metricName: CanaryMetric.CanarySuccess,
          statistic: cloudwatch.Stats.MINIMUM, period: Duration.minutes(every),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        summary: `The synthetic canary failed two runs in a row (every ${every} min: sign, POST to /webhooks/canary, ledger received, enqueued, processed), or did not run: the path vendors use is broken somewhere; its log names the failed hop.`,
        runbook: 'canary-failed',
      });
    }
  }

  private providerAlarms(pipeline: ProviderPipeline, t: AlarmThresholds): void {
    const id = pipeline.providerId;
    this.alarm(`ApiThrottled${pascalCase(id)}`, {
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE, metricName: ApiMetric.ApiThrottled, dimensionsMap: { route: `POST /webhooks/${id}` },
        statistic: cloudwatch.Stats.SUM, period: PERIOD,
      }),
      threshold: 0,
      summary: `API Gateway answered 429 to '${id}' (its route throttle, providers.${id}.throttle): senders that do not retry a 429 lose these events.`,
      runbook: 'throttling',
    });
    const suffix = pascalCase(id);
    const processor = pipeline.processor.function;

    this.alarm(`SignatureFailureRate${suffix}`, {
      metric: new cloudwatch.MathExpression({
        expression: `IF(FILL(accepted, 0) + FILL(duplicate, 0) + FILL(failures, 0) >= ${t.signatureFailureMinRequests}, ` +
          '100 * FILL(failures, 0) / (FILL(accepted, 0) + FILL(duplicate, 0) + FILL(failures, 0)), 0)',
        usingMetrics: {
          accepted: verifierMetric('Accepted', id, PERIOD),
          duplicate: verifierMetric('Duplicate', id, PERIOD),
          failures: verifierMetric('SignatureFailure', id, PERIOD),
        },
        label: `${id} signature failure %`,
        period: PERIOD,
      }),
      threshold: t.signatureFailurePercent,
      summary: `More than ${t.signatureFailurePercent}% of '${id}' requests failed signature checks in 5 minutes (at least ${t.signatureFailureMinRequests} requests): a rotated secret not stored yet, clock skew, or someone probing.`,
      runbook: 'signature-failures',
    });
    // Every delivery in the window failed its signature and none was accepted: a rotated vendor secret not
    // stored here, or a change of scheme. Low-volume senders never reach the rate alarm's minimum. Not for
    // the canary: CanaryFailed names that hop itself.
    if (isVendor(id)) {
      this.alarm(`AllSignaturesRejected${suffix}`, {
        metric: new cloudwatch.MathExpression({
          expression: 'IF(FILL(failures, 0) > 0 AND FILL(accepted, 0) + FILL(duplicate, 0) == 0, 1, 0)',
          usingMetrics: {
            accepted: verifierMetric('Accepted', id, ALL_REJECTED_WINDOW),
            duplicate: verifierMetric('Duplicate', id, ALL_REJECTED_WINDOW),
            failures: verifierMetric('SignatureFailure', id, ALL_REJECTED_WINDOW),
          },
          label: `${id} every delivery rejected`,
          period: ALL_REJECTED_WINDOW,
        }),
        threshold: 0,
        summary: `Every '${id}' delivery in ${ALL_REJECTED_WINDOW.toMinutes()} minutes failed its signature check and none was accepted: the vendor rotated its secret or changed its scheme; it may disable the endpoint after repeated failures.`,
        runbook: 'all-signatures-rejected',
      });
    }
    this.alarm(`PreviousSecretAfterGrace${suffix}`, {
      metric: verifierMetric('PreviousSecretAfterGrace', id, PERIOD),
      threshold: 0,
      summary: `'${id}' requests were signed with the previous secret after its grace window and were rejected: the sender still uses the old secret.`,
      runbook: 'previous-secret-after-grace',
    });
    // The verifier accepted a signed event it could not read (type or dedupe key): the processor moved it to
    // the DLQ on its first receive, and nothing handles it until on-call adds a handler and redrives.
    this.alarm(`UnrecognizedEvent${suffix}`, {
      metric: verifierMetric('UnrecognizedEvent', id, PERIOD),
      threshold: 0,
      summary: `The verifier accepted signed '${id}' events whose type or dedupe key it could not read (the sender changed its payload shape); they wait in the DLQ for a handler.`,
      runbook: 'unrecognized-event',
    });
    // The ledger (DynamoDB) failed and the verifier enqueued without a claim rather than lose the event:
    // still processed once, but duplicates are no longer answered from the ledger while it lasts.
    this.alarm(`LedgerBypass${suffix}`, {
      metric: verifierMetric('LedgerBypass', id, PERIOD),
      threshold: 0,
      summary: `The verifier enqueued '${id}' events without a ledger claim because DynamoDB failed: check DynamoDB health and throttling.`,
      runbook: 'ledger-bypass',
    });
    this.alarm(`DlqNotEmpty${suffix}`, {
      metric: pipeline.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 0,
      summary: `The '${id}' dead-letter queue holds messages: events failed permanently, or kept failing for the whole retry budget, and wait for a redrive.`,
      runbook: 'dlq-not-empty',
    });
    this.alarm(`QueueAge${suffix}`, {
      metric: pipeline.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: t.queueAgeSeconds,
      summary: `The oldest '${id}' message has waited more than ${t.queueAgeSeconds} s: the processor is failing, throttled or too slow.`,
      runbook: 'queue-age-high',
    });
    // A minimum error count, like the other rates: one message that crashes the processor fails a batch of
    // one on every receive (100%), but SQS redelivers it only once per visibility timeout; QueueAge and
    // DlqNotEmpty page for that message, this alarm for failures beyond it.
    this.alarm(`ProcessorErrors${suffix}`, {
      metric: new cloudwatch.MathExpression({
        expression: `IF(FILL(errors, 0) >= ${t.processorErrorMinCount}, 100 * FILL(errors, 0) / FILL(invocations, 0), 0)`,
        usingMetrics: {
          invocations: processor.metricInvocations({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
          errors: processor.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        },
        label: `${id} processor error %`,
        period: PERIOD,
      }),
      threshold: t.processorErrorPercent,
      summary: `More than ${t.processorErrorPercent}% of '${id}' processor invocations failed as a whole in 5 minutes, at least ${t.processorErrorMinCount} of them (item failures are retried singly and do not count here).`,
      runbook: 'processor-errors',
    });
    this.alarm(`ProcessorThrottles${suffix}`, {
      metric: processor.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
      summary: `Lambda throttled the '${id}' processor; its messages wait longer and may reach the DLQ.`,
      runbook: 'throttling',
    });
  }

  private alarm(id: string, spec: AlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: spec.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      // No traffic is not an incident; the DLQ and age alarms catch a processor that stopped (the canary and
      // vendor-silence alarms, whose signal is the absence of data, breach instead).
      treatMissingData: spec.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: runbookDescription(spec.summary, spec.runbook),
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }
}
