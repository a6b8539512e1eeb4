/**
 * The synthetic canary and the vendor-silence alarms in the template (issue #14, "Detect breakage"): the
 * canary function, its schedule, its own secret, least-privilege grants (its own secret and the canary's
 * ledger partitions only), and the alarms (CanaryFailed, VendorSilence<P>, AllSignaturesRejected<P>) with
 * actions and runbook anchors. `canary.enabled: false` removes all of the canary.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventPartitions } from '../../lambdas/contract/ledger-keys.ts';
import { CANARY_PROVIDER_ID, providerDeclarations } from '../../providers/index.ts';
import { actionsOf, logicalId, resources, roleStatements, synthesize, type Synthesized } from './synth.ts';

const VENDORS = providerDeclarations.map((d) => d.id).filter((id) => id !== CANARY_PROVIDER_ID);
const dataKey = { 'Fn::GetAtt': ['DataKey', 'Arn'] };
const viaService = (service: string) => ({
  StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', [`${service}.`, { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } },
});

let dev: Synthesized;
let off: Synthesized;
let domain: Synthesized;
beforeAll(() => {
  dev = synthesize({
    canary: { everyMinutes: 10 },
    providers: { ...Object.fromEntries(VENDORS.map((id) => [id, {}])), solatis: { expectAtLeastEveryMinutes: 120 }, sully: { expectAtLeastEveryMinutes: 33 } },
  });
  off = synthesize({ canary: { enabled: false } });
  domain = synthesize({ customDomain: { domainName: 'hooks.example.com', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123' } });
}, 120_000);

const alarm = (s: Synthesized, prefix: string) => resources(s.template, 'AWS::CloudWatch::Alarm')[logicalId(s.template, 'AWS::CloudWatch::Alarm', prefix)]!.Properties!;
const canaryFunction = (s: Synthesized) => resources(s.template, 'AWS::Lambda::Function')[logicalId(s.template, 'AWS::Lambda::Function', 'CanaryRunnerFunction')]!;

describe('the canary', () => {
  it('is a provider of its own: route, queue, processor and a secret created by the stack', () => {
    expect(dev.config.providers.map((p) => p.id)).toEqual([...VENDORS, CANARY_PROVIDER_ID]);
    dev.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp("provider 'canary'"),
      GenerateSecretString: Match.anyValue(),
    });
    dev.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/canary' });
    expect(logicalId(dev.template, 'AWS::SQS::Queue', 'QueueCanary')).toBe('QueueCanary');
    dev.template.hasOutput('SecretArnCanary', {});
    // Its cdk-nag acknowledgment says what it is: not a vendor-issued secret.
    const secret = dev.stack.node.findAll().find((c) => c.node.path.endsWith('PipelineCanary/Secret'))!;
    const reasons = secret.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules')
      .flatMap((m) => Object.values(m.data as Record<string, string>));
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason).toMatch(/^The canary's own signing secret/);
  });

  it('a function that signs with the canary secret and posts to the API URL, on a schedule of canary.everyMinutes', () => {
    const fn = canaryFunction(dev);
    const env = fn.Properties!.Environment.Variables as Record<string, unknown>;
    expect(env['CANARY_SECRET_ARN']).toEqual({ Ref: 'SecretCanary' });
    expect(JSON.stringify(env['CANARY_URL'])).toContain('webhooks/canary');
    expect(env['LEDGER_TABLE']).toEqual({ Ref: 'LedgerTable' });
    expect(fn.Properties!.Timeout).toBe(90);
    const rules = Object.values(resources(dev.template, 'AWS::Events::Rule')).filter((r) => JSON.stringify(r.Properties!.Targets).includes(logicalId(dev.template, 'AWS::Lambda::Function', 'CanaryRunnerFunction')));
    expect(rules.map((r) => r.Properties!.ScheduleExpression)).toEqual(['rate(10 minutes)']);
    expect(rules[0]!.Properties!.Targets[0].RetryPolicy).toEqual({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
  });

  it('posts to the custom domain when one is set', () => {
    const env = canaryFunction(domain).Properties!.Environment.Variables as Record<string, unknown>;
    expect(env['CANARY_URL']).toBe('https://hooks.example.com/webhooks/canary');
  });

  it('may read only its own secret and its own ledger partitions, and the data key only through those services', () => {
    const fn = canaryFunction(dev);
    const roleId = (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = roleStatements(dev.template, roleId);
    const secret = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
    expect(secret.map((s) => [actionsOf(s), s.Resource])).toEqual([[['secretsmanager:GetSecretValue'], { Ref: 'SecretCanary' }]]);
    const ledger = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(ledger.map(actionsOf)).toEqual([['dynamodb:GetItem']]);
    expect(ledger[0]!.Resource).toEqual({ 'Fn::GetAtt': ['LedgerTable', 'Arn'] });
    expect(ledger[0]!.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': eventPartitions(CANARY_PROVIDER_ID) } });
    const kms = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    expect(kms.map((s) => s.Resource)).toEqual(kms.map(() => dataKey));
    expect(kms.map((s) => s.Condition).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))))
      .toEqual([viaService('dynamodb'), viaService('secretsmanager')].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
    // No vendor's secret, queue or partition anywhere in its policy; nothing on SQS or S3.
    const text = JSON.stringify(statements);
    for (const id of VENDORS) expect(text).not.toMatch(new RegExp(`Secret${id}|#${id}#`, 'i'));
    expect(statements.flatMap(actionsOf).filter((a) => /^(sqs|s3):/.test(a))).toEqual([]);
  });

  it('two failed runs in a row (or no run) raise CanaryFailed, with actions and its runbook anchor', () => {
    const p = alarm(dev, 'MonitoringCanaryFailed');
    expect(p).toMatchObject({
      MetricName: 'CanarySuccess', Namespace: 'WebhookReceiver', Statistic: 'Minimum', Period: 600,
      EvaluationPeriods: 2, Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching',
    });
    expect(p.Dimensions).toBeUndefined();
    expect(p.AlarmActions).toHaveLength(1);
    expect(p.OKActions).toHaveLength(1);
    expect(p.AlarmDescription).toMatch(/Runbook: docs\/runbook\.md#canary-failed$/);
  });

  it('canary.enabled false: no canary function, schedule, provider, secret or alarm', () => {
    expect(off.config.providers.map((p) => p.id)).toEqual(VENDORS);
    expect(Object.keys(resources(off.template, 'AWS::Lambda::Function')).filter((id) => id.startsWith('Canary'))).toEqual([]);
    expect(Object.keys(resources(off.template, 'AWS::CloudWatch::Alarm')).filter((id) => id.includes('Canary'))).toEqual([]);
    expect(Object.keys(resources(off.template, 'AWS::SecretsManager::Secret'))).not.toContain('SecretCanary');
    expect(off.stack.canary).toBeUndefined();
  });
});

describe('vendor silence', () => {
  it('providers.<id>.expectAtLeastEveryMinutes raises VendorSilence<P> when nothing was accepted for that long', () => {
    const solatis = alarm(dev, 'MonitoringVendorSilenceSolatis');
    expect(solatis).toMatchObject({
      MetricName: 'Accepted', Namespace: 'WebhookReceiver', Statistic: 'Sum', Period: 300, EvaluationPeriods: 24,
      Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching',
      Dimensions: [{ Name: 'provider', Value: 'solatis' }],
    });
    expect(solatis.AlarmActions).toHaveLength(1);
    expect(solatis.AlarmDescription).toMatch(/Runbook: docs\/runbook\.md#vendor-silence$/);
    // 33 minutes: seven 5-minute periods (rounded up, never shorter than asked).
    expect(alarm(dev, 'MonitoringVendorSilenceSully').EvaluationPeriods).toBe(7);
  });

  it('unset: no silence alarm for that provider (nor for the canary)', () => {
    const ids = Object.keys(resources(dev.template, 'AWS::CloudWatch::Alarm')).filter((id) => id.startsWith('MonitoringVendorSilence'));
    expect(ids.map((id) => id.replace(/^MonitoringVendorSilence/, '').replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['Solatis', 'Sully']);
  });

  it('every vendor has AllSignaturesRejected<P>: signature failures and nothing accepted in 15 minutes', () => {
    for (const id of VENDORS) {
      const suffix = id.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
      const p = alarm(dev, `MonitoringAllSignaturesRejected${suffix}`);
      const expression = (p.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Dimensions: unknown }; Period: number } }[]);
      expect(expression.find((m) => m.Expression)?.Expression).toBe('IF(FILL(failures, 0) > 0 AND FILL(accepted, 0) + FILL(duplicate, 0) == 0, 1, 0)');
      const stats = expression.filter((m) => m.MetricStat).map((m) => [m.Id, m.MetricStat!.Metric.MetricName, m.MetricStat!.Period]);
      expect(stats.sort()).toEqual([['accepted', 'Accepted', 900], ['duplicate', 'Duplicate', 900], ['failures', 'SignatureFailure', 900]]);
      expect(p).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
      expect(p.AlarmActions).toHaveLength(1);
      expect(p.AlarmDescription).toMatch(/Runbook: docs\/runbook\.md#all-signatures-rejected$/);
    }
    expect(Object.keys(resources(dev.template, 'AWS::CloudWatch::Alarm')).filter((id) => id.startsWith('MonitoringAllSignaturesRejectedCanary'))).toEqual([]);
  });
});

describe('configuration', () => {
  it('rejects a bad canary or silence setting with its path', () => {
    expect(() => synthesize({ canary: { everyMinutes: 0 } })).toThrow(/canary\.everyMinutes: must be a number from 1 to 60/);
    expect(() => synthesize({ canary: { enabled: 'yes' } })).toThrow(/canary\.enabled: must be true or false/);
    expect(() => synthesize({ canary: { enabled: false }, providers: ['sully', 'canary'] })).toThrow(/providers\.canary: the canary is off/);
    expect(() => synthesize({ providers: { sully: { expectAtLeastEveryMinutes: 2 } } })).toThrow(/providers\.sully\.expectAtLeastEveryMinutes: must be a number from 5 to 1440/);
    expect(() => synthesize({ providers: { sully: {}, canary: { expectAtLeastEveryMinutes: 60 } } })).toThrow(/providers\.canary\.expectAtLeastEveryMinutes: not for the canary/);
  });
});
