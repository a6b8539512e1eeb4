/**
 * The stack's customer-managed KMS keys, both rotated yearly by KMS:
 * - `dataKey` protects PHI at rest (ledger, claim-check bucket, queues, DLQs, provider secrets);
 * - `telemetryKey` protects log groups and the alarm topic, so CloudWatch Logs and CloudWatch alarms can use
 *   it without ever being allowed near the PHI key.
 */
import { Aws, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface EncryptionKeysProps {
  /** RETAIN keeps data encrypted under the keys readable after the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

export class EncryptionKeys extends Construct {
  public readonly dataKey: kms.IKey;
  public readonly telemetryKey: kms.IKey;

  constructor(scope: Construct, id: string, props: EncryptionKeysProps) {
    super(scope, id);

    const dataKey = new kms.Key(this, 'DataKey', {
      description: 'Webhook receiver: PHI at rest (ledger, claim-check bucket, queues, provider secrets)',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    (dataKey.node.defaultChild as kms.CfnKey).overrideLogicalId('DataKey');
    viaServiceInPartition(dataKey);
    this.dataKey = dataKey;

    const telemetryKey = new kms.Key(this, 'TelemetryKey', {
      description: 'Webhook receiver: log groups and the alarm topic',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    (telemetryKey.node.defaultChild as kms.CfnKey).overrideLogicalId('TelemetryKey');
    // CloudWatch Logs encrypts with the caller's key only if the key policy names the regional service
    // principal (in the partition's domain: logs.<region>.amazonaws.com.cn in China); the encryption context
    // pins it to this account's log groups.
    telemetryKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.${Aws.URL_SUFFIX}`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*` },
      },
    }));
    // CloudWatch alarms publish to the encrypted alarm topic as this service principal. Global service
    // principals have the same name in every partition (CDK writes them as <service>.amazonaws.com even when
    // given .amazonaws.com.cn); only regional ones such as logs.<region>.<suffix> take the partition's domain.
    telemetryKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }));
    this.telemetryKey = telemetryKey;
  }
}

/**
 * CDK's Secret adds a key-policy statement for Secrets Manager with kms:ViaService
 * `secretsmanager.<region>.amazonaws.com`, a literal domain that matches no request in the China partition
 * (amazonaws.com.cn). Rewrites every such value in the key's policy to the partition's URL suffix.
 */
function viaServiceInPartition(key: kms.Key): void {
  const cfnKey = key.node.defaultChild as kms.CfnKey;
  const document = cfnKey.keyPolicy;
  cfnKey.keyPolicy = Lazy.any({ produce: () => rewriteViaService(Stack.of(key).resolve(document)) });
}

function rewriteViaService(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteViaService(v));
  if (!value || typeof value !== 'object') return value;
  if (key === 'kms:ViaService') {
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    const parts = join?.[1];
    if (join?.[0] === '' && parts && parts.at(-1) === '.amazonaws.com') {
      return { 'Fn::Join': ['', [...parts.slice(0, -1), '.', { Ref: 'AWS::URLSuffix' }]] };
    }
    return value;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteViaService(v, k)]));
}
