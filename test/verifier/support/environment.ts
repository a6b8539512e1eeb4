/**
 * The verifier's environment for a test: dummy credentials, the stand-ins' endpoints and the contract's
 * variables (docs/architecture.md). Set it before importing the handler: configuration is read at load.
 */
export interface VerifierEnvironment {
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string; readonly secretsManager: string; readonly s3: string };
  readonly providers: Record<string, { readonly secretArn: string; readonly queueUrl: string; readonly allowedSourceCidrs?: readonly string[] }>;
  readonly ledgerTable?: string;
  readonly claimCheckBucket?: string;
  /** Further variables, e.g. MAX_BODY_BYTES or the most talkative logger settings. */
  readonly extra?: Record<string, string>;
}

/** Variables a developer's shell may carry that would send the handler elsewhere or change its output. */
const INTERFERING = ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'POWERTOOLS_DEV', 'POWERTOOLS_METRICS_DISABLED'];

export function setVerifierEnvironment(env: VerifierEnvironment): void {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_DYNAMODB: env.endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: env.endpoints.sqs,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: env.endpoints.secretsManager,
    AWS_ENDPOINT_URL_S3: env.endpoints.s3,
    PROVIDERS_CONFIG: JSON.stringify(env.providers),
    LEDGER_TABLE: env.ledgerTable ?? 'ledger',
    CLAIM_CHECK_BUCKET: env.claimCheckBucket ?? 'claim-checks',
    POWERTOOLS_SERVICE_NAME: 'verifier',
    POWERTOOLS_METRICS_NAMESPACE: 'WebhookReceiver',
    ...env.extra,
  });
  for (const name of INTERFERING) delete process.env[name];
}
