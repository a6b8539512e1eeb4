/**
 * Least privilege, derived rather than listed by hand alone: every execution role of every function of the
 * stack (the verifier, each provider's processor, the spool sweeper, the canary) may do exactly what its
 * handler's AWS SDK calls need, plus what Lambda itself needs on that role (logs, X-Ray, the SQS poller), and
 * uses the data key only through the service that encrypts for it (kms:ViaService). An action no handler
 * calls fails here; so does an SDK call added to a handler without its grant.
 *
 * The SDK calls are read from the sources each handler's bundle contains (esbuild's import graph of the
 * entry, dynamic imports included): every `new XCommand(` of an `@aws-sdk/client-*` import.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { pascalCase } from '../../lib/naming.ts';
import { CANARY_ENTRY, PROCESSOR_ENTRY, PROJECT_ROOT, SPOOL_SWEEPER_ENTRY, TRACED_VERIFIER_ENTRY, VERIFIER_ENTRY } from '../../lib/paths.ts';
import { providerDeclarations } from '../../providers/index.ts';
import { actionsOf, resources, roleStatements, synthesize, type Statement } from './synth.ts';

type Handler = 'verifier' | 'processor' | 'spool' | 'canary';

/**
 * The SDK commands each handler calls, as IAM actions: the explicit allow-list. The test below checks it
 * against the handlers' sources, so it can hold neither a call no handler makes nor miss one they do.
 */
const CALLED: Record<Handler, readonly string[]> = {
  // Claim protocol (lambdas/verifier/claim-ledger.ts), signing secrets of both stages (secret-versions.ts),
  // enqueue (enqueue.ts), claim-checked bodies and spooled messages (claim-check-store.ts).
  verifier: [
    'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem',
    's3:PutObject',
    'secretsmanager:GetSecretValue',
    'sqs:SendMessage',
  ],
  // Ledger and state records (processing-ledger.ts, example-state/state-store.ts), claim-checked bodies
  // (claim-check-reader.ts), the batch archive (archive.ts), backoff and the move to the DLQ (redelivery.ts).
  processor: ['dynamodb:UpdateItem', 's3:GetObject', 's3:PutObject', 'sqs:ChangeMessageVisibility', 'sqs:SendMessage'],
  // lambdas/spool/aws.ts: list, read and delete spooled messages, send them on.
  spool: ['s3:DeleteObject', 's3:GetObject', 's3:ListBucket', 'sqs:SendMessage'],
  // lambdas/canary/: its own signing secret, its own event's ledger entry (test/infra/canary.test.ts narrows both).
  canary: ['dynamodb:GetItem', 'secretsmanager:GetSecretValue'],
};

/** What Lambda needs on every execution role: its log group (CloudWatch Logs) and active tracing (X-Ray). */
const LAMBDA_RUNTIME = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
/** Lambda's SQS poller receives and deletes with the function's role (AWSLambdaSQSQueueExecutionRole's actions). */
const SQS_POLLER = ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'];

/**
 * The data key, per service that calls KMS with the role's credentials, and nothing else: DynamoDB for a
 * CMK table; S3 with SSE-KMS (GenerateDataKey to put, Decrypt to get); SQS with SSE-KMS (GenerateDataKey and
 * Decrypt to send, Decrypt to receive); Secrets Manager to return a secret value.
 */
const TABLE_KEY = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];
const KEY_VIA: Record<Handler, Record<string, readonly string[]>> = {
  verifier: { dynamodb: TABLE_KEY, s3: ['kms:GenerateDataKey'], secretsmanager: ['kms:Decrypt'], sqs: ['kms:Decrypt', 'kms:GenerateDataKey'] },
  processor: { dynamodb: TABLE_KEY, s3: ['kms:Decrypt', 'kms:GenerateDataKey'], sqs: ['kms:Decrypt', 'kms:GenerateDataKey'] },
  spool: { s3: ['kms:Decrypt'], sqs: ['kms:Decrypt', 'kms:GenerateDataKey'] },
  canary: { dynamodb: ['kms:Decrypt', 'kms:DescribeKey'], secretsmanager: ['kms:Decrypt'] },
};

/** IAM's service prefix per SDK client package, and the commands whose IAM action has another name. */
const IAM_PREFIX: Record<string, string> = { dynamodb: 'dynamodb', s3: 's3', sqs: 'sqs', 'secrets-manager': 'secretsmanager' };
const ACTION_OF_COMMAND: Record<string, string> = { 's3:ListObjectsV2': 's3:ListBucket' };

/** The IAM actions of the SDK commands constructed in the project sources bundled from `entry`. */
async function sdkActionsCalledFrom(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    outdir: join(PROJECT_ROOT, '.least-privilege-unused'),
    packages: 'external',
    absWorkingDir: PROJECT_ROOT,
    logLevel: 'silent',
  });
  const actions = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const source = readFileSync(join(PROJECT_ROOT, input), 'utf8');
    for (const [, names, client] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([a-z0-9-]+)'/g)) {
      const commands = names!.split(',').map((n) => n.trim()).filter((n) => /^[A-Z]\w*Command$/.test(n));
      for (const command of commands) {
        if (!new RegExp(`new ${command}\\(`).test(source)) continue;
        const prefix = IAM_PREFIX[client!];
        if (!prefix) throw new Error(`${input} calls @aws-sdk/client-${client}: add its IAM prefix to IAM_PREFIX`);
        const action = `${prefix}:${command.replace(/Command$/, '')}`;
        actions.add(ACTION_OF_COMMAND[action] ?? action);
      }
    }
  }
  return [...actions].sort();
}

const PROVIDERS = providerDeclarations.map((d) => d.id);
const dataKey = { 'Fn::GetAtt': ['DataKey', 'Arn'] };
const viaService = (service: string) => ({
  StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', [`${service}.`, { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } },
});
const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

interface FunctionRole {
  readonly functionId: string;
  readonly roleId: string;
  readonly handler: Handler;
  /** The provider of a processor. */
  readonly provider?: string;
}

let template: Template;
let roles: FunctionRole[];

beforeAll(() => {
  // Every provider of the registry.
  ({ template } = synthesize({ providers: Object.fromEntries(PROVIDERS.map((id) => [id, {}])) }));
  const processorOf = new Map(PROVIDERS.map((id) => [`Pipeline${pascalCase(id)}ProcessorFunction`, id]));
  roles = Object.entries(resources(template, 'AWS::Lambda::Function'))
    // CDK's own provider that empties the dev buckets on `cdk destroy` (asserted in deploy-correctness.test.ts).
    .filter(([id]) => !id.startsWith('CustomS3AutoDeleteObjectsCustomResourceProvider'))
    .map(([functionId, fn]) => {
      const roleId = (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      if (functionId.startsWith('IngressVerifierFunction')) return { functionId, roleId, handler: 'verifier' as const };
      if (functionId.startsWith('SpoolSweeperFunction')) return { functionId, roleId, handler: 'spool' as const };
      if (functionId.startsWith('CanaryRunnerFunction')) return { functionId, roleId, handler: 'canary' as const };
      const provider = [...processorOf].find(([prefix]) => functionId.startsWith(prefix))?.[1];
      if (provider) return { functionId, roleId, handler: 'processor' as const, provider };
      throw new Error(`function ${functionId} is not a verifier, processor, spool sweeper or canary: give it an allow-list here`);
    });
}, 240_000);

describe('the allow-list is what the handlers call', () => {
  it.each([
    ['verifier', VERIFIER_ENTRY],
    ['verifier', TRACED_VERIFIER_ENTRY],
    ['processor', PROCESSOR_ENTRY],
    ['spool', SPOOL_SWEEPER_ENTRY],
    ['canary', CANARY_ENTRY],
  ] as const)('%s (%s)', async (handler, entry) => {
    expect(await sdkActionsCalledFrom(entry)).toEqual(sorted(CALLED[handler]));
  });
});

describe('every execution role may do exactly what its handler calls', () => {
  it('covers the verifier, one processor per provider, the spool sweeper and the canary, each with a role of its own', () => {
    expect(roles.filter((r) => r.handler === 'verifier')).toHaveLength(1);
    expect(roles.filter((r) => r.handler === 'spool')).toHaveLength(1);
    expect(roles.filter((r) => r.handler === 'canary')).toHaveLength(1);
    expect(sorted(roles.flatMap((r) => (r.provider ? [r.provider] : [])))).toEqual(sorted(PROVIDERS));
    expect(new Set(roles.map((r) => r.roleId)).size).toBe(roles.length);
  });

  it('no action beyond the handler\'s SDK calls and what Lambda needs on the role', () => {
    for (const { functionId, roleId, handler } of roles) {
      const granted = sorted(roleStatements(template, roleId).flatMap(actionsOf).filter((a) => !a.startsWith('kms:')));
      const needed = sorted([...CALLED[handler], ...LAMBDA_RUNTIME, ...(handler === 'processor' ? SQS_POLLER : [])]);
      expect.soft(granted, functionId).toEqual(needed);
    }
  });

  it('the data key only through the services that encrypt for the handler, every KMS statement conditioned', () => {
    for (const { functionId, roleId, handler } of roles) {
      const kmsStatements = roleStatements(template, roleId).filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
      const granted: Record<string, string[]> = {};
      for (const s of kmsStatements) {
        expect(s.Resource, functionId).toEqual(dataKey);
        const service = Object.keys(KEY_VIA[handler]).find((svc) => JSON.stringify(s.Condition) === JSON.stringify(viaService(svc)));
        // An unconditioned or otherwise-conditioned grant (SqsEventSource's kms:Decrypt was one) fails here.
        expect.soft(service, `${functionId}: ${JSON.stringify(s)}`).toBeDefined();
        if (service) granted[service] = sorted([...(granted[service] ?? []), ...actionsOf(s)]);
      }
      expect.soft(granted, functionId).toEqual(Object.fromEntries(Object.entries(KEY_VIA[handler]).map(([svc, actions]) => [svc, sorted(actions)])));
    }
  });
});

describe('each processor reaches its own provider\'s resources only', () => {
  const claimChecksUnder = (prefix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['ClaimCheckBucket', 'Arn'] }, `/${prefix}`]] });
  const withAction = (statements: Statement[], action: string) => statements.filter((s) => actionsOf(s).includes(action));

  it('reads claim-checked bodies under <provider id>/ only', () => {
    for (const { functionId, roleId, provider } of roles.filter((r) => r.handler === 'processor')) {
      const get = withAction(roleStatements(template, roleId), 's3:GetObject');
      expect(get.map((s) => s.Resource), functionId).toEqual([claimChecksUnder(`${provider}/*`)]);
      expect(get.map(actionsOf), functionId).toEqual([['s3:GetObject']]);
    }
  });

  it('receives from its own queue, sends to its own DLQ, and updates its own partitions only', () => {
    for (const { functionId, roleId, provider } of roles.filter((r) => r.handler === 'processor')) {
      const statements = roleStatements(template, roleId);
      const suffix = pascalCase(provider!);
      for (const action of [...SQS_POLLER, 'sqs:ChangeMessageVisibility']) {
        expect(withAction(statements, action).map((s) => s.Resource), `${functionId} ${action}`).toEqual([{ 'Fn::GetAtt': [`Queue${suffix}`, 'Arn'] }]);
      }
      expect(withAction(statements, 'sqs:SendMessage').map((s) => s.Resource), functionId).toEqual([{ 'Fn::GetAtt': [`DeadLetterQueue${suffix}`, 'Arn'] }]);
      const ledger = withAction(statements, 'dynamodb:UpdateItem');
      expect(ledger.map((s) => s.Condition), functionId).toEqual([
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`EVT#${provider}#*`, `STATE#${provider}#*`] } },
      ]);
      // Nothing of another provider anywhere in its policy.
      const text = JSON.stringify(statements);
      for (const other of PROVIDERS.filter((id) => id !== provider)) {
        for (const name of [`Queue${pascalCase(other)}"`, `DeadLetterQueue${pascalCase(other)}"`, `Secret${pascalCase(other)}"`, `/${other}/`, `#${other}#`]) {
          expect(text, `${functionId} mentions ${name}`).not.toContain(name);
        }
      }
    }
  });

  it('each processor\'s event source mapping reads its own queue', () => {
    const mappings = Object.values(resources(template, 'AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(PROVIDERS.length);
    for (const { functionId, provider } of roles.filter((r) => r.handler === 'processor')) {
      const mine = mappings.filter((m) => JSON.stringify(m.Properties!.FunctionName).includes(`"${functionId}"`));
      expect(mine.map((m) => m.Properties!.EventSourceArn), functionId).toEqual([{ 'Fn::GetAtt': [`Queue${pascalCase(provider!)}`, 'Arn'] }]);
      expect(mine[0]!.Properties!.FunctionResponseTypes, functionId).toEqual(['ReportBatchItemFailures']);
    }
  });
});
