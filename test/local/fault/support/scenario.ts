/**
 * One fault scenario end to end: a fresh local stack with fault injection, N signed events over every
 * provider sent by simulated senders (senders.ts) while faults are switched on and off at given points,
 * then recovery (all faults off), the senders' remaining retries, the queues drained (DLQs redriven, as an
 * operator does after an outage), and a report of counts with the two invariants checked per event:
 *
 *   1. no 2xx for an event that was not durably enqueued: every 2xx answer came after a SendMessage for that
 *      event that the SQS stand-in answered 200 (seen by the verifier's SQS fault proxy);
 *   2. every accepted event (any 2xx) is processed exactly once: one `event processed` line in its
 *      processor's log (the ledger's conditional processed transition) and the ledger entry `processed`.
 *
 * Events of senders that never retry (suki, soapnoteapi, github) and that we answered non-2xx are counted
 * apart: lost when nothing was enqueued, or processed anyway (at most once) when the enqueue happened
 * before the failure answer. A retrying sender that never got a 2xx after recovery is a violation.
 */
import { createHash } from 'node:crypto';
import { signedRequest, type SignedRequest } from '../../e2e/support/webhooks.ts';
import { Limiter, sleep, type Reply } from './http.ts';
import { isSuccess, policyFor, RETRY_DELAYS_MS, type SenderPolicy } from './senders.ts';
import { eventId, FaultStack, type CallStats, type FaultStackOptions } from './stack.ts';

export interface Phase {
  /** Applied when this many events have been dispatched (0 = before the first). */
  readonly atEvent: number;
  readonly label: string;
  readonly faults: Record<string, unknown>;
}

export interface ScenarioSpec {
  readonly name: string;
  readonly description: string;
  readonly events: number;
  /** Attempts in flight at once (all senders together). */
  readonly concurrency: number;
  readonly phases: readonly Phase[];
  readonly stack?: FaultStackOptions;
  /** Every event must be accepted, by every sender, retrying or not (the fault must cost no sender an event). */
  readonly everyEventAccepted?: boolean;
}

interface EventRun {
  readonly request: SignedRequest;
  readonly policy: SenderPolicy;
  readonly attempts: Reply[];
}

export interface ScenarioReport {
  readonly scenario: string;
  readonly description: string;
  readonly events: number;
  readonly providers: number;
  readonly durationMs: number;
  readonly phases: readonly { label: string; atEvent: number; faults: Record<string, unknown> }[];
  readonly firstAttempts: Record<string, number>;
  readonly allAttempts: Record<string, number>;
  readonly retries: number;
  readonly accepted: number;
  readonly acceptedProcessedOnce: number;
  readonly notAccepted: {
    readonly total: number;
    readonly noRetrySenderLost: number;
    readonly noRetrySenderProcessedAnyway: number;
    readonly byProvider: Record<string, number>;
  };
  readonly enqueues: { readonly sendMessageOk: number; readonly spooled: number; readonly eventsEnqueuedMoreThanOnce: number; readonly answeredAfterCallerGone: number };
  readonly duplicateDeliveriesAbsorbed: number;
  readonly processingFailuresLogged: number;
  readonly deadLetteredAndRedriven: number;
  readonly ledger: { readonly reclaimedAfterLease: number; readonly stuckReceived: number; readonly stuckReceivedOfAccepted: number; readonly failed: number };
  readonly violations: {
    readonly twoXxWithoutDurableEnqueue: number;
    readonly acceptedNotProcessedExactlyOnce: number;
    readonly processedMoreThanOnce: number;
    readonly retryingSenderNeverAccepted: number;
  };
  readonly examples: readonly string[];
  readonly calls: CallStats;
}

function label(reply: Reply): string {
  return reply.status !== undefined ? String(reply.status) : reply.error ?? 'no answer';
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

export async function runScenario(spec: ScenarioSpec): Promise<ScenarioReport> {
  const started = Date.now();
  const stack = await FaultStack.start(spec.stack);
  try {
    const providers = stack.providers;
    const runs: EventRun[] = [];
    for (let i = 0; i < spec.events; i++) {
      const id = providers[i % providers.length]!;
      runs.push({ request: signedRequest(id, stack.secrets[id]!.current), policy: policyFor(id), attempts: [] });
    }
    const limiter = new Limiter(spec.concurrency);
    const attempt = (run: EventRun) => limiter.run(() => stack.client.send({
      path: `/webhooks/${run.request.providerId}`,
      headers: run.request.headers,
      body: run.request.body,
      timeoutMs: run.policy.timeoutMs,
    }));
    const sender = async (run: EventRun) => {
      for (let k = 0; k < run.policy.attempts; k++) {
        if (k > 0) await sleep(RETRY_DELAYS_MS[Math.min(k - 1, RETRY_DELAYS_MS.length - 1)]!);
        const reply = await attempt(run);
        run.attempts.push(reply);
        if (isSuccess(reply.status)) return;
      }
    };

    const phases = [...spec.phases].sort((a, b) => a.atEvent - b.atEvent);
    const senders: Promise<void>[] = [];
    for (let i = 0; i <= runs.length; i++) {
      for (const phase of phases) if (phase.atEvent === i) await stack.faults(phase.faults);
      if (i === runs.length) break;
      await limiter.slot();
      senders.push(sender(runs[i]!));
    }
    // Recovery: every fault off, whatever the phases left on; then the senders' remaining retries.
    await stack.faults({ reset: true });
    await Promise.all(senders);
    const redriven = await stack.drain();
    // The processors write their log lines as they finish; give the last ones a moment to land.
    await sleep(500);
    return await report(spec, stack, runs, redriven, Date.now() - started);
  } finally {
    // FAULT_KEEP_STATE=1 keeps the stack's state directory (logs, ledger) to look into a run afterwards.
    await stack.stop({ keep: process.env['FAULT_KEEP_STATE'] === '1' });
  }
}

async function report(spec: ScenarioSpec, stack: FaultStack, runs: readonly EventRun[], redriven: number, durationMs: number): Promise<ScenarioReport> {
  const [enqueued, ledger, calls] = [await stack.enqueued(), await stack.ledger(), await stack.calls()];
  const logs = stack.processorLogs();
  // A spool object names only the SHA-256 of its dedupe key: map it back to the event.
  const byKeyHash = new Map(runs.map((r) => [`${r.request.providerId}:${createHash('sha256').update(r.request.dedupeKey).digest('hex')}`, r.request.dedupeKey]));
  const spooled = enqueued.filter((r) => r.scope === 'verifier' && r.via === 'spool');
  const sendsByEvent = new Map<string, number[]>();
  for (const record of enqueued) {
    if (record.scope !== 'verifier') continue;
    const dedupeKey = record.via === 'spool' ? byKeyHash.get(`${record.provider}:${record.dedupeKeySha256}`) : record.dedupeKey;
    if (dedupeKey === undefined) continue;
    const id = eventId(record.provider, dedupeKey);
    const list = sendsByEvent.get(id) ?? [];
    list.push(record.at);
    sendsByEvent.set(id, list);
  }

  const firstAttempts: Record<string, number> = {};
  const allAttempts: Record<string, number> = {};
  const notAcceptedByProvider: Record<string, number> = {};
  const examples: string[] = [];
  const violations = { twoXxWithoutDurableEnqueue: 0, acceptedNotProcessedExactlyOnce: 0, processedMoreThanOnce: 0, retryingSenderNeverAccepted: 0 };
  let retries = 0;
  let accepted = 0;
  let acceptedProcessedOnce = 0;
  let lost = 0;
  let processedAnyway = 0;
  let stuckReceivedOfAccepted = 0;
  const example = (text: string) => void (examples.length < 10 && examples.push(text));

  for (const run of runs) {
    const { providerId, dedupeKey } = run.request;
    const id = eventId(providerId, dedupeKey);
    bump(firstAttempts, label(run.attempts[0]!));
    for (const reply of run.attempts) bump(allAttempts, label(reply));
    retries += run.attempts.length - 1;
    const processed = logs.processed.get(id) ?? 0;
    const entry = ledger.get(id);
    const sends = sendsByEvent.get(id) ?? [];
    const successes = run.attempts.filter((r) => isSuccess(r.status));
    if (processed > 1) {
      violations.processedMoreThanOnce++;
      example(`${id}: processed ${processed} times`);
    }
    if (successes.length > 0) {
      accepted++;
      for (const reply of successes) {
        if (!sends.some((at) => at <= reply.endedAt)) {
          violations.twoXxWithoutDurableEnqueue++;
          example(`${id}: answered ${reply.status} with no SendMessage accepted before it`);
        }
      }
      if (processed === 1 && entry?.status === 'processed') acceptedProcessedOnce++;
      else {
        violations.acceptedNotProcessedExactlyOnce++;
        example(`${id}: accepted, processed ${processed} time(s), ledger status ${entry?.status ?? 'none'}`);
      }
      if (entry?.status === 'received') stuckReceivedOfAccepted++;
    } else {
      bump(notAcceptedByProvider, providerId);
      if (run.policy.attempts > 1) {
        violations.retryingSenderNeverAccepted++;
        example(`${id}: ${run.policy.attempts} attempts, never 2xx (${run.attempts.map(label).join(', ')})`);
      } else if (processed === 0) lost++;
      else processedAnyway++;
    }
  }

  const entries = [...ledger.values()];
  return {
    scenario: spec.name,
    description: spec.description,
    events: runs.length,
    providers: new Set(runs.map((r) => r.request.providerId)).size,
    durationMs,
    phases: spec.phases.map((p) => ({ label: p.label, atEvent: p.atEvent, faults: p.faults })),
    firstAttempts,
    allAttempts,
    retries,
    accepted,
    acceptedProcessedOnce,
    notAccepted: {
      total: runs.length - accepted,
      noRetrySenderLost: lost,
      noRetrySenderProcessedAnyway: processedAnyway,
      byProvider: notAcceptedByProvider,
    },
    enqueues: {
      sendMessageOk: enqueued.filter((r) => r.scope === 'verifier' && r.via !== 'spool').length,
      spooled: spooled.length,
      // A spooled event is stored twice on purpose (the spool object, then the sweeper's SendMessage).
      eventsEnqueuedMoreThanOnce: [...sendsByEvent.values()].filter((list) => list.length > 1).length - spooled.length,
      answeredAfterCallerGone: enqueued.filter((r) => r.scope === 'verifier' && !r.answered).length,
    },
    duplicateDeliveriesAbsorbed: [...logs.duplicates.values()].reduce((a, b) => a + b, 0),
    processingFailuresLogged: logs.failures,
    deadLetteredAndRedriven: redriven,
    ledger: {
      reclaimedAfterLease: entries.filter((e) => e.claims > 1).length,
      stuckReceived: entries.filter((e) => e.status === 'received').length,
      stuckReceivedOfAccepted,
      failed: entries.filter((e) => e.status === 'failed').length,
    },
    violations,
    examples,
    calls,
  };
}

const fmt = (counts: Record<string, number>) => Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ×${v}`).join(' · ') || '-';

/** Only the calls that got a fault, as `scope/service Operation faulted/calls`. */
function faultedCalls(calls: CallStats): string {
  const parts: string[] = [];
  for (const [scope, services] of Object.entries(calls)) {
    for (const [service, ops] of Object.entries(services)) {
      for (const [op, s] of Object.entries(ops)) if (s.faulted > 0) parts.push(`${scope}/${service} ${op} ${s.faulted}/${s.calls}`);
    }
  }
  return parts.join(' · ') || 'none';
}

export function formatReport(r: ScenarioReport): string {
  const v = r.violations;
  const ok = (n: number) => (n === 0 ? 'OK' : `VIOLATED ×${n}`);
  return [
    `── fault scenario: ${r.scenario} ── ${r.events} events over ${r.providers} providers, ${(r.durationMs / 1000).toFixed(1)} s`,
    `  ${r.description}`,
    `  phases:            ${r.phases.map((p) => `@${p.atEvent} ${p.label}`).join(' → ')} → recovered`,
    `  first attempts:    ${fmt(r.firstAttempts)}`,
    `  all attempts:      ${Object.values(r.allAttempts).reduce((a, b) => a + b, 0)} (${r.retries} sender retries): ${fmt(r.allAttempts)}`,
    `  accepted (2xx):    ${r.accepted}; processed exactly once: ${r.acceptedProcessedOnce}`,
    `  never accepted:    ${r.notAccepted.total} (${fmt(r.notAccepted.byProvider)}); senders that never retry: lost ${r.notAccepted.noRetrySenderLost}, processed anyway (once) ${r.notAccepted.noRetrySenderProcessedAnyway}`,
    `  enqueues:          SendMessage OK ${r.enqueues.sendMessageOk}; spooled (SQS refused, S3 stored) ${r.enqueues.spooled}; events enqueued more than once ${r.enqueues.eventsEnqueuedMoreThanOnce}; ` +
      `stored after the verifier had gone ${r.enqueues.answeredAfterCallerGone}; duplicate deliveries absorbed ${r.duplicateDeliveriesAbsorbed}`,
    `  processing:        failures logged ${r.processingFailuresLogged}; dead-lettered then redriven ${r.deadLetteredAndRedriven}`,
    `  ledger:            re-claimed after the lease ${r.ledger.reclaimedAfterLease}; left 'received' ${r.ledger.stuckReceived} (of accepted events ${r.ledger.stuckReceivedOfAccepted}); 'failed' ${r.ledger.failed}`,
    `  faulted calls:     ${faultedCalls(r.calls)}`,
    `  invariant 1, no 2xx without a durable enqueue:           ${ok(v.twoXxWithoutDurableEnqueue)}`,
    `  invariant 2, every accepted event processed exactly once: ${ok(v.acceptedNotProcessedExactlyOnce + v.processedMoreThanOnce)}`,
    `  retrying senders that never got a 2xx:                    ${ok(v.retryingSenderNeverAccepted)}`,
    ...(r.examples.length > 0 ? [`  examples: ${r.examples.join('; ')}`] : []),
  ].join('\n');
}
