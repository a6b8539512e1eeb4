/**
 * What `ops status` shows, one row per provider (the first step of every alarm in docs/runbook.md):
 *
 * - accepted and failed in the last hour. Deployed: CloudWatch metrics, `Accepted` (the verifier, per
 *   accepted event) and `ProcessingFailure` (the processor, per failed delivery: a retried event counts
 *   each time), one GetMetricData call for every provider whatever the traffic; counting them from the
 *   ledger would read every event of the hour (the status is not in the index: one read per event).
 *   Local: there is no CloudWatch, so the ledger's time index (ops/event-search.ts): entries received in
 *   the last hour, and of them those whose status is `failed`.
 * - queue and DLQ depth (GetQueueAttributes) and the age of their oldest message: deployed, SQS's
 *   ApproximateAgeOfOldestMessage (a CloudWatch metric, the latest minute); locally, the runner's
 *   inventory of its in-memory queues (GET /__local/status, ops/local-target.ts).
 * - the signing secret's versions and the grace window (ListSecretVersionIds: versions and dates, never
 *   a value; ops/stack.ts rotationGrace).
 * - alarms in ALARM (DescribeAlarms by the stack's name prefix: CloudFormation names an alarm
 *   `<stack>-<logical id>-<suffix>`), by provider where the alarm names one; locally there are none.
 * - locally, whether a failure drill is on.
 *
 * Nothing here receives a message or reads a secret value: no body or secret can reach the output. Each
 * part that cannot be read is reported as unavailable with the error's name, and the rest still shows.
 */
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, type MetricAlarm, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRICS_NAMESPACE, ProcessorMetric, VerifierMetric } from '../lambdas/contract/metrics.ts';
import { queueDepth } from './dlq-operations.ts';
import { findEvents } from './event-search.ts';
import { LOCAL_STATUS_PATH, type LocalStatusReport } from './local-target.ts';
import { listVersions } from './secrets.ts';
import { rotationGrace, type GraceWindow, type Target } from './stack.ts';

const HOUR_MS = 3_600_000;

export interface QueueStatus {
  /** Messages waiting (visible), and in flight (received, not deleted yet); null when unreadable. */
  readonly depth: number | null;
  readonly inFlight: number | null;
  /** Age of the oldest message in seconds; null when unknown (no datapoint, or unreadable), 0 when empty. */
  readonly oldestAgeSeconds: number | null;
}

export interface SecretStatus {
  /** Versions carrying a stage (AWSCURRENT, AWSPREVIOUS). */
  readonly versions: number;
  readonly currentSince?: string;
  /** While a previous version is staged: until when the verifier still accepts it (current's creation + grace). */
  readonly previousAcceptedUntil?: string;
  readonly previousAccepted: boolean;
}

export interface ProviderStatus {
  readonly provider: string;
  readonly accepted1h: number | null;
  readonly failed1h: number | null;
  readonly queue: QueueStatus;
  readonly dlq: QueueStatus;
  readonly secret: SecretStatus | null;
  /** Names of this provider's alarms in ALARM. */
  readonly alarms: string[];
  /** What could not be read, by part: `secret: AccessDeniedException`. */
  readonly unavailable: string[];
}

export interface StackStatus {
  readonly where: string;
  readonly at: string;
  /** Where the hour's counts come from. */
  readonly counts: 'CloudWatch metrics (Accepted, ProcessingFailure)' | 'ledger index (entries received in the last hour; failed = status failed now)';
  readonly grace: GraceWindow;
  /** Local only: the failure drill's event types, or null when off. */
  readonly drill?: string | null;
  /** Alarms in ALARM that name no provider (stack-wide: the verifier, the API, the spool); null when unreadable. */
  readonly stackAlarms: string[] | null;
  readonly alarmsNote?: string;
  readonly providers: ProviderStatus[];
}

const why = (error: unknown) => (error as Error | undefined)?.name ?? 'Error';
const queueNameOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

async function depthOf(sqs: SQSClient, url: string): Promise<{ depth: number; inFlight: number } | { error: string }> {
  try {
    const d = await queueDepth(sqs, url);
    return { depth: d.visible, inFlight: d.inFlight };
  } catch (error) {
    return { error: why(error) };
  }
}

async function secretOf(target: Target, grace: GraceWindow): Promise<SecretStatus | { error: string }> {
  const sm = new SecretsManagerClient(target.client('secretsManager'));
  try {
    const versions = await listVersions(sm, target.secretArn);
    const current = versions.find((v) => v.stages.includes('AWSCURRENT'));
    const previous = versions.find((v) => v.stages.includes('AWSPREVIOUS'));
    const until = previous && current?.createdAt ? new Date(current.createdAt.getTime() + grace.hours * HOUR_MS) : undefined;
    return {
      versions: versions.length,
      ...(current?.createdAt ? { currentSince: current.createdAt.toISOString() } : {}),
      ...(until ? { previousAcceptedUntil: until.toISOString() } : {}),
      previousAccepted: until !== undefined && until.getTime() > Date.now(),
    };
  } catch (error) {
    return { error: why(error) };
  } finally {
    sm.destroy();
  }
}

/** The runner's report (drill, queue inventory); undefined when it does not answer (an older runner). */
export async function localReport(url: string, timeoutMs = 3_000): Promise<LocalStatusReport | undefined> {
  try {
    const response = await fetch(`${url}${LOCAL_STATUS_PATH}`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    return (await response.json()) as LocalStatusReport;
  } catch {
    return undefined;
  }
}

/** The drill from `<state dir>/drill.json` alone (when the runner does not report it). */
function drillFromFile(stateDir: string): string | null {
  try {
    const value = (JSON.parse(readFileSync(join(stateDir, 'drill.json'), 'utf8')) as { processorFailEventTypes?: unknown }).processorFailEventTypes;
    const text = Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value.trim() : '';
    return text || null;
  } catch {
    return null;
  }
}

/** Hour counts from the ledger's time index (local). */
async function ledgerCounts(target: Target, now: number): Promise<{ accepted: number; failed: number } | { error: string }> {
  const client = new DynamoDBClient(target.client('dynamodb'));
  try {
    const found = await findEvents(client, target.table, { provider: target.providerId, since: now - HOUR_MS, until: now });
    return { accepted: found.events.length, failed: found.events.filter((e) => e.status === 'failed').length };
  } catch (error) {
    return { error: why(error) };
  } finally {
    client.destroy();
  }
}

export interface MetricFigures {
  readonly accepted: Map<string, number>;
  readonly failed: Map<string, number>;
  /** Oldest message age (s) per queue name: the latest datapoint. */
  readonly age: Map<string, number>;
}

/** The GetMetricData queries for every provider at once (exported for the tests). */
export function metricQueries(targets: readonly Target[]): MetricDataQuery[] {
  const queries: MetricDataQuery[] = [];
  targets.forEach((t, i) => {
    const dims = [{ Name: 'provider', Value: t.providerId }];
    queries.push(
      { Id: `accepted${i}`, MetricStat: { Metric: { Namespace: METRICS_NAMESPACE, MetricName: VerifierMetric.Accepted, Dimensions: dims }, Period: 3600, Stat: 'Sum' } },
      { Id: `failed${i}`, MetricStat: { Metric: { Namespace: METRICS_NAMESPACE, MetricName: ProcessorMetric.ProcessingFailure, Dimensions: dims }, Period: 3600, Stat: 'Sum' } },
    );
    for (const [kind, url] of [['queue', t.queueUrl], ['dlq', t.deadLetterQueueUrl]] as const) {
      queries.push({
        Id: `${kind}age${i}`,
        MetricStat: { Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: [{ Name: 'QueueName', Value: queueNameOf(url) }] }, Period: 60, Stat: 'Maximum' },
      });
    }
  });
  return queries;
}

async function metricFigures(targets: readonly Target[], now: number): Promise<MetricFigures | { error: string }> {
  const cw = new CloudWatchClient(targets[0]!.client('cloudwatch'));
  try {
    const queries = metricQueries(targets);
    const values = new Map<string, number[]>();
    let token: string | undefined;
    do {
      // The hour's sums; the age over the last 10 minutes, newest datapoint first (the default order).
      const out = await cw.send(new GetMetricDataCommand({
        StartTime: new Date(now - HOUR_MS), EndTime: new Date(now), MetricDataQueries: queries, ...(token ? { NextToken: token } : {}),
      }));
      for (const r of out.MetricDataResults ?? []) if (r.Id) values.set(r.Id, [...(values.get(r.Id) ?? []), ...(r.Values ?? [])]);
      token = out.NextToken;
    } while (token);
    const sum = (id: string) => (values.get(id) ?? []).reduce((a, b) => a + b, 0);
    const figures: MetricFigures = { accepted: new Map(), failed: new Map(), age: new Map() };
    targets.forEach((t, i) => {
      figures.accepted.set(t.providerId, sum(`accepted${i}`));
      figures.failed.set(t.providerId, sum(`failed${i}`));
      for (const [kind, url] of [['queue', t.queueUrl], ['dlq', t.deadLetterQueueUrl]] as const) {
        const latest = values.get(`${kind}age${i}`)?.[0];
        if (latest !== undefined) figures.age.set(queueNameOf(url), latest);
      }
    });
    return figures;
  } catch (error) {
    return { error: why(error) };
  } finally {
    cw.destroy();
  }
}

/** Alarms in ALARM whose name starts with `<stack>-`, all pages. */
async function alarmsInAlarm(target: Target): Promise<MetricAlarm[] | { error: string }> {
  const cw = new CloudWatchClient(target.client('cloudwatch'));
  try {
    const alarms: MetricAlarm[] = [];
    let token: string | undefined;
    do {
      const out = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${target.stackName}-`, StateValue: 'ALARM', ...(token ? { NextToken: token } : {}) }));
      alarms.push(...(out.MetricAlarms ?? []));
      token = out.NextToken;
    } while (token);
    return alarms;
  } catch (error) {
    return { error: why(error) };
  } finally {
    cw.destroy();
  }
}

/** The provider an alarm is about: its `provider` dimension, its provider's queue, or `'<id>'` in its description. */
export function alarmProvider(alarm: MetricAlarm, targets: readonly Target[]): string | undefined {
  const dims = [...(alarm.Dimensions ?? []), ...(alarm.Metrics ?? []).flatMap((m) => m.MetricStat?.Metric?.Dimensions ?? [])];
  for (const t of targets) {
    const queues = [queueNameOf(t.queueUrl), queueNameOf(t.deadLetterQueueUrl)];
    if (dims.some((d) => (d.Name === 'provider' && d.Value === t.providerId) || (d.Name === 'QueueName' && queues.includes(d.Value ?? '')))) return t.providerId;
  }
  return targets.find((t) => (alarm.AlarmDescription ?? '').includes(`'${t.providerId}'`))?.providerId;
}

function queueStatus(depth: { depth: number; inFlight: number } | { error: string }, age: number | null): QueueStatus {
  if ('error' in depth) return { depth: null, inFlight: null, oldestAgeSeconds: age };
  // An empty queue has no oldest message, whatever the last datapoint said.
  return { depth: depth.depth, inFlight: depth.inFlight, oldestAgeSeconds: depth.depth + depth.inFlight === 0 ? 0 : age };
}

/** Reads everything `ops status` shows for the resolved provider targets (all of one stack). */
export async function readStackStatus(targets: readonly Target[], now = Date.now()): Promise<StackStatus> {
  const first = targets[0]!;
  const local = first.kind === 'local';
  const sqs = new SQSClient(first.client('sqs'));
  try {
    const grace = await rotationGrace(first);
    const report = local && first.local ? await localReport(first.local.runtime.url) : undefined;
    const [figures, alarms] = local
      ? [undefined, undefined]
      : await Promise.all([metricFigures(targets, now), alarmsInAlarm(first)]);
    const providers = await Promise.all(targets.map(async (t): Promise<ProviderStatus> => {
      const unavailable: string[] = [];
      const [queueDepthNow, dlqDepthNow, secret, counts] = await Promise.all([
        depthOf(sqs, t.queueUrl), depthOf(sqs, t.deadLetterQueueUrl), secretOf(t, grace), local ? ledgerCounts(t, now) : undefined,
      ]);
      if ('error' in queueDepthNow) unavailable.push(`queue: ${queueDepthNow.error}`);
      if ('error' in dlqDepthNow) unavailable.push(`dlq: ${dlqDepthNow.error}`);
      if ('error' in secret) unavailable.push(`secret: ${secret.error}`);
      let accepted: number | null = null;
      let failed: number | null = null;
      if (counts) {
        if ('error' in counts) unavailable.push(`ledger: ${counts.error}`);
        else ({ accepted, failed } = counts);
      } else if (figures && !('error' in figures)) {
        accepted = figures.accepted.get(t.providerId) ?? 0;
        failed = figures.failed.get(t.providerId) ?? 0;
      }
      const ageOf = (url: string): number | null => {
        if (local) {
          const oldest = report?.queues[queueNameOf(url)]?.oldestSentAt;
          return report ? (oldest === undefined ? 0 : Math.max(0, Math.round((now - oldest) / 1000))) : null;
        }
        return figures && !('error' in figures) ? (figures.age.get(queueNameOf(url)) ?? null) : null;
      };
      return {
        provider: t.providerId,
        accepted1h: accepted,
        failed1h: failed,
        queue: queueStatus(queueDepthNow, ageOf(t.queueUrl)),
        dlq: queueStatus(dlqDepthNow, ageOf(t.deadLetterQueueUrl)),
        secret: 'error' in secret ? null : secret,
        alarms: Array.isArray(alarms) ? alarms.filter((a) => alarmProvider(a, targets) === t.providerId).map((a) => a.AlarmName ?? '?') : [],
        unavailable,
      };
    }));
    const stackAlarms = local ? [] : Array.isArray(alarms) ? alarms.filter((a) => alarmProvider(a, targets) === undefined).map((a) => a.AlarmName ?? '?') : null;
    let alarmsNote: string | undefined;
    if (local) alarmsNote = 'no alarms locally (CloudWatch is not emulated)';
    else if (alarms && !Array.isArray(alarms)) alarmsNote = `alarms could not be read (${alarms.error})`;
    const metricsNote = figures && 'error' in figures ? `; CloudWatch metrics could not be read (${figures.error})` : '';
    return {
      where: first.where,
      at: new Date(now).toISOString(),
      counts: local ? 'ledger index (entries received in the last hour; failed = status failed now)' : 'CloudWatch metrics (Accepted, ProcessingFailure)',
      grace,
      ...(local ? { drill: report ? report.drill : drillFromFile(first.local!.stateDir) } : {}),
      stackAlarms,
      ...(alarmsNote || metricsNote ? { alarmsNote: `${alarmsNote ?? ''}${metricsNote}`.replace(/^; /, '') } : {}),
      providers,
    };
  } finally {
    sqs.destroy();
  }
}
