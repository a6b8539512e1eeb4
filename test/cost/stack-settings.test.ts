/**
 * The settings extraction (tools/cost/stack-settings.ts) on a real synthesized template. The stack is built in
 * process (test/infra/synth.ts, handlers not bundled) with values that differ from every default, so each
 * assertion can only pass if the value was read from the template.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ASSUMPTIONS, estimate } from '../../tools/cost/model.ts';
import { PRICES } from '../../tools/cost/prices.ts';
import { costSettings, differingProcessors, readSettings, StackTemplateError, type StackSettings } from '../../tools/cost/stack-settings.ts';
import { synthesize } from '../infra/synth.ts';

let stack: StackSettings;

beforeAll(() => {
  const { template } = synthesize({
    providers: { sully: { maxReceiveCount: 25, batchSize: 7, maxConcurrency: 3 }, stripe: { maxReceiveCount: 25 } },
    verifier: { memoryMb: 768, timeoutSeconds: 10 },
    processor: { memoryMb: 384, timeoutSeconds: 30 },
    throttle: { rateLimit: 150, burstLimit: 300 },
    logRetentionDays: 14,
    claimCheckThresholdBytes: 200_000,
    ledgerRetentionDays: 45,
    claimCheckRetentionDays: 20,
  });
  stack = readSettings(template.toJSON());
});

describe('settings read from the synthesized template', () => {
  it("finds the verifier's memory, arm64 and active tracing", () => {
    expect(stack.verifier.memoryMb).toBe(768);
    expect(stack.verifier.architecture).toBe('arm64');
    expect(stack.verifier.tracing).toBe('Active');
    expect(stack.verifier.logRetentionDays).toBe(14);
  });

  it('finds each processor with its event source mapping', () => {
    // And the synthetic canary's own pipeline (canary.enabled, default true).
    expect(stack.processors.map((p) => p.providerId).sort()).toEqual(['canary', 'stripe', 'sully']);
    const sully = costSettings(stack, 'sully').processor;
    expect(sully).toMatchObject({ memoryMb: 384, architecture: 'arm64', tracing: 'Active', batchSize: 7, maxConcurrency: 3, logRetentionDays: 14 });
    expect(costSettings(stack, 'stripe').processor).toMatchObject({ batchSize: 10, maxConcurrency: 5 });
    expect(differingProcessors(stack, sully).sort()).toEqual(['canary', 'stripe']);
  });

  it('reads the table, the verifier environment, the bucket lifecycle and the stage', () => {
    expect(stack.table).toEqual({ billingMode: 'PAY_PER_REQUEST', pointInTimeRecovery: true });
    expect(stack.claimCheckThresholdBytes).toBe(200_000);
    expect(stack.ledgerRetentionDays).toBe(45);
    expect(stack.claimCheckStorageDays).toBe(21); // 20-day expiration + 1 day as a noncurrent version
    expect(stack.archiveStorageDays).toBe(21); // the archive/ rule: ledgerRetentionDays capped by the 20-day bucket expiry, + 1
    expect(stack.throttle).toEqual({ rateLimit: 150, burstLimit: 300 });
    expect(stack.accessLog?.retentionDays).toBe(14);
    expect(stack.accessLog?.format).toContain('$context.requestId');
    expect(stack.warnings).toEqual([]);
  });

  it('counts what the fixed monthly cost depends on', () => {
    // Two vendors and the canary's own pipeline (its secret, queue and event source).
    expect(stack.fixed).toMatchObject({ kmsKeys: 2, secrets: 3, dashboards: 1, sqsEventSources: 3, providers: 3 });
    expect(stack.fixed.alarmMetrics).toBeGreaterThan(10);
  });

  it('feeds the model: the verifier line item is priced at the template memory', () => {
    const e = estimate(costSettings(stack, 'sully'), { bodyBytes: 2_048 }, DEFAULT_ASSUMPTIONS, PRICES);
    expect(e.items.find((i) => i.id === 'verifier')?.label).toBe('Verifier Lambda (768 MB, arm64)');
    expect(e.batchSize).toBe(7);
  });

  it('refuses a template without a verifier', () => {
    expect(() => readSettings({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } })).toThrow(StackTemplateError);
  });
});
