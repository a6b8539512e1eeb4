/**
 * The production stage: stateful resources survive stack deletion, the table refuses DeleteTable, logs are
 * kept a year, alarms reach a person, and the optional settings (custom domain, concurrency) synthesize
 * into what they promise, still without a cdk-nag finding.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { logicalId, resources, synthesize, type Synthesized } from './synth.ts';

const CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f4c3f1e-1111-2222-3333-444455556666';

let prod: Synthesized;
let template: Template;

beforeAll(() => {
  prod = synthesize({
    stage: 'prod',
    providers: { sully: { reservedConcurrency: 5 }, stripe: { reservedConcurrency: 5, maxReceiveCount: 30 } },
    alarmEmail: 'oncall@example.com',
    customDomain: { domainName: 'hooks.example.com', certificateArn: CERTIFICATE },
    verifier: { memoryMb: 1024, timeoutSeconds: 10, reservedConcurrency: 50, provisionedConcurrency: 2 },
  });
  template = prod.template;
});

describe('production stage', () => {
  it('retains the table, buckets, keys, queues, DLQs, secrets and log groups', () => {
    const stateful = ['AWS::DynamoDB::Table', 'AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::SQS::Queue', 'AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup'];
    for (const type of stateful) {
      const found = resources(template, type);
      expect(Object.keys(found).length, type).toBeGreaterThan(0);
      for (const [id, resource] of Object.entries(found)) {
        expect(resource.DeletionPolicy, id).toBe('Retain');
        expect(resource.UpdateReplacePolicy, id).toBe('Retain');
      }
    }
  });

  it('protects the ledger table from deletion', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
  });

  it('keeps logs (functions, API access, bucket access) for a year', () => {
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: Match.absent(),
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365 })] },
    });
  });

  it('subscribes the alarm e-mail to the topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: logicalId(template, 'AWS::SNS::Topic', 'MonitoringAlarmTopic') },
    });
  });

  it('serves the custom domain with TLS 1.2 and switches the execute-api endpoint off', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'hooks.example.com',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: CERTIFICATE, SecurityPolicy: 'TLS_1_2', EndpointType: 'REGIONAL' })],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true, CorsConfiguration: Match.absent() });
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    template.hasOutput('ApiUrl', { Value: 'https://hooks.example.com/' });
    template.hasOutput('CustomDomainTarget', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngressDomainName'), 'RegionalDomainName'] } });
  });

  it('applies reserved and provisioned concurrency, and the API invokes the provisioned alias', () => {
    const verifierId = logicalId(template, 'AWS::Lambda::Function', 'IngressVerifierFunction');
    expect(resources(template, 'AWS::Lambda::Function')[verifierId]!.Properties!.ReservedConcurrentExecutions).toBe(50);
    const aliasId = logicalId(template, 'AWS::Lambda::Alias', 'IngressVerifierLive');
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      FunctionName: { Ref: verifierId },
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationUri: { Ref: aliasId } });
    const processorId = logicalId(template, 'AWS::Lambda::Function', 'PipelineStripeProcessorFunction');
    expect(resources(template, 'AWS::Lambda::Function')[processorId]!.Properties!.ReservedConcurrentExecutions).toBe(5);
  });

  it('has no unacknowledged cdk-nag finding either', () => {
    for (const pack of [new AwsSolutionsChecks(), new HIPAASecurityChecks()]) {
      const report = pack.validateScope(prod.stack);
      expect(report.violations, report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`).join('\n')).toEqual([]);
    }
  });
});
