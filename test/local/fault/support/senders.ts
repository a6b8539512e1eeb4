/**
 * Simulated senders: each provider's retry policy as the README's provider table ("sender retries") and
 * docs/runbook.md ("What each sender does when we answer non-2xx") state it, with the real schedules
 * (minutes to days) compressed into seconds. The compression keeps what matters for the guarantees: the
 * order of the attempts, and a tail that reaches past the verifier's 30 s claim lease (a crash leaves a
 * `received` claim that only a retry after the lease can take over), as every real retrying schedule does
 * by far. Senders that never retry send once: if we answer non-2xx, the event is
 * theirs to lose, and the reports count those events separately.
 */
export interface SenderPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** How long the sender waits for an answer before it counts the attempt as failed. */
  readonly timeoutMs: number;
  /** What the vendor documents (README.md provider table, "sender retries"). */
  readonly documented: string;
}

/** Compressed waits before retry 1, 2, 3, ... (seconds in place of minutes to days). */
export const RETRY_DELAYS_MS = [1_000, 4_000, 12_000, 40_000, 60_000, 90_000, 120_000] as const;

export const SENDER_POLICIES: Readonly<Record<string, SenderPolicy>> = {
  sully: { attempts: 5, timeoutMs: 30_000, documented: 'exponential over 24 h, 5 attempts; 2xx within 30 s' },
  suki: { attempts: 1, timeoutMs: 30_000, documented: 'none: one POST, never retried' },
  soapnoteapi: { attempts: 1, timeoutMs: 10_000, documented: 'none; 10 s timeout' },
  solatis: { attempts: 6, timeoutMs: 30_000, documented: '1 m, 5 m, 30 m, 2 h, 24 h, then the endpoint is disabled' },
  generic: { attempts: 5, timeoutMs: 30_000, documented: 'configurable by the sender (5 attempts assumed)' },
  'standard-webhooks': { attempts: 8, timeoutMs: 30_000, documented: 'per sender (Svix: 8 attempts over ~28 h assumed)' },
  github: { attempts: 1, timeoutMs: 10_000, documented: 'none automatic' },
  stripe: { attempts: 8, timeoutMs: 30_000, documented: 'up to 3 days (8 attempts assumed)' },
};

export function policyFor(providerId: string): SenderPolicy {
  return SENDER_POLICIES[providerId] ?? { attempts: 5, timeoutMs: 30_000, documented: 'unknown provider: 5 attempts assumed' };
}

export const retries = (providerId: string) => policyFor(providerId).attempts > 1;

/** Many senders treat any 2xx as delivered. */
export const isSuccess = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;
