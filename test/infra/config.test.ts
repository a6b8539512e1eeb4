/** lib/config/load.ts: defaults, coercion of `-c` strings, and errors that say what to fix. */
import { describe, expect, it } from 'vitest';
import { verifierEnvironmentBytes, verifierEnvironmentProblem } from '../../lib/config/environment-size.ts';
import { ConfigError, loadConfig, parseConfig } from '../../lib/config/load.ts';
import { providerDeclarations } from '../../providers/index.ts';
import { CDK_JSON_CONTEXT } from './synth.ts';

/** The problems a configuration is rejected with (fails the test if it is accepted). */
function problemsOf(input: Record<string, unknown>): readonly string[] {
  try {
    parseConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`configuration was accepted: ${JSON.stringify(input)}`);
}

const acme = {
  id: 'acme',
  name: 'Acme Scribe',
  signature: { header: 'x-acme-signature', format: 'plain', prefix: 'sha256=', encoding: 'hex' },
  signedContent: '{body}',
  key: 'raw',
  eventType: '{body:type}',
  dedupeKey: '{body:id}',
  retries: 'Three retries over an hour.',
  docs: 'https://acme.example/webhooks',
};

describe('defaults', () => {
  it('fills every setting from a minimal configuration', () => {
    const config = parseConfig({ providers: ['sully'] });
    expect(config).toMatchObject({
      stage: 'dev',
      stackName: 'WebhookReceiver-dev',
      throttle: { rateLimit: 100, burstLimit: 200 },
      maxBodyBytes: 1_048_576,
      claimCheckThresholdBytes: 245_760,
      rotationGraceHours: 72,
      ledgerRetentionDays: 30,
      claimCheckRetentionDays: 30,
      claimLeaseSeconds: 30,
      replayProtectionDays: 400,
      logRetentionDays: 30,
      verifier: { memoryMb: 512, timeoutSeconds: 10, provisionedConcurrency: 0 },
      traceVerifierAwsCalls: false,
      processor: { memoryMb: 256, timeoutSeconds: 30, provisionedConcurrency: 0 },
      alarms: { verifierP99Ms: 8_000, signatureFailureMinRequests: 10 },
    });
    // 29: the 19 receives the 6-hour retry budget can take, plus 10 for crashes (lib/config/load.ts).
    expect(config.retryBudgetSeconds).toBe(21_600);
    // The synthetic canary's own provider comes with the canary (canary.enabled, default true), last.
    expect(config.providers).toEqual(['sully', 'canary'].map((id) => ({ id, maxReceiveCount: 29, batchSize: 10, maxConcurrency: 5, throttle: { rateLimit: 100, burstLimit: 200 } })));
    expect(config.canary).toEqual({ enabled: true, everyMinutes: 5 });
    expect(config.alarmEmail).toBeUndefined();
    expect(config.customDomain).toBeUndefined();
  });

  it('keeps production logs a year and names the stack after the stage', () => {
    const config = parseConfig({ stage: 'prod', providers: ['stripe'] });
    expect(config.logRetentionDays).toBe(365);
    expect(config.stackName).toBe('WebhookReceiver-prod');
  });

  it('accepts the shipped cdk.json context with all eight providers (and the canary\'s own)', () => {
    const config = loadConfig((key) => CDK_JSON_CONTEXT[key]);
    expect(config.providers.map((p) => p.id)).toEqual(
      ['sully', 'suki', 'soapnoteapi', 'solatis', 'generic', 'standard-webhooks', 'github', 'stripe', 'canary'],
    );
  });
});

describe('values given with -c key=value (always strings)', () => {
  it('reads numbers, JSON objects and comma-separated provider lists', () => {
    const config = parseConfig({
      stage: 'staging',
      providers: 'sully, stripe',
      maxBodyBytes: '2048',
      throttle: '{"rateLimit": 5, "burstLimit": 10}',
      alarms: '{"queueAgeSeconds": 120}',
    });
    expect(config.providers.map((p) => p.id)).toEqual(['sully', 'stripe', 'canary']);
    expect(config.maxBodyBytes).toBe(2048);
    expect(config.throttle).toEqual({ rateLimit: 5, burstLimit: 10 });
    expect(config.alarms.queueAgeSeconds).toBe(120);
  });

  it('reads per-provider settings', () => {
    const config = parseConfig({
      throttle: { rateLimit: 20 },
      providers: { suki: { maxReceiveCount: '40', batchSize: 1, maxConcurrency: 2, reservedConcurrency: 4, throttle: { burstLimit: 7 }, allowedSourceCidrs: '192.0.2.0/24, 2001:db8::/32' } },
    });
    expect(config.providers).toEqual([{
      id: 'suki', maxReceiveCount: 40, batchSize: 1, maxConcurrency: 2, reservedConcurrency: 4,
      throttle: { rateLimit: 20, burstLimit: 7 }, allowedSourceCidrs: ['192.0.2.0/24', '2001:db8::/32'],
    }, { id: 'canary', maxReceiveCount: 29, batchSize: 10, maxConcurrency: 5, throttle: { rateLimit: 20, burstLimit: 200 } }]);
  });

  it('refuses a sender allowlist that is not a list of CIDR blocks', () => {
    expect(problemsOf({ providers: { suki: { allowedSourceCidrs: ['192.0.2.1', '10.0.0.0/33', '2001:db8::/32'] } } })).toEqual([
      'providers.suki.allowedSourceCidrs: not a CIDR block (address/prefix length): "192.0.2.1", "10.0.0.0/33"',
    ]);
    expect(problemsOf({ providers: { suki: { allowedSourceCidrs: [] } } })[0]).toMatch(/^providers\.suki\.allowedSourceCidrs: must be a non-empty list of CIDR blocks/);
  });
});

describe('errors', () => {
  it('names a wrong stage and the allowed ones', () => {
    expect(problemsOf({ stage: 'qa', providers: ['sully'] })).toEqual(['stage: must be one of dev, staging, prod (got "qa")']);
  });

  it('enables every registered provider when none are named, and asks for at least one when the list is empty', () => {
    expect(parseConfig({}).providers.map((p) => p.id)).toEqual(providerDeclarations.map((d) => d.id));
    expect(problemsOf({ providers: [] })).toEqual([expect.stringMatching(/^providers: enable at least one of sully, suki, .*stripe$/)]);
  });

  it('rejects an unknown provider and lists the built-in ones', () => {
    const [problem] = problemsOf({ providers: ['sully', 'acme'] });
    expect(problem).toMatch(/^providers\.acme: unknown provider \(registered: sully, suki, soapnoteapi, solatis, generic, standard-webhooks, github, stripe; add one as a folder providers\/acme\/ and its entry in providers\/index\.ts\)$/);
  });

  it('reports every problem at once, each with its path and the value given', () => {
    const problems = problemsOf({
      stage: 'prod',
      providers: { sully: { maxReceiveCount: 0, batchSize: 11, maxRecieveCount: 3 } },
      ledgerRetentionDays: 7,
      claimCheckRetentionDays: 14,
      logRetentionDays: 31,
      alarmEmail: 'oncall',
      verifier: { timeoutSeconds: 30 },
    });
    expect(problems).toEqual(expect.arrayContaining([
      "providers.sully.maxReceiveCount: must be a number from 19 to 1000 (SQS's redrive must not cut the 21600 s retry budget short, which can take 19 receives) (got 0)",
      'providers.sully.batchSize: must be a number from 1 to 10 (got 11)',
      expect.stringMatching(/^providers\.sully\.maxRecieveCount: unknown setting \(allowed: maxReceiveCount, /),
      expect.stringMatching(/^ledgerRetentionDays: must be a number from 14 to 365 \(a message redriven from a DLQ .*\) \(got 7\)$/),
      expect.stringMatching(/^claimCheckRetentionDays: must be a number from 15 to 365 .*\(got 14\)$/),
      expect.stringMatching(/^logRetentionDays: CloudWatch Logs accepts only 1, 3, 5, .* \(got 31\)$/),
      'alarmEmail: must be an e-mail address (got "oncall")',
      'verifier.timeoutSeconds: must be a number from 1 to 29 (the HTTP API integration times out at 30 s) (got 30)',
    ]));
    expect(problems).toHaveLength(8);
  });

  it('prints the problems in the error message', () => {
    expect(() => parseConfig({ stage: 'test', providers: ['sully'] })).toThrow(
      /Invalid configuration \(cdk.json "context" or -c key=value\):\n {2}- stage: must be one of dev, staging, prod/,
    );
  });

  it('rejects fractions where a count is expected', () => {
    expect(problemsOf({ providers: ['sully'], maxBodyBytes: 2048.5 })).toEqual(['maxBodyBytes: must be a whole number (got 2048.5)']);
  });

  it('keeps the claim-check threshold under the SQS message limit and the body limit under the Lambda payload', () => {
    expect(problemsOf({ providers: ['sully'], claimCheckThresholdBytes: 262_144 })[0]).toMatch(/at most 256 KiB/);
    expect(problemsOf({ providers: ['sully'], maxBodyBytes: 8_000_000 })[0]).toMatch(/6 MB Lambda request payload/);
  });

  it('keeps the latency alarm under the verifier timeout', () => {
    expect(problemsOf({ providers: ['sully'], verifier: { timeoutSeconds: 5 }, alarms: { verifierP99Ms: 6000 } })).toEqual([
      'alarms.verifierP99Ms: must be a number from 100 to 5000 (at most the verifier timeout, 5 s) (got 6000)',
    ]);
    expect(parseConfig({ providers: ['sully'], verifier: { timeoutSeconds: 5 } }).alarms.verifierP99Ms).toBe(4000);
  });

  it('takes traceVerifierAwsCalls as a boolean, or as the string cdk -c passes', () => {
    expect(parseConfig({ providers: ['sully'], traceVerifierAwsCalls: true }).traceVerifierAwsCalls).toBe(true);
    expect(parseConfig({ providers: ['sully'], traceVerifierAwsCalls: 'true' }).traceVerifierAwsCalls).toBe(true);
    expect(parseConfig({ providers: ['sully'], traceVerifierAwsCalls: 'false' }).traceVerifierAwsCalls).toBe(false);
    expect(problemsOf({ providers: ['sully'], traceVerifierAwsCalls: 'yes' })).toEqual(['traceVerifierAwsCalls: must be true or false (got "yes")']);
  });

  it('keeps the claim lease longer than the verifier timeout, and at most 15 minutes', () => {
    expect(problemsOf({ providers: ['sully'], claimLeaseSeconds: 10 })).toEqual([
      'claimLeaseSeconds: must be a number from 11 to 900 (longer than verifier.timeoutSeconds (10 s), so that a claim cannot expire while its verifier still runs) (got 10)',
    ]);
    expect(problemsOf({ providers: ['sully'], verifier: { timeoutSeconds: 29 }, claimLeaseSeconds: '29' })[0]).toMatch(/^claimLeaseSeconds: must be a number from 30 to 900 .*\(got "29"\)$/);
    expect(problemsOf({ providers: ['sully'], claimLeaseSeconds: 901 })[0]).toMatch(/^claimLeaseSeconds: must be a number from 11 to 900/);
    expect(problemsOf({ providers: ['sully'], claimLeaseSeconds: 30.5 })).toEqual(['claimLeaseSeconds: must be a whole number (got 30.5)']);
    expect(parseConfig({ providers: ['sully'], claimLeaseSeconds: '11' }).claimLeaseSeconds).toBe(11);
  });

  it('replayProtectionDays: at least ledgerRetentionDays, at most ten years', () => {
    expect(parseConfig({ providers: ['sully'], replayProtectionDays: 730 }).replayProtectionDays).toBe(730);
    expect(problemsOf({ providers: ['sully'], ledgerRetentionDays: 60, replayProtectionDays: 45 })[0]).toMatch(
      /^replayProtectionDays: must be a number from 60 to 3650 \(at least ledgerRetentionDays \(60\)/,
    );
    expect(problemsOf({ providers: ['sully'], replayProtectionDays: 4_000 })[0]).toMatch(/^replayProtectionDays: must be a number from 30 to 3650/);
    expect(parseConfig({ providers: ['sully'], verifier: { timeoutSeconds: 29 } }).claimLeaseSeconds).toBe(30);
  });

  it('keeps maxReceiveCount from cutting the retry budget short, and the budget within the queue retention', () => {
    expect(problemsOf({ providers: { sully: { maxReceiveCount: 18 } } })[0]).toMatch(/^providers\.sully\.maxReceiveCount: must be a number from 19 to 1000/);
    // A day of retries can take 55 receives: the minimum and the default (+10) follow the budget.
    const day = parseConfig({ providers: ['sully'], retryBudgetSeconds: '86400' });
    expect(day.retryBudgetSeconds).toBe(86_400);
    expect(day.providers[0]!.maxReceiveCount).toBe(65);
    expect(problemsOf({ providers: { sully: { maxReceiveCount: 29 } }, retryBudgetSeconds: 86_400 })[0]).toMatch(/from 55 to 1000/);
    expect(problemsOf({ providers: ['sully'], retryBudgetSeconds: 300_000 })[0]).toMatch(/^retryBudgetSeconds: must be a number from 60 to 259200 \(the queue keeps a message 4 days\)/);
    expect(problemsOf({ providers: ['sully'], retryBudgetSeconds: 259_200, ledgerRetentionDays: 14 })).toEqual([
      "ledgerRetentionDays: must be at least 18 days with retryBudgetSeconds 259200 (the retry budget plus the DLQ's 14 days; got 14)",
    ]);
  });

  it('requires both parts of a custom domain, well formed', () => {
    expect(problemsOf({ providers: ['sully'], customDomain: { domainName: 'hooks.example.com' } })).toEqual([
      'customDomain.certificateArn: required when customDomain is set',
    ]);
    expect(problemsOf({ providers: ['sully'], customDomain: { domainName: 'Hooks Example', certificateArn: 'arn:aws:iam::1:x' } })).toEqual([
      'customDomain.domainName: must be a lower-case host name such as hooks.example.com (got "Hooks Example")',
      'customDomain.certificateArn: must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>) (got "arn:aws:iam::1:x")',
    ]);
    const ok = parseConfig({
      providers: ['sully'],
      customDomain: { domainName: 'hooks.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc-123' },
    });
    expect(ok.customDomain?.domainName).toBe('hooks.example.com');
  });

  it('rejects a malformed provider list', () => {
    expect(problemsOf({ providers: 42 })[0]).toMatch(/^providers: must be an object/);
    expect(problemsOf({ providers: { sully: 'yes' } })).toEqual(['providers.sully: must be an object of settings (got "yes")']);
  });
});

describe('a provider declared in the configuration', () => {
  it('is refused, with where to declare it instead', () => {
    expect(problemsOf({ providers: { acme: { definition: acme } } })).toEqual([
      'providers.acme.definition: providers are not declared in the configuration: add a folder providers/acme/ ' +
        '(declaration, processor, samples, notes) and its entry in providers/index.ts (README, "Add a provider")',
    ]);
    expect(problemsOf({ providers: { sully: { definition: { ...acme, id: 'sully' } } } })[0]).toMatch(/^providers\.sully\.definition: providers are not declared/);
  });

});

describe("the verifier's environment, measured from the values it will have (issue 12, item 5)", () => {
  const settings = { maxBodyBytes: 1_048_576, claimCheckThresholdBytes: 245_760, rotationGraceHours: 72, ledgerRetentionDays: 30, claimLeaseSeconds: 30, replayProtectionDays: 400 };

  it('is at least what a real deployment writes (CloudFormation-generated names, us-east-1)', () => {
    const real = {
      PROVIDERS_CONFIG: JSON.stringify({
        'standard-webhooks': {
          secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:SecretStandardWebhooks-AbCdEfGhIjKl-AbCdEf',
          queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/WebhookReceiver-dev-QueueStandardWebhooks-AbCdEfGhIjKlM',
        },
      }),
    };
    const realBytes = Buffer.byteLength('PROVIDERS_CONFIG') + Buffer.byteLength(real.PROVIDERS_CONFIG);
    const measured = verifierEnvironmentBytes({ ...settings, stackName: 'WebhookReceiver-dev', providers: [{ id: 'standard-webhooks' }] }) -
      verifierEnvironmentBytes({ ...settings, stackName: 'WebhookReceiver-dev', providers: [] });
    expect(measured).toBeGreaterThanOrEqual(realBytes - Buffer.byteLength('{}'));
  });

  it('refuses a stack whose verifier environment could exceed 4 KB, and says what to change', () => {
    const providers = Object.fromEntries(['sully', 'suki', 'soapnoteapi', 'solatis', 'standard-webhooks', 'github', 'stripe', 'generic'].map((id) => [id, {}]));
    const longName = `W${'x'.repeat(127)}`;
    expect(parseConfig({ providers, stackName: longName }).providers).toHaveLength(9); // and the canary's
    const thirteen = Array.from({ length: 13 }, (_, i) => ({ id: `vendor-with-a-long-name-${i}` }));
    expect(verifierEnvironmentBytes({ ...settings, stackName: longName, providers: thirteen })).toBeGreaterThan(4_096);
    expect(verifierEnvironmentProblem({ ...settings, stackName: longName, providers: thirteen })).toMatch(
      /^providers: the verifier's environment would take up to \d+ bytes with these 13 providers .*over Lambda's 4096-byte limit.*enable fewer providers, shorten stackName or the CIDR lists, or deploy a second stack$/,
    );
    expect(verifierEnvironmentBytes({ ...settings, stackName: 'WebhookReceiver-dev', providers: thirteen.slice(0, 8) })).toBeLessThanOrEqual(4_096);
  });
});

describe('processor concurrency and alarms (issue 12)', () => {
  it('refuses a reserved concurrency below the event source maxConcurrency, which would send messages to the DLQ', () => {
    expect(problemsOf({ providers: { sully: { reservedConcurrency: 3 } } })).toEqual([
      "providers.sully.reservedConcurrency: must be at least maxConcurrency (5) or unset (got 3): Lambda would throttle the event source's " +
        'other invocations, and their messages return to the queue as failed receives until they reach the DLQ; raise it or lower maxConcurrency',
    ]);
    expect(problemsOf({ providers: { stripe: { maxConcurrency: 10, reservedConcurrency: 9 } } })[0]).toMatch(
      /^providers\.stripe\.reservedConcurrency: must be at least maxConcurrency \(10\) or unset \(got 9\)/,
    );
    expect(parseConfig({ providers: { sully: { reservedConcurrency: 5 }, stripe: { maxConcurrency: 2, reservedConcurrency: 2 } } }).providers
      .map((p) => [p.id, p.maxConcurrency, p.reservedConcurrency])).toEqual([['sully', 5, 5], ['stripe', 2, 2], ['canary', 5, undefined]]);
  });

  it('gives ProcessorErrors a minimum error count: one more than a single poison message causes in 5 minutes', () => {
    // Visibility timeout 6 x processor timeout: 30 s -> 180 s -> 2 receives in 300 s; 5 s -> 30 s -> 10.
    expect(parseConfig({ providers: ['sully'] }).alarms.processorErrorMinCount).toBe(3);
    expect(parseConfig({ providers: ['sully'], processor: { timeoutSeconds: 5 } }).alarms.processorErrorMinCount).toBe(11);
    expect(parseConfig({ providers: ['sully'], alarms: { processorErrorMinCount: '7' } }).alarms.processorErrorMinCount).toBe(7);
    expect(problemsOf({ providers: ['sully'], alarms: { processorErrorMinCount: 0 } })).toEqual([
      'alarms.processorErrorMinCount: must be a number from 1 to 1000000 (got 0)',
    ]);
  });
});
