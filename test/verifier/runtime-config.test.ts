/** The verifier's environment: defaults, validation, and errors that name the exact problem. */
import { describe, expect, it } from 'vitest';
import { EnvironmentError, readProcessorConfig, readVerifierConfig, type Env } from '../../lambdas/shared/runtime-config.ts';

const providers = { sully: { secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:s', queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q' } };
const base: Env = { PROVIDERS_CONFIG: JSON.stringify(providers), LEDGER_TABLE: 'ledger', CLAIM_CHECK_BUCKET: 'bucket' };

describe('readVerifierConfig', () => {
  it('applies the documented defaults', () => {
    const config = readVerifierConfig(base);
    expect(config).toMatchObject({
      ledgerTable: 'ledger',
      claimCheckBucket: 'bucket',
      maxBodyBytes: 1_048_576,
      claimCheckThresholdBytes: 245_760,
      rotationGraceHours: 72,
      ledgerRetentionDays: 30,
      claimLeaseSeconds: 30,
    });
    const sully = config.providers.get('sully');
    expect(sully?.provider.id).toBe('sully');
    expect(sully?.queueUrl).toBe(providers.sully.queueUrl);
  });

  it('reads the numbers it is given, including a zero grace window', () => {
    const config = readVerifierConfig({ ...base, MAX_BODY_BYTES: '2048', CLAIM_CHECK_THRESHOLD_BYTES: '100000', ROTATION_GRACE_HOURS: '0', LEDGER_RETENTION_DAYS: '7', CLAIM_LEASE_SECONDS: '45' });
    expect(config).toMatchObject({ maxBodyBytes: 2048, claimCheckThresholdBytes: 100_000, rotationGraceHours: 0, ledgerRetentionDays: 7, claimLeaseSeconds: 45 });
  });

  it.each([
    [{ LEDGER_TABLE: undefined }, /LEDGER_TABLE is required/],
    [{ CLAIM_CHECK_BUCKET: ' ' }, /CLAIM_CHECK_BUCKET is required/],
    [{ PROVIDERS_CONFIG: undefined }, /PROVIDERS_CONFIG is required/],
    [{ PROVIDERS_CONFIG: '{' }, /PROVIDERS_CONFIG is not valid JSON/],
    [{ PROVIDERS_CONFIG: '{}' }, /at least one provider/],
    [{ PROVIDERS_CONFIG: '{"sully":{"queueUrl":"https://q"}}' }, /PROVIDERS_CONFIG.sully.secretArn/],
    [{ PROVIDERS_CONFIG: '{"sully":{"secretArn":"a","queueUrl":"q"}}' }, /PROVIDERS_CONFIG.sully.queueUrl must be an http\(s\) URL/],
    [{ PROVIDERS_CONFIG: '{"acme":{"secretArn":"a","queueUrl":"https://q"}}' }, /'acme' is not a registered provider \(sully, .*; providers\/index.ts\)/],
    [{ MAX_BODY_BYTES: '1e6' }, /MAX_BODY_BYTES must be a whole number, got '1e6'/],
    [{ MAX_BODY_BYTES: '0' }, /MAX_BODY_BYTES must be between 1 and/],
    [{ CLAIM_CHECK_THRESHOLD_BYTES: '262144' }, /CLAIM_CHECK_THRESHOLD_BYTES must be between 1024 and 258048/],
    [{ LEDGER_RETENTION_DAYS: '-1' }, /LEDGER_RETENTION_DAYS must be a whole number/],
    [{ CLAIM_LEASE_SECONDS: '0' }, /^environment variable CLAIM_LEASE_SECONDS must be between 1 and 900, got 0$/],
    [{ CLAIM_LEASE_SECONDS: '901' }, /CLAIM_LEASE_SECONDS must be between 1 and 900, got 901/],
    [{ CLAIM_LEASE_SECONDS: '30s' }, /CLAIM_LEASE_SECONDS must be a whole number, got '30s'/],
    [{ CLAIM_LEASE_SECONDS: '1.5' }, /CLAIM_LEASE_SECONDS must be a whole number, got '1.5'/],
  ])('refuses %j', (overrides, message) => {
    expect(() => readVerifierConfig({ ...base, ...overrides })).toThrow(EnvironmentError);
    expect(() => readVerifierConfig({ ...base, ...overrides })).toThrow(message);
  });

  it('knows only the registered providers: a declaration passed in the environment is not one', () => {
    const definition = {
      id: 'svix',
      name: 'Svix',
      signature: { header: 'svix-signature', format: 'list', encoding: 'base64' },
      timestamp: { header: 'svix-timestamp', unit: 's', toleranceSeconds: 300 },
      idHeader: 'svix-id',
      signedContent: '{id}.{timestamp}.{body}',
      key: 'whsec-base64',
      eventType: '{body:type}',
      dedupeKey: '{id}',
      retries: 'Svix retries.',
      docs: 'https://docs.svix.com',
    };
    expect(() => readVerifierConfig({ ...base, PROVIDERS_CONFIG: JSON.stringify({ svix: { ...providers.sully, definition } }) })).toThrow(
      /PROVIDERS_CONFIG.svix: 'svix' is not a registered provider/,
    );
  });
});

describe('readProcessorConfig', () => {
  it('reads the processor variables with the same rules', () => {
    expect(readProcessorConfig({ PROVIDER_ID: 'sully', LEDGER_TABLE: 't', CLAIM_CHECK_BUCKET: 'b' })).toEqual({
      providerId: 'sully',
      ledgerTable: 't',
      claimCheckBucket: 'b',
      ledgerRetentionDays: 30,
      ledgerEntryDays: 30,
    });
    expect(readProcessorConfig({ PROVIDER_ID: 'solatis', LEDGER_TABLE: 't', CLAIM_CHECK_BUCKET: 'b', REPLAY_PROTECTION_DAYS: '400' }).ledgerEntryDays).toBe(400);
    expect(() => readProcessorConfig({ LEDGER_TABLE: 't', CLAIM_CHECK_BUCKET: 'b' })).toThrow(/PROVIDER_ID is required/);
  });
});
