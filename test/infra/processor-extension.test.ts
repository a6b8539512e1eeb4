/**
 * The processor extension point (lib/constructs/processor-extension.ts): a fork's extra environment variables
 * and IAM grants, given per provider to the stack, land on exactly that provider's processor and its role;
 * a name the framework uses, and an extension for a provider that is not enabled, fail the synth.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/load.ts';
import type { ProcessorExtension } from '../../lib/constructs/processor-extension.ts';
import { WebhookReceiverStack } from '../../lib/webhook-receiver-stack.ts';
import { actionsOf, CDK_JSON_CONTEXT, resources, roleStatements } from './synth.ts';

function synth(processorExtensions: Record<string, ProcessorExtension>): Template {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const config = loadConfig((key) => app.node.tryGetContext(key));
  return Template.fromStack(new WebhookReceiverStack(app, config.stackName, { config, processorExtensions }));
}

const ORDERS: ProcessorExtension = {
  environment: { ORDERS_TABLE: 'orders' },
  grant: (fn) => dynamodb.Table.fromTableName(fn.stack, 'OrdersTable', 'orders').grantReadData(fn),
};

/** Processor functions by the provider they serve (PROVIDER_ID), with their role's logical ID. */
function processors(template: Template): Map<string, { env: Record<string, unknown>; role: string }> {
  const byProvider = new Map<string, { env: Record<string, unknown>; role: string }>();
  for (const fn of Object.values(resources(template, 'AWS::Lambda::Function'))) {
    const env = (fn.Properties?.Environment?.Variables ?? {}) as Record<string, unknown>;
    if (typeof env['PROVIDER_ID'] !== 'string') continue;
    byProvider.set(env['PROVIDER_ID'], { env, role: fn.Properties!.Role['Fn::GetAtt'][0] as string });
  }
  return byProvider;
}

const grantsOrders = (template: Template, role: string) =>
  roleStatements(template, role).filter((s) => JSON.stringify(s.Resource).includes(':table/orders'));

describe('processor extension point', () => {
  let template: Template;
  beforeAll(() => {
    template = synth({ stripe: ORDERS });
  });

  it('adds the extra variable to that provider\'s processor only, beside the framework\'s own', () => {
    const all = processors(template);
    expect(all.size).toBeGreaterThan(1);
    for (const [provider, { env }] of all) {
      if (provider === 'stripe') {
        expect(env['ORDERS_TABLE']).toBe('orders');
        expect(env).toHaveProperty('LEDGER_TABLE');
        expect(env).toHaveProperty('QUEUE_URL');
      } else {
        expect(env, provider).not.toHaveProperty('ORDERS_TABLE');
      }
    }
  });

  it('puts the grant on that provider\'s processor role only', () => {
    for (const [provider, { role }] of processors(template)) {
      const statements = grantsOrders(template, role);
      if (provider === 'stripe') {
        expect(statements.length).toBeGreaterThan(0);
        expect(statements.flatMap(actionsOf)).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
        expect(statements.flatMap(actionsOf).some((action) => /Put|Update|Delete/.test(action))).toBe(false);
      } else {
        expect(statements, provider).toEqual([]);
      }
    }
  });

  it.each([
    ['LEDGER_TABLE', /processorExtensions\.stripe\.environment: LEDGER_TABLE is the framework's own/],
    ['NODE_OPTIONS', /NODE_OPTIONS is the framework's own/],
    ['AWS_REGION', /AWS_REGION is reserved by AWS Lambda/],
    ['orders-table', /orders-table is not a valid environment variable name/],
  ])('fails the synth, naming the variable, for %s', (name, message) => {
    expect(() => synth({ stripe: { environment: { [name]: 'x' } } })).toThrow(message);
  });

  it('fails the synth for an extension of a provider that is not enabled', () => {
    expect(() => synth({ acme: ORDERS })).toThrow(/processorExtensions names 'acme', not an enabled provider/);
  });
});
