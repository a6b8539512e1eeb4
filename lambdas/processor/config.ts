/**
 * The processor's configuration: the contract variables through the shared reader
 * (lambdas/shared/runtime-config.ts), plus what only a processor needs. Read once at module load.
 */
import { ConfigError, readProcessorConfig, type Env, type ProcessorConfig } from '../shared/runtime-config.ts';

export interface ProcessorSettings extends ProcessorConfig {
  /**
   * TEST / DRILL KNOB (PROCESSOR_FAIL_EVENT_TYPES), never set in a deployed stack by default: event types
   * whose processing throws on purpose, to exercise retries, the `failed` ledger status and the DLQ.
   */
  readonly failEventTypes: ReadonlySet<string>;
}

export function readProcessorSettings(env: Env, knownProviders: ReadonlySet<string>): ProcessorSettings {
  const config = readProcessorConfig(env);
  if (!knownProviders.has(config.providerId)) {
    throw new ConfigError(`PROVIDER_ID '${config.providerId}' has no processor; known: ${[...knownProviders].join(', ')}`);
  }
  const failEventTypes = (env['PROCESSOR_FAIL_EVENT_TYPES'] ?? '')
    .split(',')
    .map((type) => type.trim())
    .filter((type) => type.length > 0);
  return { ...config, failEventTypes: new Set(failEventTypes) };
}
