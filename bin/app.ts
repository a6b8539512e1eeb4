/**
 * CDK entry point (`npx tsx bin/app.ts`, run by `cdk synth|deploy`). Reads the configuration once from the
 * context, builds the stack, and runs cdk-nag's AWS Solutions and HIPAA Security packs on every synth:
 * an unacknowledged finding fails the synth.
 */
import { App, Annotations, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { WebhookReceiverStack } from '../lib/webhook-receiver-stack.ts';
import { ConfigError, loadConfig } from '../lib/config/load.ts';

const app = new App();

let config;
try {
  config = loadConfig((key) => app.node.tryGetContext(key));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const stack = new WebhookReceiverStack(app, config.stackName, {
  config,
  description: `Signed webhook receiver (${config.stage}): HTTP API, verifier, event ledger, per-provider queues and processors`,
});
// CloudFormation's AWS::CloudWatch::Dashboard takes no Tags (cfn-lint E3002; the deploy would fail).
const untaggable = { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] };
Tags.of(app).add('project', 'phi-webhook-receiver', untaggable);
Tags.of(app).add('stage', config.stage, untaggable);

if (config.stage === 'prod' && !config.alarmEmail) {
  Annotations.of(stack).addWarningV2('webhook-receiver:no-alarm-subscriber',
    'No alarmEmail is configured: alarms publish to the AlarmTopicArn output but nobody is subscribed.');
}

Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new HIPAASecurityChecks(app));
