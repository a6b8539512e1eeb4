/** The processor's environment contract (docs/architecture.md, "Environment variables") plus the drill knob. */
import { describe, expect, it } from 'vitest';
import { readProcessorSettings } from '../../lambdas/processor/config.ts';

const known = new Set(['sully', 'suki']);
const base = { PROVIDER_ID: 'sully', LEDGER_TABLE: 'ledger', CLAIM_CHECK_BUCKET: 'bucket' };

describe('readProcessorSettings', () => {
  it('reads the contract variables with their defaults, and no drill by default', () => {
    expect(readProcessorSettings(base, known)).toEqual({
      providerId: 'sully',
      ledgerTable: 'ledger',
      claimCheckBucket: 'bucket',
      ledgerRetentionDays: 30,
      failEventTypes: new Set(),
    });
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
  ])('rejects %o with a message naming the variable', (env, message) => {
    expect(() => readProcessorSettings(env, known)).toThrow(message);
  });
});
