/**
 * `ops status` against a deployed stack, its AWS calls mocked (aws-sdk-client-mock): the hour's counts and
 * queue ages from one GetMetricData call, depths from GetQueueAttributes, secret versions from
 * ListSecretVersionIds, alarms in ALARM by the stack's name prefix, mapped to providers. It never receives a
 * message or reads a secret value, so no body or secret can reach a status line. Usage errors, in process.
 */
import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../ops/cli.ts';
import { render } from '../../ops/commands/status.ts';
import type { Target } from '../../ops/stack.ts';
import { alarmProvider, readStackStatus } from '../../ops/status-report.ts';

const NOW = Date.parse('2026-12-07T16:00:00.000Z');
const target = (id: string): Target => ({
  kind: 'deployed', where: 'stack WebhookReceiver-prod', providerId: id, table: 'T', bucket: 'B', stackName: 'WebhookReceiver-prod',
  queueUrl: `https://sqs.eu-west-1.amazonaws.com/1/WebhookReceiver-prod-Queue${id}-ABC`,
  deadLetterQueueUrl: `https://sqs.eu-west-1.amazonaws.com/1/WebhookReceiver-prod-Dlq${id}-DEF`,
  secretArn: `arn:aws:secretsmanager:eu-west-1:1:secret:${id}`,
  client: () => ({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
});

describe('ops status (deployed, mocked)', () => {
  const cw = mockClient(CloudWatchClient);
  const sqs = mockClient(SQSClient);
  const sm = mockClient(SecretsManagerClient);
  const cfn = mockClient(CloudFormationClient);
  afterAll(() => [cw, sqs, sm, cfn].forEach((m) => m.restore()));

  it('one GetMetricData for every provider, depths, secret versions, alarms by prefix and provider; no receive, no secret value', async () => {
    const targets = [target('sully'), target('stripe')];
    cfn.on(GetTemplateCommand).resolves({ TemplateBody: JSON.stringify({ Resources: { V: { Properties: { Environment: { Variables: { ROTATION_GRACE_HOURS: '48' } } } } } }) });
    cw.on(GetMetricDataCommand).callsFake((input) => ({
      MetricDataResults: input.MetricDataQueries.map((q: { Id: string }) => ({
        Id: q.Id,
        Values: q.Id === 'accepted0' ? [120] : q.Id === 'failed0' ? [3] : q.Id === 'dlqage0' ? [900, 840] : q.Id === 'accepted1' ? [7] : [],
      })),
    }));
    cw.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: 'WebhookReceiver-prod-MonitoringDlqNotEmptySully-1', Dimensions: [{ Name: 'QueueName', Value: 'WebhookReceiver-prod-Dlqsully-DEF' }] },
        { AlarmName: 'WebhookReceiver-prod-MonitoringVerifierErrors-2', AlarmDescription: 'verifier errors' },
      ],
    });
    sqs.on(GetQueueAttributesCommand).callsFake((input) => ({
      Attributes: { ApproximateNumberOfMessages: input.QueueUrl.includes('Dlqsully') ? '4' : '0', ApproximateNumberOfMessagesNotVisible: '0' },
    }));
    sm.on(ListSecretVersionIdsCommand).callsFake((input) => ({
      Versions: input.SecretId.endsWith('sully')
        ? [{ VersionId: 'v2', VersionStages: ['AWSCURRENT'], CreatedDate: new Date(NOW - 3_600_000) }, { VersionId: 'v1', VersionStages: ['AWSPREVIOUS'], CreatedDate: new Date(NOW - 86_400_000) }]
        : [{ VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: new Date(NOW - 86_400_000) }],
    }));

    const status = await readStackStatus(targets, NOW);

    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    const queries = cw.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries!;
    expect(queries.map((q) => q.MetricStat?.Metric?.MetricName)).toEqual([
      'Accepted', 'ProcessingFailure', 'ApproximateAgeOfOldestMessage', 'ApproximateAgeOfOldestMessage',
      'Accepted', 'ProcessingFailure', 'ApproximateAgeOfOldestMessage', 'ApproximateAgeOfOldestMessage',
    ]);
    expect(cw.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toEqual({ AlarmNamePrefix: 'WebhookReceiver-prod-', StateValue: 'ALARM' });
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(status.grace.hours).toBe(48);
    expect(status.stackAlarms).toEqual(['WebhookReceiver-prod-MonitoringVerifierErrors-2']);
    const [sully, stripe] = status.providers;
    expect(sully).toMatchObject({
      provider: 'sully', accepted1h: 120, failed1h: 3, queue: { depth: 0, oldestAgeSeconds: 0 }, dlq: { depth: 4, oldestAgeSeconds: 900 },
      secret: { versions: 2, previousAccepted: true, previousAcceptedUntil: new Date(NOW - 3_600_000 + 48 * 3_600_000).toISOString() },
      alarms: ['WebhookReceiver-prod-MonitoringDlqNotEmptySully-1'], unavailable: [],
    });
    expect(stripe).toMatchObject({ provider: 'stripe', accepted1h: 7, failed1h: 0, secret: { versions: 1, previousAccepted: false }, alarms: [] });
    expect(status.drill).toBeUndefined();

    const lines = render(status);
    expect(lines[2]).toMatch(/^sully\s+120\s+3\s+0\s+-\s+4\s+15m\s+2 versions, previous until 2026-12-09 15:00Z\s+1$/);
    expect(lines).toContain('rotation grace window: 48 h (the deployed verifier\'s ROTATION_GRACE_HOURS (stack WebhookReceiver-prod))');
    expect(lines.join('\n')).toContain('alarms in ALARM: WebhookReceiver-prod-MonitoringDlqNotEmptySully-1 (sully), WebhookReceiver-prod-MonitoringVerifierErrors-2');
  });

  it('a part that cannot be read is named, the rest still shows', async () => {
    cw.reset();
    cw.on(GetMetricDataCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    cw.on(DescribeAlarmsCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));
    const status = await readStackStatus([target('sully')], NOW);
    expect(status.providers[0]).toMatchObject({ accepted1h: null, failed1h: null, dlq: { depth: 4 } });
    expect(status.stackAlarms).toBeNull();
    expect(status.alarmsNote).toBe('alarms could not be read (AccessDeniedException); CloudWatch metrics could not be read (AccessDeniedException)');
    expect(render(status)[2]).toMatch(/^sully\s+\?\s+\?\s+0/);
  });

  it('alarmProvider: by provider dimension, by queue, by quoted id in the description', () => {
    const ts = [target('sully'), target('suki')];
    expect(alarmProvider({ Dimensions: [{ Name: 'provider', Value: 'suki' }] }, ts)).toBe('suki');
    expect(alarmProvider({ Metrics: [{ Id: 'm', MetricStat: { Metric: { Dimensions: [{ Name: 'QueueName', Value: 'WebhookReceiver-prod-Queuesully-ABC' }] }, Period: 60, Stat: 'Sum' } }] }, ts)).toBe('sully');
    expect(alarmProvider({ AlarmDescription: "More than 5% of 'suki' processor invocations failed" }, ts)).toBe('suki');
    expect(alarmProvider({ AlarmDescription: 'the spool is old' }, ts)).toBeUndefined();
  });
});

describe('usage errors (in process, exit 2)', () => {
  const run = async (argv: string[]) => {
    const err: string[] = [];
    const code = await main(argv, { out: () => undefined, err: (l) => void err.push(l) });
    return { code, err: err.join('\n') };
  };
  it.each([
    [['events', '--provider', 'sully', '--local', '--status', 'broken'], /--status must be one of received, enqueued, spooled, processed, failed, in-flight, unrecognized, dead-lettered/],
    [['events', '--provider', 'sully', '--local', '--since', 'yesterday'], /--since must be ISO 8601/],
    [['events', '--provider', 'sully', '--local', '--since', '1h', '--until', '2h'], /--since .* is after --until/],
    [['events', '--provider', 'sully', '--local', '--limit', '0'], /--limit must be a whole number/],
    [['status', '--provider', 'acme', '--local'], /unknown provider 'acme'/],
  ])('ops %j', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});
