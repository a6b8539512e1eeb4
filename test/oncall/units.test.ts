/**
 * The small pure parts of the on-call commands: the grace window read from the deployed template (checked
 * against the real synthesized template), the verifier's EMF lines counted locally, how secret values are
 * read, and what --show-body prints from an envelope.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bodyText } from '../../ops/commands/dlq.ts';
import { cleanValue, localMatches, refuseValueArguments } from '../../ops/secrets.ts';
import { graceFromTemplate } from '../../ops/stack.ts';
import { synthesize } from '../infra/synth.ts';

const tmp = mkdtempSync(join(tmpdir(), 'oncall-units-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the grace window of a deployed stack', () => {
  it("is the verifier's ROTATION_GRACE_HOURS in the synthesized template", () => {
    const { template, config } = synthesize({ rotationGraceHours: 24 });
    expect(config.rotationGraceHours).toBe(24);
    expect(graceFromTemplate(JSON.stringify(template.toJSON()))).toBe(24);
  }, 60_000);

  it('is undefined for a template without it, or that is not JSON', () => {
    expect(graceFromTemplate(JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } }))).toBeUndefined();
    expect(graceFromTemplate('Resources:\n  Q: {}')).toBeUndefined();
  });
});

describe('which secret recent requests matched, from the local verifier log', () => {
  const emf = (provider: string, at: number, metrics: Record<string, number>) =>
    JSON.stringify({ _aws: { Timestamp: at, CloudWatchMetrics: [{ Namespace: 'WebhookReceiver', Dimensions: [['provider']], Metrics: Object.keys(metrics).map((Name) => ({ Name, Unit: 'Count' })) }] }, provider, ...metrics });

  it('sums the provider\'s EMF lines inside the window and ignores everything else', () => {
    const now = Date.now();
    const log = join(tmp, 'verifier.log');
    writeFileSync(log, [
      '{"level":"INFO","message":"webhook answered","provider":"sully","status":202}',
      emf('sully', now - 1_000, { SecretCurrentMatched: 1, Accepted: 1 }),
      emf('sully', now - 2_000, { SecretPreviousMatched: 1 }),
      emf('sully', now - 3_000, { SignatureFailure: 1, PreviousSecretAfterGrace: 1 }),
      emf('stripe', now - 1_000, { SecretCurrentMatched: 5 }),
      emf('sully', now - 2 * 3_600_000, { SecretCurrentMatched: 7 }),
      '{"_aws": broken',
      '',
    ].join('\n'));

    expect(localMatches(log, 'sully', 1, now)).toEqual({
      hours: 1, current: 1, previous: 1, previousAfterGrace: 1, signatureFailures: 1, source: 'the local verifier log (EMF metric lines)',
    });
    expect(localMatches(log, 'sully', 3, now)).toMatchObject({ current: 8 });
    expect(localMatches(join(tmp, 'missing.log'), 'sully', 1, now)).toEqual({ unavailable: `no verifier log yet (${join(tmp, 'missing.log')})` });
  });
});

describe('secret values', () => {
  it('drop one trailing newline and refuse empty or multi-line values without echoing them', () => {
    expect(cleanValue('whsec_abc\n', 'stdin')).toBe('whsec_abc');
    expect(cleanValue('with spaces inside\r\n', 'stdin')).toBe('with spaces inside');
    expect(() => cleanValue('\n', 'stdin')).toThrow('no secret value on stdin');
    expect(() => cleanValue('line-one-secret\nline-two-secret\n', 'stdin')).toThrow(/^the secret value on stdin spans several lines; a signing secret is one line$/);
  });

  it('are never taken from an argument', () => {
    expect(() => refuseValueArguments(['--provider', 'sully', '--value=hunter2'])).toThrow(/^--value: secret values are never taken as arguments/);
    expect(() => refuseValueArguments(['--secret', 'x'])).toThrow(/^--secret: /);
    expect(() => refuseValueArguments(['--provider', 'sully', '--value-file', 'f'])).not.toThrow();
  });
});

describe('--show-body prints the webhook body inside the envelope', () => {
  it('inline text as is, other bytes as base64, a claim check as its location (not fetched)', () => {
    expect(bodyText(JSON.stringify({ v: 1, body: '{"a":1}' }))).toBe('{"a":1}');
    expect(bodyText(JSON.stringify({ v: 1, bodyBase64: Buffer.from([0xff, 0xfe]).toString('base64') }))).toBe('(not UTF-8; 2 bytes as base64:)\n//4=');
    expect(bodyText(JSON.stringify({ v: 1, claimCheck: { bucket: 'b', key: 'sully/2026-01-01/abc' } }))).toBe('(in the claim-check bucket, not fetched: s3://b/sully/2026-01-01/abc)');
    expect(bodyText('not json')).toBe('(not an envelope; the raw message:)\nnot json');
  });
});
