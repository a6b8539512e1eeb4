/**
 * The verifier's environment, measured before deploy: Lambda refuses a function whose environment variables
 * (names and values) exceed 4 KB, and PROVIDERS_CONFIG grows by a secret ARN and a queue URL per provider.
 * The stack only knows those as tokens at synth, so this builds the environment with the same builder
 * (lambdas/contract/environment.ts) from the longest values CloudFormation can give them for this stack name
 * and these providers: a configuration that passes here fits at deploy, in any partition and region.
 */
import { verifierEnvironment, type VerifierSettings } from '../../lambdas/contract/environment.ts';
import { pascalCase } from '../naming.ts';

/** Lambda's limit on the environment of one function, names and values together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4_096;

// The longest each part of an ARN or URL can be: partition aws-us-gov, region ap-southeast-2 (14
// characters), URL suffix amazonaws.com.cn, a 12-digit account.
const PARTITION = 'x'.repeat('aws-us-gov'.length);
const REGION = 'x'.repeat('ap-southeast-2'.length);
const URL_SUFFIX = 'x'.repeat('amazonaws.com.cn'.length);
const ACCOUNT = '1'.repeat(12);

/**
 * A physical name CloudFormation generates: `<stack name>-<logical id>-<13 random characters>`, cut to the
 * resource's maximum length.
 */
const generatedName = (stackName: string, logicalId: string, max: number) =>
  'x'.repeat(Math.min(max, stackName.length + logicalId.length + 15));

export interface VerifierEnvironmentInput extends VerifierSettings {
  readonly stackName: string;
  readonly providers: readonly { readonly id: string; readonly allowedSourceCidrs?: readonly string[] }[];
}

/** The verifier environment's size in bytes at its largest, NODE_OPTIONS (lib/constructs/webhook-function.ts) included. */
export function verifierEnvironmentBytes(c: VerifierEnvironmentInput): number {
  const providersConfig = Object.fromEntries(c.providers.map(({ id, allowedSourceCidrs }) => {
    const suffix = pascalCase(id);
    // A generated secret name is `<logical id>-<12 random characters>`; the ARN adds `-` and 6 more.
    const secretName = 'x'.repeat(`Secret${suffix}`.length + 13);
    return [id, {
      secretArn: `arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:${secretName}-xxxxxx`,
      queueUrl: `https://sqs.${REGION}.${URL_SUFFIX}/${ACCOUNT}/${generatedName(c.stackName, `Queue${suffix}`, 80)}`,
      ...(allowedSourceCidrs ? { allowedSourceCidrs } : {}),
    }];
  }));
  const environment = {
    ...verifierEnvironment({
      ...c,
      providersConfig: JSON.stringify(providersConfig),
      ledgerTable: generatedName(c.stackName, 'LedgerTable', 255),
      claimCheckBucket: generatedName(c.stackName, 'ClaimCheckBucket', 63),
    }),
    NODE_OPTIONS: '--enable-source-maps',
  };
  return Object.entries(environment).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value), 0);
}

/** The problem when the verifier's environment could exceed Lambda's limit, or undefined. */
export function verifierEnvironmentProblem(c: VerifierEnvironmentInput): string | undefined {
  const bytes = verifierEnvironmentBytes(c);
  if (bytes <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return undefined;
  return `providers: the verifier's environment would take up to ${bytes} bytes with these ${c.providers.length} providers ` +
    `and stack name '${c.stackName}', over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}-byte limit (PROVIDERS_CONFIG holds a secret ARN ` +
    'and a queue URL per provider, and its allowedSourceCidrs); enable fewer providers, shorten stackName or the CIDR lists, or deploy a second stack';
}
