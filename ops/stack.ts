/**
 * Where an ops command acts, shared by every command that reads or changes the stack (events, dlq, secret,
 * replay): the running local stack (`--local`, found through <state dir>/runtime.json) or a deployed stack
 * found by name, whose CloudFormation outputs name the table, bucket, queues and secrets (lib/
 * webhook-receiver-stack.ts: LedgerTableName, ClaimCheckBucketName, QueueUrl<P>, DeadLetterQueueUrl<P>,
 * SecretArn<P>). Deployed stacks are reached with the standard AWS credential chain and region.
 */
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, type Output } from '@aws-sdk/client-cloudformation';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pascalCase } from '../lib/naming.ts';
import { loadProjectConfig } from '../lib/config/load.ts';
import { LOCAL_CREDENTIALS, PROJECT_ROOT, readRuntime, stateDirFrom, type RuntimeInfo } from './local-target.ts';
import { UsageError, type OptionSpecs, type ParsedArgs } from './args.ts';

/** A stack, table, queue, secret or message that is not there: a negative result (exit 1), not a usage error. */
export class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}

/** The options every stack-reading command takes (with --provider). */
export const TARGET_OPTIONS: OptionSpecs = {
  provider: { type: 'string' },
  local: { type: 'boolean' },
  stack: { type: 'string' },
  region: { type: 'string' },
};

export function defaultStackName(): string {
  try {
    return loadProjectConfig(PROJECT_ROOT).stackName;
  } catch {
    return 'WebhookReceiver-dev';
  }
}

/** Help text for the target options, the same in every command. */
export function targetHelp(): string {
  return `  --local            the running local stack (npm start; found through .local/runtime.json, or
                     LOCAL_STATE_DIR)
  --stack <name>     the deployed stack (default: ${defaultStackName()}, the stackName of cdk.json); found by
                     its CloudFormation outputs; standard AWS credentials (AWS_PROFILE, ...) and region
  --region <region>  the stack's region (default: the AWS SDK's, e.g. AWS_REGION or the profile's)`;
}

export interface TargetChoice {
  readonly local: boolean;
  readonly stack?: string;
  readonly region?: string;
}

/** Reads --local / --stack / --region, which exclude each other as `ops events` always did. */
export function targetChoice(args: ParsedArgs): TargetChoice {
  const local = args.flag('local');
  const stack = args.optional('stack');
  const region = args.optional('region');
  if (local && (stack !== undefined || region !== undefined)) throw new UsageError('--local reads the local stack: --stack and --region do not apply');
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new UsageError('--region must be an AWS region such as eu-west-1');
  if (stack !== undefined && !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stack)) throw new UsageError('--stack must be a CloudFormation stack name (letters, digits, dashes)');
  return { local, ...(stack !== undefined ? { stack } : {}), ...(region !== undefined ? { region } : {}) };
}

/** The AWS services the commands call. */
export type Service = 'dynamodb' | 'sqs' | 's3' | 'secretsManager' | 'cloudwatch' | 'cloudformation';

export interface ClientSettings {
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts?: number;
  readonly forcePathStyle?: boolean;
}

export interface Target {
  readonly kind: 'local' | 'deployed';
  /** `the local stack` or `stack <name>`, for messages. */
  readonly where: string;
  readonly providerId: string;
  readonly table: string;
  /** The claim-check bucket (undefined only for a deployed stack without the output). */
  readonly bucket: string | undefined;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly secretArn: string;
  /** The local stack's runtime.json and state directory (local only). */
  readonly local?: { readonly runtime: RuntimeInfo; readonly stateDir: string };
  /** The deployed stack's name (deployed only). */
  readonly stackName?: string;
  /** SDK client settings that reach this stack's `service`. */
  client(service: Service): ClientSettings;
}

function output(outputs: readonly Output[], key: string): string | undefined {
  return outputs.find((o) => o.OutputKey === key)?.OutputValue;
}

function describeMissing(stack: string, key: string): never {
  throw new NotFound(`stack ${stack} has no ${key} output: is it a webhook receiver stack, and fully deployed (cdk deploy)?`);
}

async function stackOutputs(stack: string, region: string | undefined): Promise<readonly Output[]> {
  const cfn = new CloudFormationClient(region ? { region } : {});
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stack }));
    return out.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    const e = error as Error;
    if (e.name === 'ValidationError' && /does not exist/.test(e.message)) {
      throw new NotFound(`stack ${stack} was not found in ${await cfn.config.region().catch(() => 'the configured region')} (check --stack and --region)`);
    }
    throw error;
  } finally {
    cfn.destroy();
  }
}

async function deployedTarget(stack: string, providerId: string, region: string | undefined): Promise<Target> {
  const outputs = await stackOutputs(stack, region);
  const suffix = pascalCase(providerId);
  const table = output(outputs, 'LedgerTableName') ?? describeMissing(stack, 'LedgerTableName');
  const queueUrl = output(outputs, `QueueUrl${suffix}`);
  if (!queueUrl) throw new NotFound(`provider ${providerId} is not enabled in stack ${stack} (it has no QueueUrl${suffix} output)`);
  return {
    kind: 'deployed',
    where: `stack ${stack}`,
    providerId,
    table,
    bucket: output(outputs, 'ClaimCheckBucketName'),
    queueUrl,
    deadLetterQueueUrl: output(outputs, `DeadLetterQueueUrl${suffix}`) ?? describeMissing(stack, `DeadLetterQueueUrl${suffix}`),
    secretArn: output(outputs, `SecretArn${suffix}`) ?? describeMissing(stack, `SecretArn${suffix}`),
    stackName: stack,
    client: () => (region ? { region } : {}),
  };
}

/** The running local stack's runtime.json, or NotFound. */
export function localRuntime(): { runtime: RuntimeInfo; stateDir: string } {
  const stateDir = stateDirFrom(process.env);
  const runtime = readRuntime(stateDir);
  if (!runtime) {
    // A fork may delete the emulator (local/): --local then has nothing to talk to.
    if (!existsSync(join(PROJECT_ROOT, 'local', 'main.ts'))) throw new NotFound('the local stack is not available in this checkout (no local/ folder): use ops against a deployed stack (--stack)');
    throw new NotFound(`the local stack is not running (no live ${stateDir}/runtime.json): start it with npm start`);
  }
  return { runtime, stateDir };
}

function localTarget(providerId: string): Target {
  const { runtime, stateDir } = localRuntime();
  const provider = runtime.providers[providerId];
  if (!provider) throw new NotFound(`provider ${providerId} is not enabled in the local stack (${Object.keys(runtime.providers).join(', ')})`);
  const endpoints: Record<Service, string | undefined> = {
    dynamodb: runtime.endpoints.dynamodb,
    sqs: runtime.endpoints.sqs,
    s3: runtime.endpoints.s3,
    secretsManager: runtime.endpoints.secretsManager,
    cloudwatch: undefined,
    cloudformation: undefined,
  };
  return {
    kind: 'local',
    where: 'the local stack',
    providerId,
    table: runtime.table,
    bucket: runtime.bucket,
    queueUrl: provider.queueUrl,
    deadLetterQueueUrl: provider.deadLetterQueueUrl,
    secretArn: provider.secretArn,
    local: { runtime, stateDir },
    client: (service) => ({
      region: runtime.region,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 2,
      ...(endpoints[service] ? { endpoint: endpoints[service] } : {}),
      ...(service === 's3' ? { forcePathStyle: true } : {}),
    }),
  };
}

/** Resolves the stack the command acts on; throws NotFound (exit 1) when it, or the provider in it, is not there. */
export async function resolveTarget(choice: TargetChoice, providerId: string): Promise<Target> {
  // The SDK is pinned (package.json): its notice about future releases needing node 22 is noise on call.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  return choice.local ? localTarget(providerId) : deployedTarget(choice.stack ?? defaultStackName(), providerId, choice.region);
}

/** `the local stack` / `stack <name>` before the target is resolved (for error messages). */
export function whereOf(choice: TargetChoice): string {
  return choice.local ? 'the local stack' : `stack ${choice.stack ?? defaultStackName()}`;
}

export interface GraceWindow {
  readonly hours: number;
  /** Where the value came from, for the output. */
  readonly source: string;
}

/**
 * The rotation grace window the verifier applies (ROTATION_GRACE_HOURS). Deployed: read from the verifier's
 * environment in the deployed template (GetTemplate), so a stack deployed with other settings than this
 * checkout's cdk.json is still described right; else, and locally (the runner passes cdk.json's value to
 * its verifier), cdk.json's `rotationGraceHours`.
 */
export async function rotationGrace(target: Target): Promise<GraceWindow> {
  const fromCdkJson = (why: string): GraceWindow => {
    try {
      return { hours: loadProjectConfig(PROJECT_ROOT).rotationGraceHours, source: `cdk.json rotationGraceHours${why}` };
    } catch {
      return { hours: 72, source: `the default${why}` };
    }
  };
  if (target.kind === 'local' || !target.stackName) return fromCdkJson(' (the local verifier uses it)');
  const cfn = new CloudFormationClient(target.client('cloudformation'));
  try {
    const out = await cfn.send(new GetTemplateCommand({ StackName: target.stackName, TemplateStage: 'Processed' }));
    const hours = graceFromTemplate(out.TemplateBody ?? '');
    if (hours !== undefined) return { hours, source: `the deployed verifier's ROTATION_GRACE_HOURS (${target.where})` };
    return fromCdkJson(`; the deployed template has no ROTATION_GRACE_HOURS`);
  } catch (error) {
    return fromCdkJson(`; the deployed template could not be read (${(error as Error).name})`);
  } finally {
    cfn.destroy();
  }
}

/** ROTATION_GRACE_HOURS from a resource's `Environment.Variables` in a JSON template (CDK writes JSON). */
export function graceFromTemplate(body: string): number | undefined {
  let template: { Resources?: Record<string, { Properties?: { Environment?: { Variables?: Record<string, unknown> } } }> };
  try {
    template = JSON.parse(body) as typeof template;
  } catch {
    return undefined;
  }
  for (const resource of Object.values(template.Resources ?? {})) {
    const value = resource?.Properties?.Environment?.Variables?.['ROTATION_GRACE_HOURS'];
    if ((typeof value === 'string' || typeof value === 'number') && /^\d+(\.\d+)?$/.test(String(value))) return Number(value);
  }
  return undefined;
}

/**
 * One line that says why a call against the stack failed, without a stack trace or an AWS message (those
 * can echo values): NotFound's own message, or what the error's name means here.
 */
export function failureMessage(error: unknown, where: string, local: boolean, what = 'the stack'): string {
  const e = error as Error & { code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? 'Error';
  if (error instanceof NotFound) return e.message;
  if (name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue') return `a queue of ${where} does not exist (deleted, or another region?)`;
  if (name === 'ResourceNotFoundException') return `${what} of ${where} does not exist (deleted, or another region?)`;
  if (name === 'CredentialsProviderError' || /credential/i.test(`${name} ${e?.message ?? ''}`)) {
    return `no usable AWS credentials for ${where} (${name}); set AWS_PROFILE (or AWS_ACCESS_KEY_ID...) or use --local`;
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'UnauthorizedOperation') {
    return `access denied by ${where} (${name}): the credentials in use lack a permission for ${what}`;
  }
  if (local && /ECONNREFUSED|socket|connect|ECONNRESET/i.test(`${name} ${e?.message ?? ''} ${String(e?.code)}`)) {
    return 'the local stack does not answer: is npm start still running?';
  }
  return `cannot reach ${what} of ${where}: ${name}`;
}
