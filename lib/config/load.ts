/**
 * The deployment configuration: read once from the CDK context (cdk.json "context", or `-c key=value`),
 * validated here with every problem reported at once, and passed down to the constructs as typed, readonly
 * props (shapes in lib/config/types.ts). bin/app.ts, `ops` and the local emulator load it through this
 * module; nothing else under lib/ reads the context or process.env.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CANARY_PROVIDER_ID, providers as registeredProviders } from '../../providers/index.ts';
import { isCidr } from '../../lambdas/domain/source-address.ts';
import { verifierEnvironmentProblem } from './environment-size.ts';
import {
  DEFAULT_RETRY_BUDGET_SECONDS, MAX_RETRY_BUDGET_SECONDS, RETRY_CAP_SECONDS, maxReceivesWithinBudget,
} from '../../lambdas/processor/retry-policy.ts';
import {
  DLQ_RETENTION_DAYS, STAGES, type AlarmThresholds, type AppConfig, type CanaryConfig, type CustomDomainConfig, type FunctionConfig,
  type ProviderConfig, type Stage, type ThrottleConfig,
} from './types.ts';

export * from './types.ts';

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration (cdk.json "context" or -c key=value):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Log retention by stage when `logRetentionDays` is not set: a year of audit trail in production. */
const DEFAULT_LOG_RETENTION: Record<Stage, number> = { dev: 30, staging: 90, prod: 365 };

/**
 * maxReceiveCount is SQS's safety net for receives that never reach the processor's own failure handling
 * (a crash, a timeout, an out-of-memory, a throttled invocation: Lambda returns those messages to the queue
 * and their receive count still grows). It must not cut the retry budget short: the processor's backoff
 * (lambdas/processor/retry-policy.ts) can take up to maxReceivesWithinBudget(budget) receives, 19 for the
 * default 6 h, so that is its minimum, and the default adds RECEIVE_MARGIN receives for such crashes: 29.
 * A message that crashes the processor every time then reaches the DLQ after 29 × the visibility timeout
 * (6 × 30 s): about 87 minutes.
 */
export const RECEIVE_MARGIN = 10;

export function defaultMaxReceiveCount(retryBudgetSeconds: number): number {
  return maxReceivesWithinBudget(retryBudgetSeconds) + RECEIVE_MARGIN;
}

/** The alarm period, and the processor queue's visibility timeout in processor timeouts (provider-pipeline.ts). */
const ALARM_PERIOD_SECONDS = 300;
const VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * One message that crashes the processor fails its invocation on every receive, and SQS redelivers it once
 * per visibility timeout: at most this many errors in one alarm period. The ProcessorErrors alarm needs one
 * error more by default, so that a single poison message (which QueueAge and DlqNotEmpty report) does not page.
 */
export function defaultProcessorErrorMinCount(processorTimeoutSeconds: number): number {
  return Math.ceil(ALARM_PERIOD_SECONDS / (processorTimeoutSeconds * VISIBILITY_TIMEOUT_FACTOR)) + 1;
}

const TOP_LEVEL_KEYS = [
  'stage', 'stackName', 'providers', 'throttle', 'maxBodyBytes', 'claimCheckThresholdBytes', 'rotationGraceHours',
  'ledgerRetentionDays', 'claimCheckRetentionDays', 'logRetentionDays', 'alarmEmail', 'customDomain', 'verifier', 'traceVerifierAwsCalls',
  'processor', 'alarms', 'claimLeaseSeconds', 'retryBudgetSeconds', 'replayProtectionDays', 'canary',
] as const;

type Raw = Record<string, unknown>;

/**
 * Reads and validates the configuration. `context` is a lookup such as `(k) => app.node.tryGetContext(k)`.
 * Throws ConfigError listing every problem.
 */
export function loadConfig(context: (key: string) => unknown): AppConfig {
  const raw: Raw = {};
  for (const key of TOP_LEVEL_KEYS) raw[key] = context(key);
  return parseConfig(raw);
}

export function parseConfig(input: Raw): AppConfig {
  const problems: string[] = [];
  const read = new Reader(problems);

  const stageValue = input.stage ?? 'dev';
  const stage = STAGES.includes(stageValue as Stage) ? (stageValue as Stage) : undefined;
  if (!stage) problems.push(`stage: must be one of ${STAGES.join(', ')} (got ${show(stageValue)})`);
  const effectiveStage: Stage = stage ?? 'dev';

  const stackName = read.string(input, 'stackName', `WebhookReceiver-${effectiveStage}`, /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
    'letters, digits and dashes, starting with a letter');

  const throttle = read.throttle(input, 'throttle', { rateLimit: 100, burstLimit: 200 })!;
  const verifier = read.fn(input, 'verifier', { memoryMb: 512, timeoutSeconds: 10 }, 29,
    'the HTTP API integration times out at 30 s');
  const traceVerifierAwsCalls = read.flag(input, 'traceVerifierAwsCalls', false);
  const processor = read.fn(input, 'processor', { memoryMb: 256, timeoutSeconds: 30 }, 900, 'the Lambda maximum');

  const maxBodyBytes = read.int(input, 'maxBodyBytes', 1_048_576, 1_024, 4_194_304,
    'a base64-encoded body must fit the 6 MB Lambda request payload');
  const claimCheckThresholdBytes = read.int(input, 'claimCheckThresholdBytes', 245_760, 1_024, 245_760,
    'an SQS message, attributes included, is at most 256 KiB');
  const rotationGraceHours = read.number(input, 'rotationGraceHours', 72, 0, 720);
  const ledgerRetentionDays = read.int(input, 'ledgerRetentionDays', 30, DLQ_RETENTION_DAYS, 365,
    `a message redriven from a DLQ (kept ${DLQ_RETENTION_DAYS} days) must still find its ledger entry`);
  // Providers that sign no timestamp are protected from a replayed delivery only by their ledger entry, so
  // it is kept this long for them (ids, types, digests and times: no body content, which keeps its own
  // shorter retention in the queues and the claim-check bucket).
  const replayProtectionDays = read.int(input, 'replayProtectionDays', 400, ledgerRetentionDays, 3_650,
    `at least ledgerRetentionDays (${ledgerRetentionDays}): the entry of a provider without a signed timestamp is its only replay protection`);
  const claimCheckRetentionDays = read.int(input, 'claimCheckRetentionDays', 30, DLQ_RETENTION_DAYS + 1, 365,
    `a claim-check body must outlive its message in the DLQ (${DLQ_RETENTION_DAYS} days)`);

  // A claim must outlast the verifier that holds it: were it to expire while that verifier is still between
  // claim and enqueue, a retry would re-claim and enqueue the event a second time. At most 15 minutes: a claim
  // left by a crash answers 409 for the whole lease (lambdas/shared/runtime-config.ts, CLAIM_LEASE_SECONDS).
  const claimLeaseSeconds = read.int(input, 'claimLeaseSeconds', 30, verifier.timeoutSeconds + 1, 900,
    `longer than verifier.timeoutSeconds (${verifier.timeoutSeconds} s), so that a claim cannot expire while its verifier still runs`);

  const logRetentionDays = read.int(input, 'logRetentionDays', DEFAULT_LOG_RETENTION[effectiveStage], 1, 3653);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    problems.push(`logRetentionDays: CloudWatch Logs accepts only ${LOG_RETENTION_DAYS.join(', ')} (got ${logRetentionDays})`);
  }

  const alarmEmail = read.optionalString(input, 'alarmEmail', /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an e-mail address');
  const customDomain = read.customDomain(input);
  const alarms = read.alarms(input, verifier.timeoutSeconds, processor.timeoutSeconds);
  // At least a minute (a budget of 0 would send every AWS hiccup to the DLQ), and 3 days at most: SQS deletes
  // a message 4 days after it was sent, and the last retry may come up to RETRY_CAP_SECONDS after the budget.
  const retryBudgetSeconds = read.int(input, 'retryBudgetSeconds', DEFAULT_RETRY_BUDGET_SECONDS, 60, MAX_RETRY_BUDGET_SECONDS,
    'the queue keeps a message 4 days');
  const canary = read.canary(input);
  const providerList = read.providers(input, retryBudgetSeconds, throttle, canary.enabled);
  const environmentTooLarge = verifierEnvironmentProblem({
    stackName, providers: providerList, maxBodyBytes, claimCheckThresholdBytes, rotationGraceHours,
    ledgerRetentionDays, claimLeaseSeconds, replayProtectionDays,
  });
  if (environmentTooLarge) problems.push(environmentTooLarge);
  // The ledger entry and the claim-check body must outlive a message that was retried for the whole budget
  // and then kept in the DLQ for its full retention (the processor's copy starts a new retention period).
  const retriedThenDeadLetteredDays = DLQ_RETENTION_DAYS + (retryBudgetSeconds + RETRY_CAP_SECONDS) / 86_400;
  for (const [key, days] of [['ledgerRetentionDays', ledgerRetentionDays], ['claimCheckRetentionDays', claimCheckRetentionDays]] as const) {
    if (days < retriedThenDeadLetteredDays) {
      problems.push(`${key}: must be at least ${Math.ceil(retriedThenDeadLetteredDays)} days with retryBudgetSeconds ${retryBudgetSeconds} ` +
        `(the retry budget plus the DLQ's ${DLQ_RETENTION_DAYS} days; got ${days})`);
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    stage: effectiveStage,
    stackName,
    providers: providerList,
    throttle,
    maxBodyBytes,
    claimCheckThresholdBytes,
    rotationGraceHours,
    ledgerRetentionDays,
    replayProtectionDays,
    claimCheckRetentionDays,
    claimLeaseSeconds,
    logRetentionDays,
    ...(alarmEmail !== undefined ? { alarmEmail } : {}),
    ...(customDomain !== undefined ? { customDomain } : {}),
    verifier,
    traceVerifierAwsCalls,
    processor,
    retryBudgetSeconds,
    alarms,
    canary,
  };
}

/** Collects problems instead of throwing at the first, so one synth shows every mistake. */
class Reader {
  constructor(private readonly problems: string[]) {}

  /** true or false; `cdk -c key=true` passes the string, so 'true' and 'false' count too. */
  flag(obj: Raw, key: string, fallback: boolean, path = key): boolean {
    const value = obj[key];
    if (value === undefined || value === null) return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    this.problems.push(`${path}: must be true or false (got ${show(value)})`);
    return fallback;
  }

  number(obj: Raw, key: string, fallback: number, min: number, max: number, why?: string, path = key): number {
    const value = coerceNumber(obj[key]);
    if (obj[key] === undefined || obj[key] === null) return fallback;
    if (value === undefined || value < min || value > max) {
      this.problems.push(`${path}: must be a number from ${min} to ${max}${why ? ` (${why})` : ''} (got ${show(obj[key])})`);
      return fallback;
    }
    return value;
  }

  int(obj: Raw, key: string, fallback: number, min: number, max: number, why?: string, path = key): number {
    const value = this.number(obj, key, fallback, min, max, why, path);
    if (!Number.isInteger(value)) {
      this.problems.push(`${path}: must be a whole number (got ${show(obj[key])})`);
      return fallback;
    }
    return value;
  }

  optionalInt(obj: Raw, key: string, min: number, max: number, path: string): number | undefined {
    if (obj[key] === undefined || obj[key] === null) return undefined;
    return this.int(obj, key, min, min, max, undefined, path);
  }

  string(obj: Raw, key: string, fallback: string, pattern: RegExp, expected: string, path = key): string {
    return this.optionalString(obj, key, pattern, expected, path) ?? fallback;
  }

  optionalString(obj: Raw, key: string, pattern: RegExp, expected: string, path = key): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' || !pattern.test(value)) {
      this.problems.push(`${path}: must be ${expected} (got ${show(value)})`);
      return undefined;
    }
    return value;
  }

  object(obj: Raw, key: string, path = key): Raw | undefined {
    const value = parseJsonString(obj[key]);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.problems.push(`${path}: must be an object (got ${show(obj[key])})`);
      return undefined;
    }
    return value as Raw;
  }

  unknownKeys(obj: Raw, allowed: readonly string[], path: string): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) this.problems.push(`${path}.${key}: unknown setting (allowed: ${allowed.join(', ')})`);
    }
  }

  throttle(obj: Raw, key: string, fallback?: ThrottleConfig, path = key): ThrottleConfig | undefined {
    const t = this.object(obj, key, path);
    if (!t) return fallback;
    this.unknownKeys(t, ['rateLimit', 'burstLimit'], path);
    const base = fallback ?? { rateLimit: 100, burstLimit: 200 };
    return {
      rateLimit: this.number(t, 'rateLimit', base.rateLimit, 1, 10_000, undefined, `${path}.rateLimit`),
      burstLimit: this.int(t, 'burstLimit', base.burstLimit, 1, 5_000, undefined, `${path}.burstLimit`),
    };
  }

  /**
   * `expectAtLeastEveryMinutes` as `{ expectAtLeastEveryMinutes }`, or `{}` when unset. The alarm looks at
   * 5-minute periods and CloudWatch evaluates at most one day of them; the canary has its own alarm.
   */
  silence(obj: Raw, id: string, path: string): { expectAtLeastEveryMinutes?: number } {
    const key = 'expectAtLeastEveryMinutes';
    if (obj[key] === undefined || obj[key] === null) return {};
    if (id === CANARY_PROVIDER_ID) {
      this.problems.push(`${path}.${key}: not for the canary (its own alarm, CanaryFailed, watches it: canary.everyMinutes)`);
      return {};
    }
    const minutes = this.int(obj, key, 0, 5, 1_440, 'CloudWatch evaluates at most one day of 5-minute periods', `${path}.${key}`);
    return minutes >= 5 ? { expectAtLeastEveryMinutes: minutes } : {};
  }

  /** A non-empty list of CIDR blocks (IPv4 or IPv6), as `{ [key]: list }`, or `{}` when unset. */
  cidrs(obj: Raw, key: string, path: string): { allowedSourceCidrs?: readonly string[] } {
    const value = obj[key];
    if (value === undefined) return {};
    const list = typeof value === 'string' ? value.split(',').map((v) => v.trim()) : value;
    if (!Array.isArray(list) || list.length === 0) {
      this.problems.push(`${path}: must be a non-empty list of CIDR blocks such as ["192.0.2.0/24"] (got ${show(value)})`);
      return {};
    }
    const bad = list.filter((cidr) => typeof cidr !== 'string' || !isCidr(cidr));
    if (bad.length > 0) {
      this.problems.push(`${path}: not a CIDR block (address/prefix length): ${bad.map(show).join(', ')}`);
      return {};
    }
    return { allowedSourceCidrs: list as string[] };
  }

  fn(obj: Raw, key: string, defaults: { memoryMb: number; timeoutSeconds: number }, maxTimeout: number, why: string): FunctionConfig {
    const f = this.object(obj, key) ?? {};
    this.unknownKeys(f, ['memoryMb', 'timeoutSeconds', 'reservedConcurrency', 'provisionedConcurrency'], key);
    const reservedConcurrency = this.optionalInt(f, 'reservedConcurrency', 1, 10_000, `${key}.reservedConcurrency`);
    return {
      memoryMb: this.int(f, 'memoryMb', defaults.memoryMb, 128, 10_240, undefined, `${key}.memoryMb`),
      timeoutSeconds: this.int(f, 'timeoutSeconds', defaults.timeoutSeconds, 1, maxTimeout, why, `${key}.timeoutSeconds`),
      ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}),
      provisionedConcurrency: this.int(f, 'provisionedConcurrency', 0, 0, 10_000, undefined, `${key}.provisionedConcurrency`),
    };
  }

  customDomain(obj: Raw): CustomDomainConfig | undefined {
    const d = this.object(obj, 'customDomain');
    if (!d) return undefined;
    this.unknownKeys(d, ['domainName', 'certificateArn'], 'customDomain');
    const domainName = this.optionalString(d, 'domainName', /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
      'a lower-case host name such as hooks.example.com', 'customDomain.domainName');
    const certificateArn = this.optionalString(d, 'certificateArn', /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/,
      'an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)', 'customDomain.certificateArn');
    if (!domainName || !certificateArn) {
      if (d.domainName === undefined) this.problems.push('customDomain.domainName: required when customDomain is set');
      if (d.certificateArn === undefined) this.problems.push('customDomain.certificateArn: required when customDomain is set');
      return undefined;
    }
    return { domainName, certificateArn };
  }

  alarms(obj: Raw, verifierTimeoutSeconds: number, processorTimeoutSeconds: number): AlarmThresholds {
    const a = this.object(obj, 'alarms') ?? {};
    const keys = ['verifier5xxPercent', 'verifier5xxMinRequests', 'signatureFailurePercent', 'signatureFailureMinRequests',
      'queueAgeSeconds', 'processorErrorPercent', 'processorErrorMinCount', 'verifierP99Ms'];
    this.unknownKeys(a, keys, 'alarms');
    const p = (k: string) => `alarms.${k}`;
    return {
      verifier5xxPercent: this.number(a, 'verifier5xxPercent', 1, 0.01, 100, undefined, p('verifier5xxPercent')),
      verifier5xxMinRequests: this.int(a, 'verifier5xxMinRequests', 10, 1, 1_000_000, undefined, p('verifier5xxMinRequests')),
      signatureFailurePercent: this.number(a, 'signatureFailurePercent', 20, 0.01, 100, undefined, p('signatureFailurePercent')),
      signatureFailureMinRequests: this.int(a, 'signatureFailureMinRequests', 10, 1, 1_000_000, undefined, p('signatureFailureMinRequests')),
      queueAgeSeconds: this.int(a, 'queueAgeSeconds', 600, 60, 345_600, 'SQS keeps a message 4 days', p('queueAgeSeconds')),
      processorErrorPercent: this.number(a, 'processorErrorPercent', 5, 0.01, 100, undefined, p('processorErrorPercent')),
      processorErrorMinCount: this.int(a, 'processorErrorMinCount', defaultProcessorErrorMinCount(processorTimeoutSeconds), 1, 1_000_000,
        undefined, p('processorErrorMinCount')),
      verifierP99Ms: this.int(a, 'verifierP99Ms', Math.min(8_000, verifierTimeoutSeconds * 800), 100, verifierTimeoutSeconds * 1000,
        `at most the verifier timeout, ${verifierTimeoutSeconds} s`, p('verifierP99Ms')),
    };
  }

  canary(obj: Raw): CanaryConfig {
    const c = this.object(obj, 'canary') ?? {};
    this.unknownKeys(c, ['enabled', 'everyMinutes'], 'canary');
    return {
      enabled: this.flag(c, 'enabled', true, 'canary.enabled'),
      everyMinutes: this.int(c, 'everyMinutes', 5, 1, 60, 'two failed runs in a row alarm: at most two hours unnoticed', 'canary.everyMinutes'),
    };
  }

  providers(obj: Raw, retryBudgetSeconds: number, defaultThrottle: ThrottleConfig, canaryEnabled: boolean): ProviderConfig[] {
    const minReceives = maxReceivesWithinBudget(retryBudgetSeconds);
    const value = parseProviderList(obj.providers);
    // Not set: every vendor of the registry (providers/index.ts), with the default settings.
    const vendors = [...registeredProviders.keys()].filter((id) => id !== CANARY_PROVIDER_ID);
    const listed = value === undefined ? Object.fromEntries(vendors.map((id) => [id, {}])) : value;
    if (listed === null) {
      this.problems.push(`providers: must be an object {"<id>": {settings}}, an array of ids or "id,id" (got ${show(obj.providers)})`);
      return [];
    }
    if (CANARY_PROVIDER_ID in listed && !canaryEnabled) {
      this.problems.push(`providers.${CANARY_PROVIDER_ID}: the canary is off (canary.enabled: false): remove it from providers, or turn the canary on`);
    }
    // The canary's own provider comes with the canary (canary.enabled), last, with the default settings
    // unless providers names it; it is not counted as a vendor.
    const enabled: Record<string, unknown> = { ...listed };
    const vendorCount = Object.keys(listed).filter((id) => id !== CANARY_PROVIDER_ID).length;
    if (canaryEnabled && vendorCount > 0 && !(CANARY_PROVIDER_ID in enabled)) enabled[CANARY_PROVIDER_ID] = {};
    const result: ProviderConfig[] = [];
    for (const [id, settingsValue] of Object.entries(enabled)) {
      const path = `providers.${id}`;
      const settings = settingsValue === true || settingsValue === null ? {} : settingsValue;
      if (typeof settings !== 'object' || Array.isArray(settings)) {
        this.problems.push(`${path}: must be an object of settings (got ${show(settingsValue)})`);
        continue;
      }
      const s = settings as Raw;
      this.unknownKeys(s, ['maxReceiveCount', 'batchSize', 'maxConcurrency', 'reservedConcurrency', 'throttle', 'allowedSourceCidrs',
        'expectAtLeastEveryMinutes', 'definition'], path);
      if (s.definition !== undefined) {
        this.problems.push(`${path}.definition: providers are not declared in the configuration: add a folder ` +
          `providers/${id}/ (declaration, processor, samples, notes) and its entry in providers/index.ts (README, "Add a provider")`);
        continue;
      }
      if (!registeredProviders.has(id)) {
        this.problems.push(`${path}: unknown provider (registered: ${vendors.join(', ')}; ` +
          `add one as a folder providers/${id}/ and its entry in providers/index.ts)`);
        continue;
      }
      const reservedConcurrency = this.optionalInt(s, 'reservedConcurrency', 1, 10_000, `${path}.reservedConcurrency`);
      const maxConcurrency = this.int(s, 'maxConcurrency', 5, 2, 1_000, 'the SQS event source accepts 2 to 1000', `${path}.maxConcurrency`);
      // The event source keeps polling for maxConcurrency invocations; beyond the reserved concurrency Lambda
      // throttles them and returns their messages to the queue with a receive counted, so they reach the DLQ.
      if (reservedConcurrency !== undefined && reservedConcurrency < maxConcurrency) {
        this.problems.push(`${path}.reservedConcurrency: must be at least maxConcurrency (${maxConcurrency}) or unset ` +
          `(got ${reservedConcurrency}): Lambda would throttle the event source's other invocations, and their messages ` +
          'return to the queue as failed receives until they reach the DLQ; raise it or lower maxConcurrency');
      }
      result.push({
        id,
        maxReceiveCount: this.int(s, 'maxReceiveCount', defaultMaxReceiveCount(retryBudgetSeconds), minReceives, 1_000,
          `SQS's redrive must not cut the ${retryBudgetSeconds} s retry budget short, which can take ${minReceives} receives`, `${path}.maxReceiveCount`),
        batchSize: this.int(s, 'batchSize', 10, 1, 10, undefined, `${path}.batchSize`),
        maxConcurrency,
        ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}),
        throttle: this.throttle(s, 'throttle', defaultThrottle, `${path}.throttle`)!,
        ...this.cidrs(s, 'allowedSourceCidrs', `${path}.allowedSourceCidrs`),
        ...this.silence(s, id, path),
      });
    }
    if (vendorCount === 0 && Object.keys(listed).length === 0) {
      this.problems.push(`providers: enable at least one of ${vendors.join(', ')}`);
    }
    return result;
  }


}

/** `-c key=value` always yields strings: accept "42" for numbers. */
function coerceNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** `-c throttle='{"rateLimit":10}'` yields a string: accept JSON text for object settings. */
function parseJsonString(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return value;
  try {
    return JSON.parse(text);
  } catch {
    return value;
  }
}

/** Providers as {"id": {...}}, ["id", ...] or "id,id"; undefined when absent, null when malformed. */
function parseProviderList(input: unknown): Record<string, unknown> | undefined | null {
  const value = parseJsonString(input);
  if (value === undefined || value === null || value === '') return undefined;
  const ids = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;
  if (Array.isArray(ids)) {
    if (!ids.every((id) => typeof id === 'string')) return null;
    return Object.fromEntries(ids.map((id: string) => [id, {}]));
  }
  if (typeof ids === 'object') return ids as Record<string, unknown>;
  return null;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The configuration exactly as `cdk synth` reads it from `<root>/cdk.json` "context" without `-c` overrides
 * (what `ops` and the local emulator use). Throws ConfigError when the file is unreadable or invalid.
 */
export function loadProjectConfig(root: string): AppConfig {
  const file = join(root, 'cdk.json');
  let context: Record<string, unknown>;
  try {
    context = (JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
  } catch (error) {
    throw new ConfigError([`cannot read ${file}: ${(error as Error).message}`]);
  }
  return loadConfig((key) => context[key]);
}
