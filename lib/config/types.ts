/**
 * The shape of the deployment configuration that lib/ accepts as props. lib/config/load.ts reads and
 * validates it from the CDK context; the constructs never read the context or the environment themselves.
 */
import { findProvider } from '../../providers/index.ts';

export const STAGES = ['dev', 'staging', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** SQS keeps a dead-lettered message at most 14 days (the DLQ retention this stack sets). */
export const DLQ_RETENTION_DAYS = 14;

export interface ThrottleConfig {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a burst above the rate. */
  readonly burstLimit: number;
}

export interface FunctionConfig {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Reserved concurrency; unset leaves the function on the account's unreserved pool. */
  readonly reservedConcurrency?: number;
  /** Provisioned concurrency on a `live` alias; 0 disables it (and its hourly cost). */
  readonly provisionedConcurrency: number;
}

export interface ProviderConfig {
  /** Provider id: the route segment `/webhooks/<id>` and the `provider` metric dimension. */
  readonly id: string;
  /**
   * Receives before SQS moves a message to the provider's DLQ: the safety net for crashes and timeouts
   * (the processor moves failed messages itself); at least the receives the retry budget can take.
   */
  readonly maxReceiveCount: number;
  /** Messages per processor invocation (at most 10: larger batches need a batching window). */
  readonly batchSize: number;
  /** Concurrent processor invocations the event source mapping may start (SQS ESM maximumConcurrency). */
  readonly maxConcurrency: number;
  /** Reserved concurrency for this provider's processor. */
  readonly reservedConcurrency?: number;
  /**
   * This provider's own route throttle (`POST /webhooks/<id>`): a flood on another route cannot use it up.
   * Defaults to the top-level `throttle`.
   */
  readonly throttle: ThrottleConfig;
  /**
   * Source addresses (CIDR, IPv4 or IPv6) the verifier accepts for this provider, checked before any
   * Secrets Manager call (403 otherwise). Unset: any address (the signature is the authentication).
   */
  readonly allowedSourceCidrs?: readonly string[];
  /**
   * Vendor silence: the longest this provider may go without an accepted event before an alarm
   * (VendorSilence<Provider>). Unset: no such alarm (a sender whose traffic has no rhythm).
   */
  readonly expectAtLeastEveryMinutes?: number;
}

/** The synthetic canary (lib/constructs/synthetic-canary.ts): a signed event through the whole path on a schedule. */
export interface CanaryConfig {
  /** Deploys the canary function, its schedule and alarm, and the `canary` provider. */
  readonly enabled: boolean;
  /** Minutes between runs; two failed runs in a row alarm. */
  readonly everyMinutes: number;
}

export interface AlarmThresholds {
  /** Verifier 5xx answers as a percentage of requests in 5 minutes. */
  readonly verifier5xxPercent: number;
  /** Requests in 5 minutes below which the 5xx rate does not alarm. */
  readonly verifier5xxMinRequests: number;
  /** Signature failures as a percentage of Accepted + Duplicate + SignatureFailure in 5 minutes. */
  readonly signatureFailurePercent: number;
  /** Verified-or-failed requests in 5 minutes below which the failure rate does not alarm. */
  readonly signatureFailureMinRequests: number;
  /** Age of the oldest message in a provider queue. */
  readonly queueAgeSeconds: number;
  /** Processor invocation errors as a percentage of invocations in 5 minutes. */
  readonly processorErrorPercent: number;
  /** Processor invocation errors in 5 minutes below which the error rate does not alarm. */
  readonly processorErrorMinCount: number;
  /** Verifier p99 duration; the strictest sender (SOAPNoteAPI) gives up after 10 s. */
  readonly verifierP99Ms: number;
}

export interface CustomDomainConfig {
  readonly domainName: string;
  /** ACM certificate in the stack's region covering domainName. */
  readonly certificateArn: string;
}

export interface AppConfig {
  readonly stage: Stage;
  readonly stackName: string;
  readonly providers: readonly ProviderConfig[];
  /** The default route throttle: each provider's route gets its own bucket of this size unless it sets one. */
  readonly throttle: ThrottleConfig;
  readonly maxBodyBytes: number;
  readonly claimCheckThresholdBytes: number;
  readonly rotationGraceHours: number;
  readonly ledgerRetentionDays: number;
  /** Ledger TTL for providers without a signed timestamp: their only replay protection (REPLAY_PROTECTION_DAYS). */
  readonly replayProtectionDays: number;
  readonly claimCheckRetentionDays: number;
  /** How long a verifier's ledger claim blocks duplicates (409); longer than the verifier timeout. */
  readonly claimLeaseSeconds: number;
  readonly logRetentionDays: number;
  readonly alarmEmail?: string;
  readonly customDomain?: CustomDomainConfig;
  readonly verifier: FunctionConfig;
  /** Deploy lambdas/verifier/traced-handler.ts: X-Ray subsegments for the verifier's AWS calls, at a cold-start cost. */
  readonly traceVerifierAwsCalls: boolean;
  readonly processor: FunctionConfig;
  /** How long a transiently failing event is retried (backoff) before the processor moves it to the DLQ. */
  readonly retryBudgetSeconds: number;
  readonly alarms: AlarmThresholds;
  readonly canary: CanaryConfig;
}

/**
 * Whether the provider signs a timestamp (its tolerance then refuses any replay); without one, its ledger
 * entries are its only replay protection and are kept for `replayProtectionDays`.
 */
export function signsTimestamp(provider: Pick<ProviderConfig, 'id'>): boolean {
  return findProvider(provider.id)?.timestamp !== undefined;
}
