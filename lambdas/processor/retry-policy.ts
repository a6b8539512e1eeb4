/**
 * When a transiently failed message is tried again, and when it has had enough: capped exponential backoff
 * with jitter, applied with ChangeMessageVisibility, within a time budget counted from the message's first
 * receive (ApproximateFirstReceiveTimestamp). Pure, so lib/config/load.ts can check the queue's maxReceiveCount
 * against the same arithmetic the processor runs.
 *
 * Delay after the n-th receive (n = ApproximateReceiveCount, 1 on the first):
 *   ceiling(n) = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS × 2^(n−1))       30, 60, 120, ... 1920, 3600, 3600 s
 *   delay(n)   = ceiling(n)/2 + random × ceiling(n)/2                        ("equal jitter")
 * then at most what is left of the budget, so the last try lands at the budget's end; a failure once the
 * budget is spent moves the message to the DLQ.
 *
 * Why equal jitter, not full jitter (random × ceiling): full jitter can draw delays near 0 again and again,
 * so nothing bounds the receives a budget takes, and SQS's maxReceiveCount (the safety net for crashes)
 * could cut the budget short. With the lower half fixed the receives are bounded (maxReceivesWithinBudget),
 * and while the ceiling doubles delays never shrink from one receive to the next (delay(n) ≤ ceiling(n) ≤
 * delay(n+1)); at the cap they are drawn from [1800, 3600] s.
 * Retries of different messages are still spread over half of each ceiling.
 */

export const RETRY_BASE_SECONDS = 30;
export const RETRY_CAP_SECONDS = 3_600;
/** 6 hours: outlasts a regional AWS incident of the usual length; `retryBudgetSeconds` in cdk.json. */
export const DEFAULT_RETRY_BUDGET_SECONDS = 21_600;
/**
 * SQS deletes a message 4 days (the queue's default retention) after it was sent: the budget plus the last
 * delay (≤ RETRY_CAP_SECONDS) must end well before that, or a retried event would expire in the queue.
 */
export const MAX_RETRY_BUDGET_SECONDS = 259_200;
/** SQS: a visibility timeout is at most 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

export function backoffCeilingSeconds(receiveCount: number): number {
  const exponent = Math.max(0, Math.min(receiveCount, 64) - 1);
  return Math.min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** exponent);
}

/** Equal jitter over [ceiling/2, ceiling], whole seconds (ChangeMessageVisibility takes integers). */
export function jitteredDelaySeconds(receiveCount: number, random: () => number): number {
  const ceiling = backoffCeilingSeconds(receiveCount);
  return Math.ceil(ceiling / 2 + random() * (ceiling / 2));
}

export type RetryDecision =
  | { readonly kind: 'retry'; readonly delaySeconds: number }
  /** The budget is spent: the message goes to the DLQ. */
  | { readonly kind: 'exhausted'; readonly elapsedSeconds: number };

export interface RetryInput {
  readonly receiveCount: number;
  /** Epoch ms of the first receive (SQS ApproximateFirstReceiveTimestamp). */
  readonly firstReceiveMs: number;
  readonly nowMs: number;
  readonly budgetSeconds: number;
  readonly random: () => number;
}

export function decideRetry(input: RetryInput): RetryDecision {
  const elapsedSeconds = Math.max(0, (input.nowMs - input.firstReceiveMs) / 1000);
  if (elapsedSeconds >= input.budgetSeconds) return { kind: 'exhausted', elapsedSeconds: Math.floor(elapsedSeconds) };
  // At least 1 s: a visibility of 0 would hand the message straight back.
  const remaining = Math.max(1, Math.ceil(input.budgetSeconds - elapsedSeconds));
  const delaySeconds = Math.min(jitteredDelaySeconds(input.receiveCount, input.random), remaining, MAX_VISIBILITY_SECONDS);
  return { kind: 'retry', delaySeconds };
}

/**
 * The most receives a message can get from the processor within `budgetSeconds`, whatever the jitter draws:
 * the smallest K with Σ_{n=1..K} ceiling(n)/2 ≥ budget failing receives, then one more that finds the
 * budget spent and moves it to the DLQ (the clamp to the remaining budget only ends the sequence sooner).
 * 6 h: 15+30+60+120+240+480+960 = 1905 s after 7, then 1800 s each: 18 failing receives → 19.
 */
export function maxReceivesWithinBudget(budgetSeconds: number): number {
  let receives = 0;
  let minimumElapsed = 0;
  while (minimumElapsed < budgetSeconds) {
    receives += 1;
    minimumElapsed += backoffCeilingSeconds(receives) / 2;
  }
  return receives + 1;
}
