/**
 * One CloudWatch dashboard with the alarmed signals: the edge and the verifier on top, then one row per
 * provider (verification outcomes, secret use, queue and DLQ, processor health, processing outcomes).
 */
import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { processorMetric, verifierMetric } from '../alarm-metrics.ts';
import type { ProviderPipeline } from './provider-pipeline.ts';

const PERIOD = Duration.minutes(5);
const sum = { period: PERIOD, statistic: cloudwatch.Stats.SUM };
const max = { period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM };

export interface OperationsDashboardProps {
  readonly api: apigwv2.IHttpApi;
  readonly verifier: lambda.IFunction;
  readonly pipelines: readonly ProviderPipeline[];
  readonly alarms: readonly cloudwatch.IAlarm[];
}

export class OperationsDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    this.dashboard = dashboard;

    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 4 }),
    );
    dashboard.addWidgets(
      graph('API requests and errors', [props.api.metricCount(sum), props.api.metricClientError(sum), props.api.metricServerError(sum)]),
      graph('API latency (p50, p99)', [
        props.api.metricLatency({ period: PERIOD, statistic: cloudwatch.Stats.p(50) }),
        props.api.metricLatency({ period: PERIOD, statistic: cloudwatch.Stats.p(99) }),
      ]),
      graph('Verifier duration (p99) vs 10 s sender timeout', [
        props.verifier.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(99) }),
      ], [{ value: 10_000, label: 'strictest sender timeout', color: '#d62728' }]),
      graph('Verifier errors and throttles', [props.verifier.metricErrors(sum), props.verifier.metricThrottles(sum)]),
    );

    for (const pipeline of props.pipelines) {
      const p = pipeline.providerId;
      const fn = pipeline.processor.function;
      dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `### Provider \`${p}\``, width: 24, height: 1 }));
      dashboard.addWidgets(
        graph(`${p}: verification`, (['Accepted', 'Duplicate', 'InFlight', 'SignatureFailure', 'BadRequest', 'DedupeConflict', 'EnqueueFailure'] as const)
          .map((m) => verifierMetric(m, p, PERIOD))),
        graph(`${p}: secret versions`, (['SecretCurrentMatched', 'SecretPreviousMatched', 'PreviousSecretAfterGrace'] as const)
          .map((m) => verifierMetric(m, p, PERIOD))),
        graph(`${p}: queue and DLQ depth`, [
          pipeline.queue.metricApproximateNumberOfMessagesVisible(max),
          pipeline.deadLetterQueue.metricApproximateNumberOfMessagesVisible(max),
        ]),
        graph(`${p}: oldest message age (s)`, [pipeline.queue.metricApproximateAgeOfOldestMessage(max)]),
      );
      dashboard.addWidgets(
        graph(`${p}: processor`, [fn.metricInvocations(sum), fn.metricErrors(sum), fn.metricThrottles(sum)]),
        graph(`${p}: processor duration (p99)`, [fn.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(99) })]),
        graph(`${p}: processing outcomes`, (['Processed', 'DuplicateDelivery', 'UnknownEventType', 'StaleEventIgnored', 'ProcessingFailure'] as const)
          .map((m) => processorMetric(m, p, PERIOD))),
      );
    }
  }
}

function graph(title: string, metrics: cloudwatch.IMetric[], annotations: cloudwatch.HorizontalAnnotation[] = []): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left: metrics, leftAnnotations: annotations, width: 6, height: 6 });
}
