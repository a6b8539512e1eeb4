/**
 * cdk-nag's AWS Solutions and HIPAA Security packs over the whole dev stack (all eight providers):
 * zero unacknowledged findings. Every acknowledgment lives next to the resource it is about, with its reason.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../lib/config/load.ts';
import { WebhookReceiverStack } from '../../lib/webhook-receiver-stack.ts';
import { CDK_JSON_CONTEXT, synthesize, type Synthesized } from './synth.ts';

function describeFindings(report: PolicyValidationPluginReport): string {
  return report.violations
    .map((v) => `${v.ruleName} (${v.severity}): ${v.description}\n${v.violatingResources.map((r) => `    at ${r.constructPath}`).join('\n')}`)
    .join('\n');
}

let dev: Synthesized;
beforeAll(() => {
  dev = synthesize();
});

describe('cdk-nag', () => {
  it('AwsSolutions: no unacknowledged findings', () => {
    const report = new AwsSolutionsChecks().validateScope(dev.stack);
    expect(report.violations, describeFindings(report)).toEqual([]);
  });

  it('HIPAA Security: no unacknowledged findings', () => {
    const report = new HIPAASecurityChecks().validateScope(dev.stack);
    expect(report.violations, describeFindings(report)).toEqual([]);
  });

  it('the harness does report findings (an unencrypted queue outside the stack is flagged)', () => {
    const probe = new Stack(dev.app, 'NagProbe');
    new sqs.Queue(probe, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    const rules = new AwsSolutionsChecks().validateScope(probe).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });

  it('every acknowledgment gives a specific reason', () => {
    const acknowledged: Array<{ path: string; id: string; reason: string }> = [];
    for (const construct of dev.stack.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== 'aws:cdk:acknowledged-rules') continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledged.push({ path: construct.node.path, id, reason });
        }
      }
    }
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const a of acknowledged) {
      expect(a.reason.length, `${a.id} at ${a.path}`).toBeGreaterThan(60);
    }
    // Acknowledged on the resource (or its role/function), never on the stack as a whole.
    expect(acknowledged.filter((a) => a.path === dev.stack.node.path)).toEqual([]);
  });
});

describe('acknowledgments', () => {
  it('each one silences a finding that really occurs on a resource in its scope (none are stale)', () => {
    // Build the tree with acknowledgments recorded instead of applied, then run both packs over it.
    const made: Array<{ path: string; id: string }> = [];
    const spy = vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (this: Validations, ...rules) {
      const scope = (this as unknown as { scope: { node: { path: string } } }).scope;
      for (const rule of rules) made.push({ path: scope.node.path, id: rule.id });
    });
    try {
      const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
      const config = loadConfig((key) => app.node.tryGetContext(key));
      const stack = new WebhookReceiverStack(app, config.stackName, { config });
      const findings = [new AwsSolutionsChecks(), new HIPAASecurityChecks()]
        .flatMap((pack) => pack.validateScope(stack).violations)
        .flatMap((v) => v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath })));
      expect(made.length).toBeGreaterThan(0);
      const stale = made.filter((a) => !findings.some((f) => f.id === a.id && (f.path === a.path || (f.path ?? '').startsWith(`${a.path}/`))));
      expect(stale).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});
