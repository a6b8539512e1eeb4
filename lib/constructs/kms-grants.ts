/** KMS permissions that hold only when a named AWS service calls KMS on the principal's behalf. */
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';

export type KeyService = 'dynamodb' | 's3' | 'sqs' | 'secretsmanager';

/**
 * Grants `actions` on `key` through `service` only (kms:ViaService): a leaked role session cannot ask KMS
 * to decrypt a ciphertext directly.
 */
export function grantKeyVia(grantee: iam.IGrantable, key: kms.IKey, service: KeyService, actions: readonly string[]): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: [...actions],
    resources: [key.keyArn],
    // The service's regional endpoint host name, whose domain is the partition's (amazonaws.com.cn in China).
    conditions: { StringEquals: { 'kms:ViaService': `${service}.${Aws.REGION}.${Aws.URL_SUFFIX}` } },
  }));
}
