/**
 * Builds the stack the way bin/app.ts does, from cdk.json's context (feature flags and defaults) plus
 * overrides, without bundling the handlers (asset contents are irrelevant to these assertions and the
 * handlers have tests of their own). Call once per file, in beforeAll: a synth costs seconds.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../lib/config/load.ts';
import type { AppConfig } from '../../lib/config/types.ts';
import { WebhookReceiverStack } from '../../lib/webhook-receiver-stack.ts';

export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
).context;

export interface Synthesized {
  readonly app: App;
  readonly stack: WebhookReceiverStack;
  readonly template: Template;
  readonly config: AppConfig;
}

export function synthesize(overrides: Record<string, unknown> = {}): Synthesized {
  const app = new App({
    context: { ...CDK_JSON_CONTEXT, ...overrides, 'aws:cdk:bundling-stacks': [] },
  });
  const config = loadConfig((key) => app.node.tryGetContext(key));
  const stack = new WebhookReceiverStack(app, config.stackName, { config });
  return { app, stack, template: Template.fromStack(stack), config };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

export function resources(template: Template, type?: string): Resources {
  const all = template.toJSON().Resources as Resources;
  return type ? Object.fromEntries(Object.entries(all).filter(([, r]) => r.Type === type)) : all;
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** The statements of every AWS::IAM::Policy attached to the role with this logical ID. */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(resources(template, 'AWS::IAM::Policy'))
    .filter((p) => (p.Properties!.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId })))
    .flatMap((p) => p.Properties!.PolicyDocument.Statement as Statement[]);
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Logical ID of the one resource of `type` whose logical ID starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(resources(template, type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}
