/**
 * The local stand-in for the EventBridge schedule that runs the spool sweeper (lib/constructs/spool-sweeper.ts,
 * every minute when deployed): every `intervalMs` here, so a spooled event reaches its queue within seconds
 * of SQS answering again. One run at a time; prints only counts, never a key or a body.
 */
import type { Invocation } from './functions.ts';
import type { Print } from './report.ts';

export interface Invocable {
  invoke(event: unknown): Promise<Invocation>;
}

/** What EventBridge passes to a scheduled target (the sweeper ignores it). */
function scheduledEvent(): Record<string, unknown> {
  return { version: '0', id: 'local', 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date().toISOString(), region: 'local', resources: [], detail: {} };
}

function describe(invocation: Invocation): { ok: true; drained: number; remaining: number } | { ok: false; why: string } {
  if (invocation.kind !== 'result') return { ok: false, why: invocation.kind === 'timeout' ? 'timed out' : `${invocation.kind} ${invocation.errorName}` };
  const result = invocation.result as { drained?: unknown; remaining?: unknown } | undefined;
  return { ok: true, drained: Number(result?.drained ?? 0) || 0, remaining: Number(result?.remaining ?? 0) || 0 };
}

export function runSpoolSchedule(sweeper: Invocable, intervalMs: number, print: Print): () => Promise<void> {
  let running: Promise<void> | undefined;
  let lastProblem: string | undefined;
  const tick = () => {
    if (running) return;
    running = sweeper.invoke(scheduledEvent()).then((invocation) => {
      const outcome = describe(invocation);
      if (!outcome.ok) {
        // Once per kind of failure, not every tick: the next runs try again by themselves.
        if (outcome.why !== lastProblem) print(`spool sweeper: run failed (${outcome.why}); spooled messages stay for the next run`);
        lastProblem = outcome.why;
        return;
      }
      lastProblem = undefined;
      if (outcome.drained > 0) print(`spool sweeper: sent ${outcome.drained} spooled message(s) to their queues${outcome.remaining > 0 ? `, ${outcome.remaining} left` : ''}`);
    }).finally(() => {
      running = undefined;
    });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
