/** Environment of the spool sweeper (docs/architecture.md, "Environment variables"), read once and validated. */
import { EnvVar } from '../contract/environment.ts';
import { EnvironmentError, integer, requiredString, type Env } from '../shared/runtime-config.ts';

export interface SweeperConfig {
  /** The claim-check bucket, whose `spool/` prefix holds the spooled messages. */
  readonly bucket: string;
  /** The provider queues (QUEUE_URLS, a JSON array): the only queues a spooled message is sent to. */
  readonly queueUrls: ReadonlySet<string>;
  readonly maxPerRun: number;
}

export function readSweeperConfig(env: Env): SweeperConfig {
  let urls: unknown;
  try {
    urls = JSON.parse(requiredString(env, EnvVar.QUEUE_URLS));
  } catch (error) {
    if (error instanceof EnvironmentError) throw error;
    throw new EnvironmentError('QUEUE_URLS is not valid JSON');
  }
  if (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string' && /^https?:\/\/\S+$/.test(u))) {
    throw new EnvironmentError('QUEUE_URLS must be a JSON array of at least one http(s) queue URL');
  }
  return {
    bucket: requiredString(env, EnvVar.CLAIM_CHECK_BUCKET),
    queueUrls: new Set(urls as string[]),
    maxPerRun: integer(env, EnvVar.SPOOL_MAX_PER_RUN, 100, 1, 10_000),
  };
}
