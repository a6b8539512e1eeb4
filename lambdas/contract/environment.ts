/**
 * The environment contract of the functions (docs/architecture.md, "Environment variables"): every variable
 * name, and the one builder per function that both the stack (lib/constructs/) and the local pipeline
 * (local/function-environment.ts) use, so the deployed and the local functions get the same variables by
 * construction. lambdas/shared/runtime-config.ts reads them back with the same names. Values are strings:
 * the stack passes CloudFormation tokens, the local pipeline real values.
 */
import { CANARY_SERVICE, METRICS_NAMESPACE, processorService, SPOOL_SWEEPER_SERVICE, VERIFIER_SERVICE } from './metrics.ts';

export const EnvVar = {
  /** Verifier: JSON {"<provider id>": {"secretArn": "...", "queueUrl": "..."}} of the enabled providers. */
  PROVIDERS_CONFIG: 'PROVIDERS_CONFIG',
  LEDGER_TABLE: 'LEDGER_TABLE',
  CLAIM_CHECK_BUCKET: 'CLAIM_CHECK_BUCKET',
  MAX_BODY_BYTES: 'MAX_BODY_BYTES',
  CLAIM_CHECK_THRESHOLD_BYTES: 'CLAIM_CHECK_THRESHOLD_BYTES',
  ROTATION_GRACE_HOURS: 'ROTATION_GRACE_HOURS',
  LEDGER_RETENTION_DAYS: 'LEDGER_RETENTION_DAYS',
  CLAIM_LEASE_SECONDS: 'CLAIM_LEASE_SECONDS',
  /** Set only for providers that sign no timestamp: their ledger entries are the replay protection. */
  REPLAY_PROTECTION_DAYS: 'REPLAY_PROTECTION_DAYS',
  /** Processor: the provider it serves, its own queue and DLQ (it re-times and dead-letters its messages). */
  PROVIDER_ID: 'PROVIDER_ID',
  QUEUE_URL: 'QUEUE_URL',
  DEAD_LETTER_QUEUE_URL: 'DEAD_LETTER_QUEUE_URL',
  PROCESSOR_RETRY_BUDGET_SECONDS: 'PROCESSOR_RETRY_BUDGET_SECONDS',
  /** The local failure drill only (local/drill.ts): event types the processor fails on purpose. */
  PROCESSOR_FAIL_EVENT_TYPES: 'PROCESSOR_FAIL_EVENT_TYPES',
  /** Spool sweeper: JSON array of the provider queue URLs it may send to. */
  QUEUE_URLS: 'QUEUE_URLS',
  SPOOL_MAX_PER_RUN: 'SPOOL_MAX_PER_RUN',
  /** Canary: the URL it posts to (`<ApiUrl>webhooks/canary`, the custom domain when set). */
  CANARY_URL: 'CANARY_URL',
  /** Canary: the `canary` provider's signing secret, the only secret it may read. */
  CANARY_SECRET_ARN: 'CANARY_SECRET_ARN',
  /** Canary: how long it waits for the ledger to show its event processed. */
  CANARY_WAIT_SECONDS: 'CANARY_WAIT_SECONDS',
  POWERTOOLS_SERVICE_NAME: 'POWERTOOLS_SERVICE_NAME',
  POWERTOOLS_METRICS_NAMESPACE: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;
export type EnvVarName = (typeof EnvVar)[keyof typeof EnvVar];

/** The verifier's numeric settings: what the stack passes, the builder writes and the handler reads back. */
export interface VerifierSettings {
  readonly maxBodyBytes: number;
  readonly claimCheckThresholdBytes: number;
  readonly rotationGraceHours: number;
  readonly ledgerRetentionDays: number;
  /**
   * How long a `received` claim blocks duplicates (409) before a retry may take it over: longer than the
   * verifier's timeout (lib/config/load.ts checks that at synth).
   */
  readonly claimLeaseSeconds: number;
  /**
   * How long the ledger keeps the entries of providers that sign no timestamp (Solatis, GitHub, the
   * meeting-recording platform): for them the entry is the only thing that refuses a replayed delivery.
   */
  readonly replayProtectionDays: number;
}

export interface VerifierEnvironment extends VerifierSettings {
  /** PROVIDERS_CONFIG, already serialized (the stack's toJsonString keeps tokens in it). */
  readonly providersConfig: string;
  readonly ledgerTable: string;
  readonly claimCheckBucket: string;
}

export function verifierEnvironment(v: VerifierEnvironment): Record<string, string> {
  return {
    [EnvVar.PROVIDERS_CONFIG]: v.providersConfig,
    [EnvVar.LEDGER_TABLE]: v.ledgerTable,
    [EnvVar.CLAIM_CHECK_BUCKET]: v.claimCheckBucket,
    [EnvVar.MAX_BODY_BYTES]: String(v.maxBodyBytes),
    [EnvVar.CLAIM_CHECK_THRESHOLD_BYTES]: String(v.claimCheckThresholdBytes),
    [EnvVar.ROTATION_GRACE_HOURS]: String(v.rotationGraceHours),
    [EnvVar.LEDGER_RETENTION_DAYS]: String(v.ledgerRetentionDays),
    [EnvVar.CLAIM_LEASE_SECONDS]: String(v.claimLeaseSeconds),
    [EnvVar.REPLAY_PROTECTION_DAYS]: String(v.replayProtectionDays),
    [EnvVar.POWERTOOLS_SERVICE_NAME]: VERIFIER_SERVICE,
    [EnvVar.POWERTOOLS_METRICS_NAMESPACE]: METRICS_NAMESPACE,
  };
}

export interface ProcessorEnvironment {
  readonly providerId: string;
  readonly ledgerTable: string;
  readonly claimCheckBucket: string;
  readonly ledgerRetentionDays: number;
  /** Only for a provider that signs no timestamp (its entries outlive the ledger's retention). */
  readonly replayProtectionDays?: number;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly retryBudgetSeconds: number;
}

export function processorEnvironment(p: ProcessorEnvironment): Record<string, string> {
  return {
    [EnvVar.PROVIDER_ID]: p.providerId,
    [EnvVar.LEDGER_TABLE]: p.ledgerTable,
    [EnvVar.CLAIM_CHECK_BUCKET]: p.claimCheckBucket,
    [EnvVar.LEDGER_RETENTION_DAYS]: String(p.ledgerRetentionDays),
    ...(p.replayProtectionDays === undefined ? {} : { [EnvVar.REPLAY_PROTECTION_DAYS]: String(p.replayProtectionDays) }),
    [EnvVar.POWERTOOLS_SERVICE_NAME]: processorService(p.providerId),
    [EnvVar.POWERTOOLS_METRICS_NAMESPACE]: METRICS_NAMESPACE,
    [EnvVar.QUEUE_URL]: p.queueUrl,
    [EnvVar.DEAD_LETTER_QUEUE_URL]: p.deadLetterQueueUrl,
    [EnvVar.PROCESSOR_RETRY_BUDGET_SECONDS]: String(p.retryBudgetSeconds),
  };
}

export interface SpoolSweeperEnvironment {
  readonly claimCheckBucket: string;
  /** QUEUE_URLS, already serialized. */
  readonly queueUrls: string;
}

export function spoolSweeperEnvironment(s: SpoolSweeperEnvironment): Record<string, string> {
  return {
    [EnvVar.CLAIM_CHECK_BUCKET]: s.claimCheckBucket,
    [EnvVar.QUEUE_URLS]: s.queueUrls,
    [EnvVar.POWERTOOLS_SERVICE_NAME]: SPOOL_SWEEPER_SERVICE,
    [EnvVar.POWERTOOLS_METRICS_NAMESPACE]: METRICS_NAMESPACE,
  };
}

export interface CanaryEnvironment {
  readonly url: string;
  readonly secretArn: string;
  readonly ledgerTable: string;
  readonly waitSeconds: number;
}

export function canaryEnvironment(c: CanaryEnvironment): Record<string, string> {
  return {
    [EnvVar.CANARY_URL]: c.url,
    [EnvVar.CANARY_SECRET_ARN]: c.secretArn,
    [EnvVar.LEDGER_TABLE]: c.ledgerTable,
    [EnvVar.CANARY_WAIT_SECONDS]: String(c.waitSeconds),
    [EnvVar.POWERTOOLS_SERVICE_NAME]: CANARY_SERVICE,
    [EnvVar.POWERTOOLS_METRICS_NAMESPACE]: METRICS_NAMESPACE,
  };
}
