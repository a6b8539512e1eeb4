/** Environment of the canary function (docs/architecture.md, "Environment variables"), read once and validated. */
import { EnvVar } from '../contract/environment.ts';
import { EnvironmentError, integer, requiredString, type Env } from '../shared/runtime-config.ts';

export interface CanaryConfig {
  /** `<ApiUrl>webhooks/canary`. */
  readonly url: string;
  readonly secretArn: string;
  readonly ledgerTable: string;
  readonly waitSeconds: number;
}

export function readCanaryConfig(env: Env): CanaryConfig {
  const url = requiredString(env, EnvVar.CANARY_URL);
  if (!/^https?:\/\/\S+$/.test(url)) throw new EnvironmentError(`environment variable ${EnvVar.CANARY_URL} must be an http(s) URL`);
  return {
    url,
    secretArn: requiredString(env, EnvVar.CANARY_SECRET_ARN),
    ledgerTable: requiredString(env, EnvVar.LEDGER_TABLE),
    waitSeconds: integer(env, EnvVar.CANARY_WAIT_SECONDS, 60, 1, 600),
  };
}
