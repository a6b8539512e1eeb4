/**
 * Environment of the Lambda functions (docs/architecture.md, "Environment variables"), read once at module
 * load and validated, so a misconfigured deployment fails its first invocation with the exact problem
 * instead of answering wrongly for hours. Pure: takes the environment as an argument.
 */
import { EnvVar, type VerifierSettings } from '../contract/environment.ts';
import type { Provider } from '../domain/provider.ts';
import { isCidr, sourceAllowList } from '../domain/source-address.ts';
import { findProvider, providers as registeredProviders } from '../../providers/index.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export class EnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

export function requiredString(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new EnvironmentError(`environment variable ${name} is required`);
  return value;
}

/** A whole number within [min, max]; `fallback` when the variable is unset or empty. */
export function integer(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  if (!/^[0-9]+$/.test(text)) throw new EnvironmentError(`environment variable ${name} must be a whole number, got '${text}'`);
  const value = Number(text);
  if (value < min || value > max) throw new EnvironmentError(`environment variable ${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** One enabled provider: how to verify it, where its secret is, where its events go. */
export interface ProviderRoute {
  readonly provider: Provider;
  readonly secretArn: string;
  readonly queueUrl: string;
  /** The provider's sender allowlist (allowedSourceCidrs); unset: any source address. */
  readonly sourceAllowed?: (sourceIp: string) => boolean;
}

export interface VerifierConfig extends VerifierSettings {
  readonly providers: ReadonlyMap<string, ProviderRoute>;
  readonly ledgerTable: string;
  readonly claimCheckBucket: string;
}

/** SQS refuses messages above 256 KiB; the threshold must leave room below it. */
export const SQS_MAX_MESSAGE_BYTES = 262_144;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function routeFor(id: string, entry: unknown): ProviderRoute {
  const where = `PROVIDERS_CONFIG.${id}`;
  if (!isObject(entry)) throw new EnvironmentError(`${where} must be an object {"secretArn": "...", "queueUrl": "..."}`);
  const { secretArn, queueUrl, allowedSourceCidrs } = entry;
  if (typeof secretArn !== 'string' || secretArn === '') throw new EnvironmentError(`${where}.secretArn must be a non-empty string`);
  if (typeof queueUrl !== 'string' || !/^https?:\/\/\S+$/.test(queueUrl)) throw new EnvironmentError(`${where}.queueUrl must be an http(s) URL`);
  const provider = findProvider(id);
  if (!provider) {
    throw new EnvironmentError(`${where}: '${id}' is not a registered provider (${[...registeredProviders.keys()].join(', ')}; providers/index.ts)`);
  }
  if (allowedSourceCidrs === undefined) return { provider, secretArn, queueUrl };
  if (!Array.isArray(allowedSourceCidrs) || allowedSourceCidrs.length === 0 || !allowedSourceCidrs.every((c) => typeof c === 'string' && isCidr(c))) {
    throw new EnvironmentError(`${where}.allowedSourceCidrs must be a non-empty array of CIDR blocks`);
  }
  return { provider, secretArn, queueUrl, sourceAllowed: sourceAllowList(allowedSourceCidrs as string[]) };
}

export function parseProvidersConfig(text: string): ReadonlyMap<string, ProviderRoute> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new EnvironmentError('PROVIDERS_CONFIG is not valid JSON');
  }
  if (!isObject(parsed) || Object.keys(parsed).length === 0) {
    throw new EnvironmentError('PROVIDERS_CONFIG must be a JSON object with at least one provider');
  }
  return new Map(Object.entries(parsed).map(([id, entry]) => [id, routeFor(id, entry)]));
}

export function readVerifierConfig(env: Env): VerifierConfig {
  return {
    providers: parseProvidersConfig(requiredString(env, EnvVar.PROVIDERS_CONFIG)),
    ledgerTable: requiredString(env, EnvVar.LEDGER_TABLE),
    claimCheckBucket: requiredString(env, EnvVar.CLAIM_CHECK_BUCKET),
    maxBodyBytes: integer(env, EnvVar.MAX_BODY_BYTES, 1_048_576, 1, 6_291_456), // 6 MiB: Lambda's synchronous payload limit
    claimCheckThresholdBytes: integer(env, EnvVar.CLAIM_CHECK_THRESHOLD_BYTES, 245_760, 1_024, SQS_MAX_MESSAGE_BYTES - 4_096),
    rotationGraceHours: integer(env, EnvVar.ROTATION_GRACE_HOURS, 72, 0, 24 * 365),
    ledgerRetentionDays: integer(env, EnvVar.LEDGER_RETENTION_DAYS, 30, 1, 3_650),
    // It must outlast the verifier's timeout, or a claim could expire while its verifier is still
    // enqueueing and a retry would enqueue the event a second time; the function cannot see its own
    // timeout, so lib/config/load.ts checks that at synth. At most 15 minutes: a claim left by a crash answers
    // 409 for the whole lease, and a sender that gives up sooner loses the event.
    claimLeaseSeconds: integer(env, EnvVar.CLAIM_LEASE_SECONDS, 30, 1, 900),
    replayProtectionDays: integer(env, EnvVar.REPLAY_PROTECTION_DAYS, 400, 1, 3_650),
  };
}

export interface ProcessorConfig {
  readonly providerId: string;
  readonly ledgerTable: string;
  readonly claimCheckBucket: string;
  readonly ledgerRetentionDays: number;
  /**
   * Lifetime of a ledger entry the processor creates (the verifier's claim was bypassed): the ledger's
   * retention, or REPLAY_PROTECTION_DAYS when set (only for providers that sign no timestamp).
   */
  readonly ledgerEntryDays: number;
}

export function readProcessorConfig(env: Env): ProcessorConfig {
  return {
    providerId: requiredString(env, EnvVar.PROVIDER_ID),
    ledgerTable: requiredString(env, EnvVar.LEDGER_TABLE),
    claimCheckBucket: requiredString(env, EnvVar.CLAIM_CHECK_BUCKET),
    ledgerRetentionDays: integer(env, EnvVar.LEDGER_RETENTION_DAYS, 30, 1, 3_650),
    ledgerEntryDays: Math.max(integer(env, EnvVar.LEDGER_RETENTION_DAYS, 30, 1, 3_650), integer(env, EnvVar.REPLAY_PROTECTION_DAYS, 0, 0, 3_650)),
  };
}
