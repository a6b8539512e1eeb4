/**
 * Issue 12: what the template gets wrong in a real account (teardown of dev, partitions, the custom domain's
 * certificate region, the alarm topic's TLS-only policy, the processor error alarm's minimum volume).
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/load.ts';
import { WebhookReceiverStack } from '../../lib/webhook-receiver-stack.ts';
import { CDK_JSON_CONTEXT, resources, synthesize, type Synthesized } from './synth.ts';

const PROVIDERS = ['sully', 'stripe'];
const CERTIFICATE_EU = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f4c3f1e-1111-2222-3333-444455556666';
const AUTO_DELETE = 'Custom::S3AutoDeleteObjects';
/** "Valid Amazon SNS policy actions" (SNS Developer Guide): a topic policy refuses sns:*, so each is named. */
const TOPIC_POLICY_ACTIONS = [
  'sns:AddPermission', 'sns:DeleteTopic', 'sns:GetDataProtectionPolicy', 'sns:GetTopicAttributes',
  'sns:ListSubscriptionsByTopic', 'sns:ListTagsForResource', 'sns:Publish', 'sns:PutDataProtectionPolicy',
  'sns:RemovePermission', 'sns:SetTopicAttributes', 'sns:Subscribe',
];

/** The stack as bin/app.ts builds it, with an explicit environment (bin/app.ts leaves it agnostic). */
function synthesizeIn(region: string, overrides: Record<string, unknown>): WebhookReceiverStack {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, providers: PROVIDERS, ...overrides, 'aws:cdk:bundling-stacks': [] } });
  const config = loadConfig((key) => app.node.tryGetContext(key));
  return new WebhookReceiverStack(app, config.stackName, { config, env: { account: '123456789012', region } });
}

let dev: Synthesized;
let staging: Synthesized;
let prod: Synthesized;
let limited: Synthesized;
beforeAll(() => {
  // Two vendors only (the canary's own route is off here: test/infra/canary.test.ts has it).
  limited = synthesize({ throttle: { rateLimit: 40, burstLimit: 80 }, providers: { sully: { throttle: { rateLimit: 5, burstLimit: 10 }, allowedSourceCidrs: ['192.0.2.0/24'] }, stripe: {} }, canary: { enabled: false } });
  dev = synthesize({ providers: PROVIDERS });
  staging = synthesize({ stage: 'staging', providers: PROVIDERS });
  prod = synthesize({ stage: 'prod', providers: PROVIDERS, customDomain: { domainName: 'hooks.example.com', certificateArn: CERTIFICATE_EU } });
});

describe('cdk destroy of dev (issue 12, item 1)', () => {
  it('empties both versioned buckets (every version) before CloudFormation deletes them', () => {
    const autoDeletes = Object.values(resources(dev.template, AUTO_DELETE));
    expect(autoDeletes.map((r) => r.Properties!.BucketName).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { Ref: 'ClaimCheckAccessLogsBucket' }, { Ref: 'ClaimCheckBucket' },
    ]);
    for (const bucket of ['ClaimCheckBucket', 'ClaimCheckAccessLogsBucket']) {
      dev.template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ VersioningConfiguration: { Status: 'Enabled' } }) });
      expect(resources(dev.template)[bucket]!.DeletionPolicy, bucket).toBe('Delete');
    }
  });

  it('empties the access-log bucket only after the claim-check bucket is gone (its emptying writes access logs)', () => {
    const [, logsAutoDelete] = Object.entries(resources(dev.template, AUTO_DELETE))
      .find(([, r]) => JSON.stringify(r.Properties!.BucketName) === JSON.stringify({ Ref: 'ClaimCheckAccessLogsBucket' }))!;
    expect((logsAutoDelete as { DependsOn?: string[] }).DependsOn).toContain('ClaimCheckBucket');
  });

  it('staging and prod keep their buckets and objects: no auto-delete, DeletionPolicy Retain', () => {
    for (const { template } of [staging, prod]) {
      expect(Object.keys(resources(template, AUTO_DELETE))).toEqual([]);
      // Nothing of the auto-delete provider (its function and role) either.
      expect(Object.keys(resources(template)).filter((id) => id.includes('AutoDelete'))).toEqual([]);
      for (const bucket of ['ClaimCheckBucket', 'ClaimCheckAccessLogsBucket']) expect(resources(template)[bucket]!.DeletionPolicy).toBe('Retain');
    }
  });
});

describe('partitions (issue 12, item 3)', () => {
  const urlSuffix = { Ref: 'AWS::URLSuffix' };

  it('kms:ViaService names the service endpoint in the partition\'s domain', () => {
    const values = Object.values(resources(dev.template, 'AWS::IAM::Policy'))
      .flatMap((p) => p.Properties!.PolicyDocument.Statement as Array<{ Condition?: Record<string, Record<string, unknown>> }>)
      .map((s) => s.Condition?.StringEquals?.['kms:ViaService'])
      .filter((v) => v !== undefined);
    // The key policy too: CDK's Secret adds a Secrets Manager statement with a literal amazonaws.com.
    const keyValues = Object.values(resources(dev.template, 'AWS::KMS::Key'))
      .flatMap((k) => k.Properties!.KeyPolicy.Statement as Array<{ Condition?: Record<string, Record<string, unknown>> }>)
      .map((s) => s.Condition?.StringEquals?.['kms:ViaService'])
      .filter((v) => v !== undefined);
    expect(keyValues.length).toBeGreaterThan(0);
    values.push(...keyValues);
    expect(values.length).toBeGreaterThan(keyValues.length);
    for (const value of values) {
      expect(value).toEqual({ 'Fn::Join': ['', [expect.stringMatching(/^(dynamodb|s3|sqs|secretsmanager)\.$/), { Ref: 'AWS::Region' }, '.', urlSuffix]] });
    }
  });

  it("the CloudWatch Logs regional principal is in the partition's domain", () => {
    dev.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.', urlSuffix]] } },
        })]),
      },
    });
  });

  it('no amazonaws.com literal is left except global service principals (the same name in every partition)', () => {
    const offending: string[] = [];
    const walk = (value: unknown, path: string, inServicePrincipal: boolean): void => {
      if (typeof value === 'string') {
        if (value.includes('amazonaws.com') && !(inServicePrincipal && /^[a-z0-9-]+(\.[a-z0-9-]+)?\.amazonaws\.com$/.test(value) && !/\.[a-z]{2}-[a-z]+-\d\./.test(value))) {
          offending.push(`${path}: ${value}`);
        }
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => walk(v, `${path}[${i}]`, inServicePrincipal));
      } else if (value && typeof value === 'object') {
        // Principal.Service of a policy, and the Principal of a Lambda permission.
        for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`, inServicePrincipal || (k === 'Service' && path.endsWith('Principal')) || k === 'Principal');
      }
    };
    for (const { template } of [dev, prod]) walk(template.toJSON().Resources, 'Resources', false);
    expect(offending).toEqual([]);
  });
});

describe('custom domain (issue 12, item 4)', () => {
  it('refuses a certificate from another region than the stack\'s, saying which', () => {
    expect(() => synthesizeIn('us-east-1', { customDomain: { domainName: 'hooks.example.com', certificateArn: CERTIFICATE_EU } }))
      .toThrow(/certificateArn: the certificate is in eu-west-1 but the stack deploys to us-east-1/);
  });

  it('accepts a certificate in the stack\'s region', () => {
    const stack = synthesizeIn('eu-west-1', { customDomain: { domainName: 'hooks.example.com', certificateArn: CERTIFICATE_EU } });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: CERTIFICATE_EU })],
    });
  });

  it('refuses a malformed certificate ARN even when the configuration was not read by lib/config/load.ts', () => {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, providers: PROVIDERS, 'aws:cdk:bundling-stacks': [] } });
    const config = loadConfig((key) => app.node.tryGetContext(key));
    expect(() => new WebhookReceiverStack(app, 'Malformed', {
      config: { ...config, customDomain: { domainName: 'hooks.example.com', certificateArn: 'arn:aws:iam::123456789012:certificate/x' } },
    })).toThrow(/customDomain\.certificateArn: must be an ACM certificate ARN/);
  });

  it('an environment-agnostic stack (bin/app.ts) gets a template rule: CloudFormation refuses a certificate from another region before creating anything', () => {
    const rules = prod.template.toJSON().Rules as Record<string, { Assertions: { Assert: unknown; AssertDescription: string }[] }>;
    const rule = Object.entries(rules ?? {}).find(([id]) => id.includes('CertificateInStackRegion'))?.[1];
    expect(rule?.Assertions).toEqual([{
      Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] },
      AssertDescription: expect.stringContaining('certificate in eu-west-1'),
    }]);
    const pinned = Template.fromStack(synthesizeIn('eu-west-1', { customDomain: { domainName: 'hooks.example.com', certificateArn: CERTIFICATE_EU } })).toJSON();
    expect(Object.keys(pinned.Rules ?? {}).filter((id) => id.includes('CertificateInStackRegion'))).toEqual([]);
  });

  it('outputs the regional hosted zone id a Route 53 alias record needs, beside the target host name', () => {
    prod.template.hasOutput('CustomDomainTarget', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngressDomainName'), 'RegionalDomainName'] } });
    prod.template.hasOutput('CustomDomainHostedZoneId', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngressDomainName'), 'RegionalHostedZoneId'] } });
    expect(Object.keys(dev.template.toJSON().Outputs)).not.toContain('CustomDomainHostedZoneId');
  });
});

describe('alarm topic (issue 12, item 9)', () => {
  it('denies every topic action over plain HTTP, not only Publish', () => {
    const statements = Object.values(resources(dev.template, 'AWS::SNS::TopicPolicy'))
      .flatMap((p) => p.Properties!.PolicyDocument.Statement as Array<{ Effect: string; Action: string | string[]; Principal?: unknown; Condition?: unknown }>);
    const denied = statements
      .filter((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }))
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect([...new Set(denied)].sort()).toEqual([...TOPIC_POLICY_ACTIONS].sort());
    expect(denied).toEqual(expect.arrayContaining(['sns:Publish', 'sns:Subscribe', 'sns:SetTopicAttributes', 'sns:GetTopicAttributes', 'sns:DeleteTopic']));
  });
});

describe('ProcessorErrors minimum volume (issue 12, item 16)', () => {
  const expressionOf = (template: Template, provider: string): string => {
    const [, alarm] = Object.entries(resources(template, 'AWS::CloudWatch::Alarm')).find(([id]) => id.includes(`ProcessorErrors${provider}`))!;
    return (alarm.Properties!.Metrics as Array<{ Expression?: string }>).find((m) => m.Expression)!.Expression!;
  };

  it('needs more errors than one crash-looping message causes in 5 minutes (default: 3 at a 30 s timeout)', () => {
    // Visibility 6 x 30 s: one poison message is received (and fails) at most twice in 300 s.
    expect(expressionOf(dev.template, 'Sully')).toBe('IF(FILL(errors, 0) >= 3, 100 * FILL(errors, 0) / FILL(invocations, 0), 0)');
  });

  it('takes the minimum from alarms.processorErrorMinCount', () => {
    const { template } = synthesize({ providers: PROVIDERS, alarms: { ...(CDK_JSON_CONTEXT.alarms as object), processorErrorMinCount: 7 } });
    expect(expressionOf(template, 'Stripe')).toBe('IF(FILL(errors, 0) >= 7, 100 * FILL(errors, 0) / FILL(invocations, 0), 0)');
  });
});

describe('exposure: per-route throttles, a 429 alarm, sender allowlists (issue 12, item 8)', () => {
  const stage = () => Object.values(resources(limited.template, 'AWS::ApiGatewayV2::Stage'))[0]!;

  it('gives each provider route its own throttle; the stage default covers the rest', () => {
    const { Properties: properties, DependsOn: dependsOn } = stage() as { Properties: Record<string, any>; DependsOn?: string[] };
    expect(properties['DefaultRouteSettings']).toMatchObject({ ThrottlingRateLimit: 40, ThrottlingBurstLimit: 80 });
    expect(properties['RouteSettings']).toEqual({
      'POST /webhooks/sully': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      'POST /webhooks/stripe': { ThrottlingRateLimit: 40, ThrottlingBurstLimit: 80 },
    });
    // CloudFormation refuses RouteSettings for a route that does not exist yet.
    const routes = Object.keys(resources(limited.template, 'AWS::ApiGatewayV2::Route'));
    expect(routes).toHaveLength(2);
    for (const route of routes) expect(dependsOn).toContain(route);
  });

  it('counts 429s from the access logs per route and alarms on any, per provider, with its runbook section', () => {
    limited.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.status = "429" }',
      MetricTransformations: [{ MetricNamespace: 'WebhookReceiver', MetricName: 'ApiThrottled', MetricValue: '1', Dimensions: [{ Key: 'route', Value: '$.routeKey' }], Unit: 'Count' }],
    });
    for (const id of PROVIDERS) {
      limited.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'WebhookReceiver', MetricName: 'ApiThrottled', Dimensions: [{ Name: 'route', Value: `POST /webhooks/${id}` }],
        Statistic: 'Sum', Period: 300, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold',
        AlarmDescription: Match.stringLikeRegexp('Runbook: docs/runbook.md#throttling$'),
        AlarmActions: Match.anyValue(),
      });
    }
  });

  it("passes a provider's sender allowlist to the verifier, and only that provider's", () => {
    const verifier = Object.values(resources(limited.template, 'AWS::Lambda::Function'))
      .find((f) => f.Properties!['Environment']?.Variables?.PROVIDERS_CONFIG)!;
    const text = JSON.stringify(verifier.Properties!['Environment'].Variables.PROVIDERS_CONFIG);
    expect(text).toContain('\\"allowedSourceCidrs\\":[\\"192.0.2.0/24\\"]');
    expect(text.match(/allowedSourceCidrs/g)).toHaveLength(1);
  });
});
