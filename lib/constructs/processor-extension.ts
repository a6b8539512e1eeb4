/**
 * The extension point for a fork's business logic on the infrastructure side: what one provider's processor
 * (providers/<id>/processor.ts) needs beyond the framework, its own environment variables and IAM grants.
 * Given per provider to the stack (`WebhookReceiverStack` `processorExtensions`, README.md "Fork it"), passed
 * on to that provider's pipeline, applied to its processor function only.
 */
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { EnvVar } from '../../lambdas/contract/environment.ts';

export interface ProcessorExtension {
  /**
   * Extra environment variables of this provider's processor, read by your handlers. A name the framework
   * sets or reads (lambdas/contract/environment.ts, NODE_OPTIONS) or Lambda reserves (`AWS_REGION`,
   * `_HANDLER`...) fails the synth.
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Extra IAM grants for this provider's processor, e.g. `(fn) => table.grantReadData(fn)`. The function's
   * role is its own (one per provider), so the grant reaches no other processor.
   */
  readonly grant?: (processor: lambda.IFunction) => void;
}

/** Every variable of the framework's environment contract, and the one every function gets (webhook-function.ts). */
export const FRAMEWORK_ENVIRONMENT: ReadonlySet<string> = new Set<string>([...Object.values(EnvVar), 'NODE_OPTIONS']);

/** Set by Lambda itself (the deploy would fail on them): its documented reserved names. */
const LAMBDA_RESERVED: ReadonlySet<string> = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why `name` cannot be an extra variable, or undefined when it can. */
function refusal(name: string): string | undefined {
  if (!VARIABLE_NAME.test(name)) return 'is not a valid environment variable name';
  if (FRAMEWORK_ENVIRONMENT.has(name)) return "is the framework's own (lambdas/contract/environment.ts)";
  if (LAMBDA_RESERVED.has(name)) return 'is reserved by AWS Lambda';
  return undefined;
}

/** Applies `extension` to one provider's processor; throws (failing the synth) on a refused variable name. */
export function applyProcessorExtension(providerId: string, processor: lambda.Function, extension: ProcessorExtension): void {
  const environment = Object.entries(extension.environment ?? {});
  const refused = environment.flatMap(([name]) => {
    const reason = refusal(name);
    return reason === undefined ? [] : [`${name} ${reason}`];
  });
  if (refused.length > 0) {
    throw new Error(`processorExtensions.${providerId}.environment: ${refused.join('; ')}. Choose another name.`);
  }
  for (const [name, value] of environment) processor.addEnvironment(name, value);
  extension.grant?.(processor);
}
