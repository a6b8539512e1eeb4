/**
 * The public edge: an HTTP API (cheaper and lower-latency than a REST API, and no feature of a REST API is
 * needed here) with one route `POST /webhooks/<id>` per enabled provider, integrated with the verifier, which reads
 * the route key (`POST /webhooks/<id>`) and answers 404 for a provider that is not enabled (docs/architecture.md).
 * Stage throttling bounds what a flood can cost; access logs record request metadata only, never bodies,
 * headers or query strings. No CORS: senders are servers, and no browser has a reason to call this API.
 */
import { Aws, CfnRule, Duration, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { SPOOL_PREFIX } from './spool-sweeper.ts';
import type { CustomDomainConfig, FunctionConfig, ProviderConfig, ThrottleConfig } from '../config/types.ts';
import { verifierEnvironment, type VerifierSettings } from '../../lambdas/contract/environment.ts';
import type { ClaimCheckBucket } from './claim-check-bucket.ts';
import type { EventLedger } from './event-ledger.ts';
import type { ProviderPipeline } from './provider-pipeline.ts';
import { WebhookFunction } from './webhook-function.ts';

/** Access log fields: who, which route, what answer, how long. Bodies, headers and query strings never. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLatency: '$context.responseLatency',
  responseLength: '$context.responseLength',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  integrationError: '$context.integration.error',
  integrationErrorMessage: '$context.integrationErrorMessage',
});

export interface IngressProps extends VerifierSettings {
  readonly pipelines: readonly ProviderPipeline[];
  /** Each enabled provider's settings: its route throttle and sender allowlist. */
  readonly providers: readonly ProviderConfig[];
  readonly ledger: EventLedger;
  readonly claimChecks: ClaimCheckBucket;
  readonly verifier: FunctionConfig;
  readonly verifierEntry: string;
  /** The stage's default route throttle (each provider's route has its own, `providers[].throttle`). */
  readonly throttle: ThrottleConfig;
  readonly logRetentionDays: number;
  readonly logEncryptionKey: kms.IKey;
  readonly logRemovalPolicy: RemovalPolicy;
  /** @default - only the execute-api endpoint */
  readonly customDomain?: CustomDomainConfig;
}

export class Ingress extends Construct {
  public readonly api: apigwv2.HttpApi;
  public readonly stage: apigwv2.HttpStage;
  public readonly verifier: WebhookFunction;
  public readonly accessLogGroup: logs.ILogGroup;
  /** Base URL senders post to (`<url>webhooks/<provider id>`). */
  public readonly url: string;
  /** Regional host name a custom domain's DNS record must point at. */
  public readonly customDomainTarget?: string;
  /** Route 53 hosted zone of that regional host name (an alias record's HostedZoneId). */
  public readonly customDomainHostedZoneId?: string;

  constructor(scope: Construct, id: string, props: IngressProps) {
    super(scope, id);

    const settings = new Map(props.providers.map((p) => [p.id, p]));
    const providersConfig = Object.fromEntries(props.pipelines.map((p) => {
      const cidrs = settings.get(p.providerId)?.allowedSourceCidrs;
      return [p.providerId, { secretArn: p.secret.secretArn, queueUrl: p.queue.queueUrl, ...(cidrs ? { allowedSourceCidrs: cidrs } : {}) }];
    }));

    this.verifier = new WebhookFunction(this, 'Verifier', {
      entry: props.verifierEntry,
      description: 'Verifies webhook signatures, claims the event in the ledger and enqueues it',
      memoryMb: props.verifier.memoryMb,
      timeout: Duration.seconds(props.verifier.timeoutSeconds),
      logRetentionDays: props.logRetentionDays,
      logEncryptionKey: props.logEncryptionKey,
      logRemovalPolicy: props.logRemovalPolicy,
      ...(props.verifier.reservedConcurrency !== undefined ? { reservedConcurrency: props.verifier.reservedConcurrency } : {}),
      provisionedConcurrency: props.verifier.provisionedConcurrency,
      environment: verifierEnvironment({
        providersConfig: Stack.of(this).toJsonString(providersConfig),
        ledgerTable: props.ledger.table.tableName,
        claimCheckBucket: props.claimChecks.bucket.bucketName,
        maxBodyBytes: props.maxBodyBytes,
        claimCheckThresholdBytes: props.claimCheckThresholdBytes,
        rotationGraceHours: props.rotationGraceHours,
        ledgerRetentionDays: props.ledgerRetentionDays,
        claimLeaseSeconds: props.claimLeaseSeconds,
        replayProtectionDays: props.replayProtectionDays,
      }),
    });
    const verifierRole = this.verifier.role;
    props.ledger.grantClaims(verifierRole);
    props.claimChecks.grantPut(verifierRole, [...props.pipelines.map((p) => p.providerId), SPOOL_PREFIX]);
    for (const pipeline of props.pipelines) pipeline.grantVerifier(verifierRole);

    Validations.of(this.verifier.function).acknowledge({
      id: 'HIPAA.Security-LambdaDLQ',
      reason: 'The verifier is invoked synchronously by API Gateway and answers the sender, who retries on non-2xx; a Lambda DLQ applies to asynchronous invocations only and would never receive anything.',
    });
    if (props.verifier.reservedConcurrency === undefined) {
      Validations.of(this.verifier.function).acknowledge({
        id: 'HIPAA.Security-LambdaConcurrency',
        reason: 'The verifier\'s concurrency is bounded upstream by the API stage throttle (rate and burst from config, asserted in test/infra); a reserved limit would turn bursts into throttled 5xx answers, which Suki and SOAPNoteAPI never retry.',
      });
    }

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'Signed webhook receiver',
      createDefaultStage: false,
      // With a custom domain, the execute-api hostname is switched off so every caller gets its TLS policy.
      disableExecuteApiEndpoint: props.customDomain !== undefined,
    });

    const accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: props.logRemovalPolicy,
    });
    this.accessLogGroup = accessLogGroup;

    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogGroup),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });

    // One literal route per enabled provider: API Gateway itself answers 404 for anything else, so an
    // unknown path never invokes (or bills) the verifier.
    const integration = new HttpLambdaIntegration('VerifierIntegration', this.verifier.invokeTarget, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    // Each provider's route has its own throttle bucket (stage RouteSettings), so a flood on one route
    // cannot starve the vendors that never retry a 429; the stage's default throttle covers the rest.
    // RouteSettings is a JSON map in CloudFormation: CDK passes it through as is, so the keys are PascalCase.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    for (const pipeline of props.pipelines) {
      const path = `/webhooks/${pipeline.providerId}`;
      const [route] = this.api.addRoutes({ path, methods: [apigwv2.HttpMethod.POST], integration });
      const throttle = settings.get(pipeline.providerId)?.throttle ?? props.throttle;
      routeSettings[`POST ${path}`] = { ThrottlingRateLimit: throttle.rateLimit, ThrottlingBurstLimit: throttle.burstLimit };
      // CloudFormation refuses route settings for a route key that does not exist yet.
      cfnStage.addResourceDependency(route!.node.defaultChild as apigwv2.CfnRoute);
      Validations.of(route!).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'Senders cannot present IAM, JWT or Lambda-authorizer credentials; each request is authenticated by its HMAC signature over the raw body, which the verifier checks before anything else (401 otherwise).',
      });
    }
    cfnStage.routeSettings = routeSettings;

    if (props.customDomain) {
      validateCertificateArn(this, props.customDomain.certificateArn);
      const domainName = new apigwv2.DomainName(this, 'DomainName', {
        domainName: props.customDomain.domainName,
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn),
        securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
      });
      new apigwv2.ApiMapping(this, 'ApiMapping', { api: this.api, domainName, stage: this.stage });
      this.customDomainTarget = domainName.regionalDomainName;
      this.customDomainHostedZoneId = domainName.regionalHostedZoneId;
      this.url = `https://${props.customDomain.domainName}/`;
    } else {
      this.url = this.stage.url;
    }
  }
}

const CERTIFICATE_ARN = /^arn:(aws[a-z-]*):acm:([a-z0-9-]+):(\d{12}):certificate\/[A-Za-z0-9-]+$/;

/**
 * A regional API Gateway domain name takes an ACM certificate from its own region only (CloudFormation fails
 * late, at deploy, otherwise). The format is checked always; the region and partition when the stack has an
 * explicit environment (an environment-agnostic stack knows its region only at deploy).
 */
function validateCertificateArn(scope: Construct, arn: string): void {
  const match = CERTIFICATE_ARN.exec(arn);
  if (!match) {
    throw new Error(`customDomain.certificateArn: must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>), got ${arn}`);
  }
  const stack = Stack.of(scope);
  const [, partition, region] = match;
  if (!Token.isUnresolved(stack.region) && region !== stack.region) {
    throw new Error(`customDomain.certificateArn: the certificate is in ${region} but the stack deploys to ${stack.region}; ` +
      `a regional API domain name needs an ACM certificate in ${stack.region} (request or import one there)`);
  }
  if (!Token.isUnresolved(stack.partition) && partition !== stack.partition) {
    throw new Error(`customDomain.certificateArn: the certificate is in partition ${partition} but the stack deploys to ${stack.partition}`);
  }
  if (Token.isUnresolved(stack.region)) {
    // An environment-agnostic stack (bin/app.ts) learns its region at deploy: a template rule makes
    // CloudFormation refuse the deploy before it creates anything, instead of failing at the domain name.
    new CfnRule(scope, 'CertificateInStackRegion', {
      assertions: [{
        assert: Fn.conditionEquals(Aws.REGION, region!),
        assertDescription: `customDomain.certificateArn is an ACM certificate in ${region}; a regional API domain name needs one in the stack's region`,
      }],
    });
  }
}
