/** The processor's environment contract (docs/architecture.md, "Environment variables") plus the drill knob. */
import { describe, expect, it } from 'vitest';
import { readProcessorSettings } from '../../lambdas/processor/config.ts';

const known = new Set(['sully', 'suki']);
const base = {
  PROVIDER_ID: 'sully', LEDGER_TABLE: 'ledger', CLAIM_CHECK_BUCKET: 'bucket',
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/q', DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
};

describe('readProcessorSettings', () => {
  it('reads the contract variables with their defaults, and no drill by default', () => {
    expect(readProcessorSettings(base, known)).toEqual({
      providerId: 'sully',
      ledgerTable: 'ledger',
      claimCheckBucket: 'bucket',
      ledgerRetentionDays: 30,
      ledgerEntryDays: 30,
      failEventTypes: new Set(),
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q',
      deadLetterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
      retryBudgetSeconds: 21_600,
    });
  });

  it('reads the retry budget, 0 (no retries) up to 3 days', () => {
    expect(readProcessorSettings({ ...base, PROCESSOR_RETRY_BUDGET_SECONDS: '2' }, known).retryBudgetSeconds).toBe(2);
    expect(readProcessorSettings({ ...base, PROCESSOR_RETRY_BUDGET_SECONDS: '0' }, known).retryBudgetSeconds).toBe(0);
    expect(() => readProcessorSettings({ ...base, PROCESSOR_RETRY_BUDGET_SECONDS: '259201' }, known)).toThrow('PROCESSOR_RETRY_BUDGET_SECONDS must be between 0 and 259200');
  });

  it('keeps the entries it creates REPLAY_PROTECTION_DAYS when set (a provider without a signed timestamp), never less than the retention', () => {
    expect(readProcessorSettings({ ...base, REPLAY_PROTECTION_DAYS: '400' }, known).ledgerEntryDays).toBe(400);
    expect(readProcessorSettings({ ...base, LEDGER_RETENTION_DAYS: '60', REPLAY_PROTECTION_DAYS: '45' }, known).ledgerEntryDays).toBe(60);
  });

  it('reads the failure drill list, trimmed', () => {
    expect(readProcessorSettings({ ...base, PROCESSOR_FAIL_EVENT_TYPES: ' coding.failed, note_generation.failed ,' }, known).failEventTypes)
      .toEqual(new Set(['coding.failed', 'note_generation.failed']));
  });

  it.each([
    [{ ...base, PROVIDER_ID: undefined }, 'PROVIDER_ID is required'],
    [{ ...base, PROVIDER_ID: 'acme' }, "PROVIDER_ID 'acme' has no processor; known: sully, suki"],
    [{ ...base, LEDGER_TABLE: ' ' }, 'LEDGER_TABLE is required'],
    [{ ...base, CLAIM_CHECK_BUCKET: undefined }, 'CLAIM_CHECK_BUCKET is required'],
    [{ ...base, LEDGER_RETENTION_DAYS: '0' }, 'LEDGER_RETENTION_DAYS must be between'],
    [{ ...base, LEDGER_RETENTION_DAYS: '7.5' }, 'LEDGER_RETENTION_DAYS must be a whole number'],
    [{ ...base, QUEUE_URL: undefined }, 'QUEUE_URL is required'],
    [{ ...base, DEAD_LETTER_QUEUE_URL: 'dlq' }, 'DEAD_LETTER_QUEUE_URL must be an http(s) URL'],
  ])('rejects %o with a message naming the variable', (env, message) => {
    expect(() => readProcessorSettings(env, known)).toThrow(message);
  });
});
