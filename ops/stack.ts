/**
 * Where an ops command acts, shared by every command that reads or changes the stack (events, dlq, secret,
 * replay): the running local stack (`--local`, found through <state dir>/runtime.json) or a deployed stack
 * found by name, whose CloudFormation outputs name the table, bucket, queues and secrets (lib/
 * webhook-receiver-stack.ts: LedgerTableName, ClaimCheckBucketName, QueueUrl<P>, DeadLetterQueueUrl<P>,
 * SecretArn<P>). Deployed stacks are reached with the standard AWS credential chain and region.
 */
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, type Output } from '@aws-sdk/client-cloudformation';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pascalCase } from '../lib/naming.ts';
import { loadProjectConfig } from '../lib/config/load.ts';
import { connect } from 'node:net';
import { relative } from 'node:path';
import { LOCAL_CREDENTIALS, PROJECT_ROOT, readRuntime, runtimeFile, stateDirFrom, type RuntimeInfo } from './local-target.ts';
import { UsageError, type OptionSpecs, type ParsedArgs } from './args.ts';
import type { Io } from './command.ts';

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
  profile: { type: 'string' },
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
  --region <region>  the stack's region (default: the AWS SDK's, e.g. AWS_REGION or the profile's)
  --profile <name>   the AWS profile for credentials and region, as the AWS CLI takes it (AWS_PROFILE)
                     none of --local, --stack, --region, --profile: the running local stack when
                     .local/runtime.json names one that answers (said on stderr), else the deployed stack`;
}

export interface TargetChoice {
  readonly local: boolean;
  readonly stack?: string;
  readonly region?: string;
  /** --profile: the AWS profile the SDK clients read credentials and region from. */
  readonly profile?: string;
  /** True when no option chose: the local stack was found running (chooseTarget). */
  readonly detected?: boolean;
}

/** Reads --local / --stack / --region / --profile as given; --local excludes the others. */
export function targetChoice(args: ParsedArgs): TargetChoice {
  const local = args.flag('local');
  const stack = args.optional('stack');
  const region = args.optional('region');
  const profile = args.optional('profile');
  if (local && (stack !== undefined || region !== undefined || profile !== undefined)) {
    throw new UsageError('--local reads the local stack: --stack, --region and --profile do not apply');
  }
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new UsageError('--region must be an AWS region such as eu-west-1');
  if (stack !== undefined && !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stack)) throw new UsageError('--stack must be a CloudFormation stack name (letters, digits, dashes)');
  if (profile !== undefined && !/^[A-Za-z0-9_.@+-]{1,128}$/.test(profile)) throw new UsageError('--profile must be a profile name of ~/.aws/config (letters, digits, _ . @ + -)');
  return { local, ...(stack !== undefined ? { stack } : {}), ...(region !== undefined ? { region } : {}), ...(profile !== undefined ? { profile } : {}) };
}

/** True when something accepts TCP connections on 127.0.0.1:`port` within `timeoutMs`. */
export function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The local stack `.local/runtime.json` names, when its process is alive and its HTTP API answers. */
export async function liveLocalStack(stateDir = stateDirFrom(process.env)): Promise<RuntimeInfo | undefined> {
  const runtime = readRuntime(stateDir);
  if (!runtime || typeof runtime.port !== 'number') return undefined;
  let host = '127.0.0.1';
  try {
    host = new URL(runtime.url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return undefined;
  }
  return (await portAnswers(runtime.port, host)) ? runtime : undefined;
}

/**
 * The one rule for where a command acts: --local, or --stack/--region/--profile (a deployed stack) as
 * given; with none of them, the running local stack when .local/runtime.json names a live one (said on
 * stderr, one line), else the configured stack (cdk.json stackName).
 */
export async function chooseTarget(args: ParsedArgs, io: Io, command: string): Promise<TargetChoice> {
  const choice = targetChoice(args);
  if (choice.local || choice.stack !== undefined || choice.region !== undefined || choice.profile !== undefined) return choice;
  const stateDir = stateDirFrom(process.env);
  const runtime = await liveLocalStack(stateDir);
  if (!runtime) return choice;
  const file = relative(process.cwd(), runtimeFile(stateDir));
  io.err(`ops ${command}: using the local stack running at ${runtime.url} (${file.startsWith('..') ? runtimeFile(stateDir) : file}); --stack ${defaultStackName()} for the deployed one`);
  return { local: true, detected: true };
}

/** The AWS services the commands call. */
export type Service = 'dynamodb' | 'sqs' | 's3' | 'secretsManager' | 'cloudwatch' | 'cloudformation';

export interface ClientSettings {
  readonly region?: string;
  /** An AWS profile (~/.aws/config, ~/.aws/credentials): credentials and region, as AWS_PROFILE. */
  readonly profile?: string;
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
  /** The base URL senders post to (`<apiUrl>webhooks/<id>`): the ApiUrl output, or the local stack's URL. */
  readonly apiUrl?: string;
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

/** Client settings for a deployed stack: the standard chain, narrowed by --region and --profile. */
function deployedClient(region: string | undefined, profile: string | undefined): ClientSettings {
  return { ...(region ? { region } : {}), ...(profile ? { profile } : {}) };
}

async function stackOutputs(stack: string, region: string | undefined, profile?: string): Promise<readonly Output[]> {
  const cfn = new CloudFormationClient(deployedClient(region, profile));
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

/** True when `[profile <name>]` (config) or `[<name>]` (credentials) is in the AWS CLI's files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE). */
export function profileConfigured(name: string, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const files = [
    { path: env['AWS_CONFIG_FILE'] || join(homedir(), '.aws', 'config'), header: name === 'default' ? /^\s*\[\s*(profile\s+)?default\s*\]/m : new RegExp(`^\\s*\\[\\s*profile\\s+${name.replace(/[.+]/g, '\\$&')}\\s*\\]`, 'm') },
    { path: env['AWS_SHARED_CREDENTIALS_FILE'] || join(homedir(), '.aws', 'credentials'), header: new RegExp(`^\\s*\\[\\s*${name.replace(/[.+]/g, '\\$&')}\\s*\\]`, 'm') },
  ];
  return files.some(({ path, header }) => {
    try {
      return header.test(readFileSync(path, 'utf8'));
    } catch {
      return false;
    }
  });
}

async function deployedTarget(stack: string, providerId: string, region: string | undefined, profile?: string): Promise<Target> {
  if (profile !== undefined && !profileConfigured(profile)) {
    throw new NotFound(`the AWS profile '${profile}' is in neither ~/.aws/config nor ~/.aws/credentials (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE): check --profile (aws configure list-profiles)`);
  }
  const outputs = await stackOutputs(stack, region, profile);
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
    ...(output(outputs, 'ApiUrl') ? { apiUrl: output(outputs, 'ApiUrl')! } : {}),
    stackName: stack,
    client: () => deployedClient(region, profile),
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
    apiUrl: `${runtime.url}/`,
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
  return choice.local ? localTarget(providerId) : deployedTarget(choice.stack ?? defaultStackName(), providerId, choice.region, choice.profile);
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
  const text = `${name} ${e?.message ?? ''}`;
  if (!local && /region is missing|missing region|unknown region|invalid region/i.test(text)) {
    return `no AWS region for ${where}: set AWS_REGION (or AWS_PROFILE / --profile <name> with a region in ~/.aws/config), or give --region; ` +
      'for the local stack (npm start), --local';
  }
  if (!local && /expired|ExpiredToken|TokenRefreshRequired|sso/i.test(name)) {
    return `the AWS credentials for ${where} have expired (${name}): sign in again (aws sso login, with --profile <name> or AWS_PROFILE), then retry`;
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(text)) {
    return `no usable AWS credentials for ${where} (${name}): set AWS_PROFILE or give --profile <name> (or AWS_ACCESS_KEY_ID and ` +
      'AWS_SECRET_ACCESS_KEY), or aws sso login; for the local stack (npm start), --local';
  }
  if (!local && /UnrecognizedClientException|InvalidClientTokenId|SignatureDoesNotMatch|InvalidSignatureException/.test(name)) {
    return `the AWS credentials in use are not valid for ${where} (${name}): check AWS_PROFILE / --profile and the account`;
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'UnauthorizedOperation') {
    return `access denied by ${where} (${name}): the credentials in use lack a permission for ${what}`;
  }
  if (local && /ECONNREFUSED|socket|connect|ECONNRESET/i.test(`${name} ${e?.message ?? ''} ${String(e?.code)}`)) {
    return 'the local stack does not answer: is npm start still running?';
  }
  const code = typeof e?.code === 'string' && /^[A-Z_]{3,40}$/.test(e.code) && e.code !== name ? ` (${e.code})` : '';
  return `cannot reach ${what} of ${where}: ${name}${code}`;
}
