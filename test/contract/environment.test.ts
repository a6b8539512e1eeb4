/**
 * The environment contract (lambdas/contract/environment.ts): what each builder writes, the handlers' readers
 * read back unchanged. The stack and the local pipeline both build with these builders, so this is the
 * whole check that a deployed or local function gets the variables its handler reads.
 */
import { describe, expect, it } from 'vitest';
import { EnvVar, processorEnvironment, spoolSweeperEnvironment, verifierEnvironment } from '../../lambdas/contract/environment.ts';
import { METRICS_NAMESPACE } from '../../lambdas/contract/metrics.ts';
import { readProcessorSettings } from '../../lambdas/processor/config.ts';
import { readVerifierConfig } from '../../lambdas/shared/runtime-config.ts';
import { readSweeperConfig } from '../../lambdas/spool/config.ts';

const queueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/stripe';

describe('each builder writes what its handler reads', () => {
  it('verifier', () => {
    const env = verifierEnvironment({
      providersConfig: JSON.stringify({ stripe: { secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:s', queueUrl } }),
      ledgerTable: 'ledger', claimCheckBucket: 'bucket', maxBodyBytes: 2048, claimCheckThresholdBytes: 100_000,
      rotationGraceHours: 5, ledgerRetentionDays: 7, claimLeaseSeconds: 45, replayProtectionDays: 90,
    });
    const config = readVerifierConfig(env);
    expect(config).toMatchObject({
      ledgerTable: 'ledger', claimCheckBucket: 'bucket', maxBodyBytes: 2048, claimCheckThresholdBytes: 100_000,
      rotationGraceHours: 5, ledgerRetentionDays: 7, claimLeaseSeconds: 45, replayProtectionDays: 90,
    });
    expect(config.providers.get('stripe')?.queueUrl).toBe(queueUrl);
    expect(env[EnvVar.POWERTOOLS_METRICS_NAMESPACE]).toBe(METRICS_NAMESPACE);
  });

  it('processor, with and without the replay-protection horizon', () => {
    const base = {
      providerId: 'stripe', ledgerTable: 'ledger', claimCheckBucket: 'bucket', ledgerRetentionDays: 7,
      queueUrl, deadLetterQueueUrl: `${queueUrl}-dlq`, retryBudgetSeconds: 600,
    };
    const settings = readProcessorSettings(processorEnvironment(base), new Set(['stripe']));
    expect(settings).toMatchObject({ ...base, ledgerEntryDays: 7, failEventTypes: new Set() });
    expect(readProcessorSettings(processorEnvironment({ ...base, replayProtectionDays: 400 }), new Set(['stripe'])).ledgerEntryDays).toBe(400);
    expect(processorEnvironment(base)[EnvVar.POWERTOOLS_SERVICE_NAME]).toBe('processor-stripe');
  });

  it('spool sweeper', () => {
    const config = readSweeperConfig(spoolSweeperEnvironment({ claimCheckBucket: 'bucket', queueUrls: JSON.stringify([queueUrl]) }));
    expect(config.bucket).toBe('bucket');
    expect([...config.queueUrls]).toEqual([queueUrl]);
  });
});
