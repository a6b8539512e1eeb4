/**
 * The processor's configuration: the contract variables through the shared reader
 * (lambdas/shared/runtime-config.ts), plus what only a processor needs. Read once at module load.
 */
import { EnvVar } from '../contract/environment.ts';
import { EnvironmentError, integer, readProcessorConfig, requiredString, type Env, type ProcessorConfig } from '../shared/runtime-config.ts';
import { DEFAULT_RETRY_BUDGET_SECONDS, MAX_RETRY_BUDGET_SECONDS } from './retry-policy.ts';

export interface ProcessorSettings extends ProcessorConfig {
  /**
   * TEST / DRILL KNOB (PROCESSOR_FAIL_EVENT_TYPES), never set in a deployed stack by default: event types
   * whose processing throws on purpose, to exercise retries, the `failed` ledger status and the DLQ.
   */
  readonly failEventTypes: ReadonlySet<string>;
  /** QUEUE_URL: this provider's queue, for ChangeMessageVisibility (the backoff of transient failures). */
  readonly queueUrl: string;
  /** DEAD_LETTER_QUEUE_URL: its DLQ, where the processor moves what it gives up on, with the reason. */
  readonly deadLetterQueueUrl: string;
  /**
   * PROCESSOR_RETRY_BUDGET_SECONDS (default 21600 = 6 h): how long after its first receive a transiently
   * failing message is still retried (retry-policy.ts). Tests and the local drill set it to seconds.
   */
  readonly retryBudgetSeconds: number;
}

function queueUrl(env: Env, name: string): string {
  const value = requiredString(env, name);
  if (!/^https?:\/\/\S+$/.test(value)) throw new EnvironmentError(`environment variable ${name} must be an http(s) URL`);
  return value;
}

export function readProcessorSettings(env: Env, knownProviders: ReadonlySet<string>): ProcessorSettings {
  const config = readProcessorConfig(env);
  if (!knownProviders.has(config.providerId)) {
    throw new EnvironmentError(`PROVIDER_ID '${config.providerId}' has no processor; known: ${[...knownProviders].join(', ')}`);
  }
  const failEventTypes = (env[EnvVar.PROCESSOR_FAIL_EVENT_TYPES] ?? '')
    .split(',')
    .map((type) => type.trim())
    .filter((type) => type.length > 0);
  return {
    ...config,
    failEventTypes: new Set(failEventTypes),
    queueUrl: queueUrl(env, EnvVar.QUEUE_URL),
    deadLetterQueueUrl: queueUrl(env, EnvVar.DEAD_LETTER_QUEUE_URL),
    retryBudgetSeconds: integer(env, EnvVar.PROCESSOR_RETRY_BUDGET_SECONDS, DEFAULT_RETRY_BUDGET_SECONDS, 0, MAX_RETRY_BUDGET_SECONDS),
  };
}
