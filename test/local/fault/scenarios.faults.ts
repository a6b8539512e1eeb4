/**
 * `npm run test:faults` (vitest.faults.config.ts; not part of `npm test`: about 6 minutes on 2 cores).
 * Every scenario of scenarios.ts on its own fresh local stack with fault injection, ≥ 1,000 events each,
 * a printed report of counts, and the invariants asserted (support/scenario.ts). The reports also go to
 * bench/results-faults.json with the machine they ran on.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/support/local-stack.ts';
import { EVENTS, SCENARIOS } from './scenarios.ts';
import { formatReport, runScenario, type ScenarioReport } from './support/scenario.ts';
import { SENDER_POLICIES, RETRY_DELAYS_MS } from './support/senders.ts';

const reports: ScenarioReport[] = [];
const only = process.env['FAULT_SCENARIOS']?.split(',').map((s) => s.trim()).filter(Boolean);

describe(`fault injection end to end, ${EVENTS} events per scenario`, () => {
  afterAll(() => {
    if (reports.length === 0) return;
    const cpus = os.cpus();
    const out = {
      generatedAt: new Date().toISOString(),
      command: 'npm run test:faults',
      machine: { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}`, loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))) },
      senders: { policies: SENDER_POLICIES, compressedRetryDelaysMs: RETRY_DELAYS_MS },
      scenarios: reports,
    };
    writeFileSync(join(ROOT, 'bench', 'results-faults.json'), `${JSON.stringify(out, null, 2)}\n`);
  });

  for (const spec of SCENARIOS) {
    const run = !only || only.includes(spec.name) ? it : it.skip;
    run(spec.name, async () => {
      const report = await runScenario(spec);
      reports.push(report);
      console.log(formatReport(report));
      expect(report.events).toBe(EVENTS);
      expect(report.violations).toEqual({ twoXxWithoutDurableEnqueue: 0, acceptedNotProcessedExactlyOnce: 0, processedMoreThanOnce: 0, retryingSenderNeverAccepted: 0 });
      expect(report.accepted).toBe(report.acceptedProcessedOnce);
      // The fault did bite: some call was faulted, and some answer was not 2xx (unless the scenario's promise is
      // that none is: the processors' failures, and the ledger's outage that the verifier bypasses).
      expect(JSON.stringify(report.calls)).toMatch(/"faulted":[1-9]/);
      if (spec.everyEventAccepted) expect(report.notAccepted).toMatchObject({ total: 0 });
      else if (spec.name !== 'processors-throwing') expect(Object.keys(report.allAttempts).some((status) => !/^2\d\d$/.test(status))).toBe(true);
    });
  }
});
