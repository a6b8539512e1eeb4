/**
 * Every Lambda default of this project in one place: the newest Node.js runtime, arm64 (about 20% cheaper
 * per GB-second than x86), active X-Ray tracing, an explicit KMS-encrypted log group with retention, and a
 * minified, split ESM bundle with source maps built by the local esbuild (lib/bundling.ts; no Docker). The role carries no managed
 * policy: it may write to its own log group and nothing else until a construct grants more.
 */
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { relative } from 'node:path';
import { ENTRY_FILE, lambdaBundleOptions } from '../bundling.ts';
import { PROJECT_ROOT } from '../paths.ts';

/** The newest Node.js runtime aws-cdk-lib 2.276 offers (cdk-nag AwsSolutions-L1 flags older ones). */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * The handler's code asset, bundled at synth time by the local esbuild. The Docker image is never pulled:
 * CDK tries `local` first, and it always succeeds or throws esbuild's error. CDK bundles each entry once
 * per synth and the eight processors share one asset (same bundling options, same output hash).
 */
function bundledCode(entry: string): lambda.Code {
  return lambda.Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
      // CDK caches bundles by source path and bundling options, and `local` (code) is not part of that key:
      // naming the entry here keeps the second handler from being given the first one's bundle.
      environment: { HANDLER_ENTRY: relative(PROJECT_ROOT, entry) },
      local: {
        tryBundle(outputDir: string): boolean {
          const { metafile: _unused, ...options } = lambdaBundleOptions(entry, outputDir);
          buildSync(options);
          return true;
        },
      },
    },
  });
}

export interface WebhookFunctionProps {
  /** Handler source file; it must export `handler`. */
  readonly entry: string;
  /** Shown in the console; never a secret. */
  readonly description: string;
  readonly memoryMb: number;
  readonly timeout: Duration;
  /** Read once at module load by the handler (docs/architecture.md, "Environment variables"). */
  readonly environment: Readonly<Record<string, string>>;
  /** Days to keep the function's logs. */
  readonly logRetentionDays: number;
  /** Key for the log group (the stack's telemetry key). */
  readonly logEncryptionKey: kms.IKey;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** @default - no reserved concurrency */
  readonly reservedConcurrency?: number;
  /**
   * Provisioned concurrency on a `live` alias, which then becomes `invokeTarget`.
   * @default 0 - none (no hourly cost; cold starts allowed)
   */
  readonly provisionedConcurrency?: number;
}

export class WebhookFunction extends Construct {
  public readonly function: lambda.Function;
  public readonly role: iam.IRole;
  public readonly logGroup: logs.ILogGroup;
  /** What event sources and integrations invoke: the `live` alias with provisioned concurrency, else the function. */
  public readonly invokeTarget: lambda.IFunction;

  constructor(scope: Construct, id: string, props: WebhookFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetentionDays as logs.RetentionDays,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role: ${props.description}`,
    });
    this.logGroup.grantWrite(role);
    this.role = role;

    this.function = new lambda.Function(this, 'Function', {
      code: bundledCode(props.entry),
      handler: `${ENTRY_FILE.replace(/\.mjs$/, '')}.handler`,
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      environment: {
        ...props.environment,
        // Stack traces point at the TypeScript sources instead of the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
    });

    this.invokeTarget = props.provisionedConcurrency
      ? new lambda.Alias(this, 'Live', {
          aliasName: 'live',
          version: this.function.currentVersion,
          provisionedConcurrentExecutions: props.provisionedConcurrency,
        })
      : this.function;

    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: "xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) support no resource-level permissions; AWS requires Resource '*' for them.",
      },
      {
        id: 'HIPAA.Security-IAMNoInlinePolicy',
        reason: 'The role has one CDK-generated AWS::IAM::Policy attached to it alone, holding only the least-privilege statements of this function (asserted in test/infra); it is not shared with users or groups.',
      },
    );
    Validations.of(this.function).acknowledge({
      id: 'HIPAA.Security-LambdaInsideVPC',
      reason: 'The function reaches only regional AWS APIs (DynamoDB, SQS, S3, Secrets Manager, KMS) over TLS with IAM authorization; it opens no connection into a private network, and a VPC would add NAT or endpoint cost without narrowing what the role may do.',
    });
  }
}
