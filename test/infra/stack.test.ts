/**
 * Security and reliability properties of the dev stack with all eight providers, pinned one by one.
 * (Production-only properties are in prod.test.ts.)
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { pascalCase } from '../../lib/naming.ts';
import { RUNBOOK_ANCHORS } from '../../lib/runbook-anchors.ts';
import { providerDeclarations } from '../../providers/index.ts';
import { actionsOf, logicalId, resources, roleStatements, synthesize, type Statement } from './synth.ts';

const PROVIDERS = ['sully', 'suki', 'soapnoteapi', 'solatis', 'generic', 'standard-webhooks', 'github', 'stripe'];
const dataKey = { 'Fn::GetAtt': ['DataKey', 'Arn'] };
const telemetryKey = { 'Fn::GetAtt': ['TelemetryKey', 'Arn'] };

/**
 * Resources of this stack's own constructs: without the provider CDK adds, in dev only, to empty the buckets
 * on `cdk destroy` (autoDeleteObjects; its function and role are CDK's, asserted in deploy-correctness.test.ts).
 */
const AUTO_DELETE_PROVIDER = 'CustomS3AutoDeleteObjectsCustomResourceProvider';
const ownResources = (t: Template, type: string) =>
  Object.fromEntries(Object.entries(resources(t, type)).filter(([id]) => !id.startsWith(AUTO_DELETE_PROVIDER)));

let template: Template;
let verifierRole: string;
let verifierStatements: Statement[];

beforeAll(() => {
  // Every vendor of the registry (cdk.json names none: all are enabled), stripe with settings of its own. The
  // synthetic canary (its provider, function and alarm) is off here: test/infra/canary.test.ts has it.
  const providers = { ...Object.fromEntries(providerDeclarations.filter((d) => d.id !== 'canary').map((d) => [d.id, {}])), stripe: { maxReceiveCount: 40, maxConcurrency: 3 } };
  ({ template } = synthesize({ providers, processor: { memoryMb: 256, timeoutSeconds: 20 }, canary: { enabled: false } }));
  verifierRole = logicalId(template, 'AWS::IAM::Role', 'IngressVerifierRole');
  verifierStatements = roleStatements(template, verifierRole);
});

describe('encryption at rest with customer-managed keys', () => {
  it('creates two KMS keys, both rotated', () => {
    expect(Object.keys(resources(template, 'AWS::KMS::Key')).sort()).toEqual(['DataKey', 'TelemetryKey']);
    template.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('encrypts the ledger table with the data key', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: dataKey },
    });
  });

  it('encrypts every queue and DLQ with the data key', () => {
    expect(Object.keys(resources(template, 'AWS::SQS::Queue'))).toHaveLength(2 * PROVIDERS.length);
    template.allResourcesProperties('AWS::SQS::Queue', { KmsMasterKeyId: dataKey });
  });

  it('encrypts the claim-check bucket with the data key (bucket key on)', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: dataKey },
        }],
      },
    });
  });

  it('encrypts every provider secret with the data key and puts no value in the template', () => {
    const secrets = resources(template, 'AWS::SecretsManager::Secret');
    expect(Object.keys(secrets)).toHaveLength(PROVIDERS.length);
    for (const [id, secret] of Object.entries(secrets)) {
      expect(secret.Properties!.KmsKeyId, id).toEqual(dataKey);
      expect(secret.Properties!.SecretString, id).toBeUndefined();
      expect(secret.Properties!.GenerateSecretString, id).toBeDefined();
    }
  });

  it("generates each placeholder in a form its provider's key derivation accepts: 401 until set, not 503", () => {
    const generated = Object.fromEntries(PROVIDERS.map((id) => [id, resources(template, 'AWS::SecretsManager::Secret')[`Secret${pascalCase(id)}`]!.Properties!.GenerateSecretString]));
    // whsec-base64: letters and digits only, a length that is a multiple of 4 (canonical base64, no padding).
    expect(generated['standard-webhooks']).toEqual({ PasswordLength: 48, ExcludePunctuation: true, IncludeSpace: false });
    // raw keys take any string: CloudFormation's default, so these secrets' template is unchanged.
    for (const id of PROVIDERS.filter((p) => p !== 'standard-webhooks')) expect(generated[id], id).toEqual({});
  });

  it('encrypts the alarm topic and every log group with the telemetry key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: telemetryKey });
    // One per function (verifier, processors, spool sweeper) and the API's access logs.
    expect(Object.keys(resources(template, 'AWS::Logs::LogGroup'))).toHaveLength(PROVIDERS.length + 3);
    template.allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: telemetryKey, RetentionInDays: 30 });
  });

  it('lets CloudWatch Logs use the telemetry key for this account\'s log groups only', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } },
          Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
        })]),
      },
    });
  });
});

describe('TLS-only resource policies', () => {
  const denyInsecure = (action: unknown) => Match.objectLike({
    Effect: 'Deny',
    Action: action,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  });

  it('every queue and DLQ has a policy denying non-TLS requests', () => {
    const policies = Object.values(resources(template, 'AWS::SQS::QueuePolicy'));
    for (const queueId of Object.keys(resources(template, 'AWS::SQS::Queue'))) {
      const policy = policies.find((p) => JSON.stringify(p.Properties!.Queues).includes(`"${queueId}"`));
      expect(policy, queueId).toBeDefined();
      expect(policy!.Properties!.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      );
    }
  });

  it('both buckets deny non-TLS requests and TLS below 1.2', () => {
    for (const bucket of ['ClaimCheckBucket', 'ClaimCheckAccessLogsBucket']) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucket },
        PolicyDocument: {
          Statement: Match.arrayWith([
            denyInsecure('s3:*'),
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
          ]),
        },
      });
    }
  });

  it('the alarm topic denies non-TLS requests and admits only this account\'s CloudWatch alarms', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          denyInsecure(Match.arrayWith(['sns:Publish', 'sns:SetTopicAttributes', 'sns:Subscribe'])),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }) }),
        ]),
      },
    });
  });
});

describe('the ledger table', () => {
  it('is on-demand, keyed pk/sk, with point-in-time recovery and TTL on expiresAt, and one index (byReceivedAt)', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      AttributeDefinitions: Match.arrayWith([{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }]),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byReceivedAt' })],
    });
  });
});

describe('the claim-check bucket', () => {
  it('is private, versioned, logged, and expires bodies after the retention', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: Match.objectLike({}),
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: 'ClaimCheckAccessLogsBucket' } },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' })]),
      },
    });
  });
});

describe('queues and processors', () => {
  it('redrives to the provider\'s DLQ after maxReceiveCount (cdk.json 29, stripe configured 40)', () => {
    for (const id of PROVIDERS) {
      const suffix = pascalCase(id);
      template.hasResource('AWS::SQS::Queue', {
        Properties: Match.objectLike({
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [`DeadLetterQueue${suffix}`, 'Arn'] }, maxReceiveCount: id === 'stripe' ? 40 : 29 },
        }),
      });
    }
  });

  it('keeps DLQ messages 14 days and sets visibility to six processor timeouts', () => {
    for (const id of PROVIDERS) {
      const queues = resources(template, 'AWS::SQS::Queue');
      expect(queues[`DeadLetterQueue${pascalCase(id)}`]!.Properties!.MessageRetentionPeriod).toBe(1_209_600);
      expect(queues[`Queue${pascalCase(id)}`]!.Properties!.VisibilityTimeout).toBe(6 * 20);
    }
  });

  it('feeds each processor from its own queue with ReportBatchItemFailures, batches of 10 and bounded concurrency', () => {
    const mappings = Object.values(resources(template, 'AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(PROVIDERS.length);
    for (const m of mappings) {
      expect(m.Properties).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: 10 });
    }
    for (const id of PROVIDERS) {
      const mapping = mappings.find((m) => JSON.stringify(m.Properties!.EventSourceArn) === JSON.stringify({ 'Fn::GetAtt': [`Queue${pascalCase(id)}`, 'Arn'] }));
      expect(mapping?.Properties!.ScalingConfig, id).toEqual({ MaximumConcurrency: id === 'stripe' ? 3 : 5 });
    }
  });
});

describe('Lambda functions', () => {
  it('every function runs Node.js 24 on arm64 with active tracing and its own log group', () => {
    const functions = ownResources(template, 'AWS::Lambda::Function');
    // The verifier, one processor per provider, the spool sweeper.
    expect(Object.keys(functions)).toHaveLength(PROVIDERS.length + 2);
    for (const [id, fn] of Object.entries(functions)) {
      expect(fn.Properties, id).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(/LogGroup/) } },
      });
    }
  });

  it('no role has a managed policy (grants are explicit)', () => {
    for (const [id, role] of Object.entries(ownResources(template, 'AWS::IAM::Role'))) {
      expect(role.Properties!.ManagedPolicyArns, id).toBeUndefined();
    }
  });

  it('the verifier gets exactly the environment of docs/architecture.md', () => {
    const verifier = resources(template, 'AWS::Lambda::Function')[logicalId(template, 'AWS::Lambda::Function', 'IngressVerifierFunction')]!;
    const env = verifier.Properties!.Environment.Variables as Record<string, unknown>;
    expect(Object.keys(env).sort()).toEqual([
      'CLAIM_CHECK_BUCKET', 'CLAIM_CHECK_THRESHOLD_BYTES', 'CLAIM_LEASE_SECONDS', 'LEDGER_RETENTION_DAYS', 'LEDGER_TABLE', 'MAX_BODY_BYTES',
      'NODE_OPTIONS', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME', 'PROVIDERS_CONFIG', 'REPLAY_PROTECTION_DAYS', 'ROTATION_GRACE_HOURS',
    ]);
    expect(env).toMatchObject({
      LEDGER_TABLE: { Ref: 'LedgerTable' },
      CLAIM_CHECK_BUCKET: { Ref: 'ClaimCheckBucket' },
      MAX_BODY_BYTES: '1048576',
      CLAIM_CHECK_THRESHOLD_BYTES: '245760',
      ROTATION_GRACE_HOURS: '72',
      LEDGER_RETENTION_DAYS: '30',
      CLAIM_LEASE_SECONDS: '30',
      REPLAY_PROTECTION_DAYS: '400',
      POWERTOOLS_SERVICE_NAME: 'verifier',
      POWERTOOLS_METRICS_NAMESPACE: 'WebhookReceiver',
    });
    const providersConfig = JSON.stringify(env.PROVIDERS_CONFIG);
    for (const id of PROVIDERS) {
      const suffix = pascalCase(id);
      expect(providersConfig).toContain(`\\"${id}\\":{\\"secretArn\\":\\"`);
      expect(providersConfig).toContain(`{"Ref":"Secret${suffix}"}`);
      expect(providersConfig).toContain(`{"Ref":"Queue${suffix}"}`);
    }
  });

  it('the claim lease is cdk.json claimLeaseSeconds, beside the verifier timeout it must exceed', () => {
    const { template: leased } = synthesize({ providers: ['sully'], verifier: { timeoutSeconds: 20 }, claimLeaseSeconds: 45 });
    const verifier = resources(leased, 'AWS::Lambda::Function')[logicalId(leased, 'AWS::Lambda::Function', 'IngressVerifierFunction')]!;
    expect(verifier.Properties!.Timeout).toBe(20);
    expect(verifier.Properties!.Environment.Variables.CLAIM_LEASE_SECONDS).toBe('45');
    expect(verifier.Properties!.Environment.Variables.REPLAY_PROTECTION_DAYS).toBe('400');
  }, 60_000);

  it('traceVerifierAwsCalls deploys the traced verifier bundle, and changes nothing else', () => {
    const codeKey = (t: Template, id: string) => resources(t, 'AWS::Lambda::Function')[logicalId(t, 'AWS::Lambda::Function', id)]!.Properties!.Code.S3Key as string;
    const { template: plain } = synthesize({ providers: ['sully'] });
    const { template: traced } = synthesize({ providers: ['sully'], traceVerifierAwsCalls: true });
    expect(codeKey(traced, 'IngressVerifierFunction')).not.toBe(codeKey(plain, 'IngressVerifierFunction'));
    expect(codeKey(traced, 'PipelineSullyProcessorFunction')).toBe(codeKey(plain, 'PipelineSullyProcessorFunction'));
  }, 60_000);

  it('each processor gets its provider id and the shared settings', () => {
    for (const id of PROVIDERS) {
      const fnId = logicalId(template, 'AWS::Lambda::Function', `Pipeline${pascalCase(id)}ProcessorFunction`);
      const env = resources(template, 'AWS::Lambda::Function')[fnId]!.Properties!.Environment.Variables;
      expect(env).toEqual({
        PROVIDER_ID: id,
        LEDGER_TABLE: { Ref: 'LedgerTable' },
        CLAIM_CHECK_BUCKET: { Ref: 'ClaimCheckBucket' },
        LEDGER_RETENTION_DAYS: '30',
        // Only providers that sign no timestamp: their ledger entries are their replay protection.
        ...(['solatis', 'generic', 'github'].includes(id) ? { REPLAY_PROTECTION_DAYS: '400' } : {}),
        POWERTOOLS_SERVICE_NAME: `processor-${id}`,
        POWERTOOLS_METRICS_NAMESPACE: 'WebhookReceiver',
        QUEUE_URL: { Ref: `Queue${pascalCase(id)}` },
        DEAD_LETTER_QUEUE_URL: { Ref: `DeadLetterQueue${pascalCase(id)}` },
        PROCESSOR_RETRY_BUDGET_SECONDS: '21600',
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
  });
});

describe('least-privilege IAM', () => {
  const allActions = (statements: Statement[]) => [...new Set(statements.flatMap(actionsOf))].sort();

  it('the verifier may do exactly these actions', () => {
    expect(allActions(verifierStatements)).toEqual([
      'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem',
      'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey',
      'logs:CreateLogStream', 'logs:PutLogEvents',
      's3:PutObject',
      'secretsmanager:GetSecretValue',
      'sqs:SendMessage',
      'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
    ]);
  });

  it('the verifier cannot scan, query or drop the table, read queues, or read objects', () => {
    const actions = allActions(verifierStatements);
    for (const forbidden of ['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:DeleteTable', 'dynamodb:BatchWriteItem', 'sqs:ReceiveMessage',
      'sqs:DeleteMessage', 'sqs:PurgeQueue', 's3:GetObject', 's3:ListBucket', 's3:DeleteObject', 'secretsmanager:PutSecretValue']) {
      expect(actions).not.toContain(forbidden);
    }
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('only X-Ray has Resource "*" (AWS offers no resource-level permission for it)', () => {
    for (const s of verifierStatements.filter((st) => JSON.stringify(st.Resource).includes('"*"'))) {
      expect(actionsOf(s).every((a) => a.startsWith('xray:'))).toBe(true);
    }
  });

  it('the verifier reads exactly the providers\' secrets and sends to exactly their queues', () => {
    const secrets = verifierStatements.find((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))!;
    expect(actionsOf(secrets)).toEqual(['secretsmanager:GetSecretValue']);
    expect(secrets.Resource).toEqual(expect.arrayContaining(PROVIDERS.map((id) => ({ Ref: `Secret${pascalCase(id)}` }))));
    expect(secrets.Resource).toHaveLength(PROVIDERS.length);

    const send = verifierStatements.find((s) => actionsOf(s).includes('sqs:SendMessage'))!;
    expect(actionsOf(send)).toEqual(['sqs:SendMessage']);
    expect(send.Resource).toEqual(expect.arrayContaining(PROVIDERS.map((id) => ({ 'Fn::GetAtt': [`Queue${pascalCase(id)}`, 'Arn'] }))));
    expect(send.Resource).toHaveLength(PROVIDERS.length);
  });

  it('the verifier writes only ledger entries (EVT# partitions) of the one table and puts only into the claim-check bucket', () => {
    const ledger = verifierStatements.find((s) => actionsOf(s).includes('dynamodb:PutItem'))!;
    expect(ledger.Resource).toEqual({ 'Fn::GetAtt': ['LedgerTable', 'Arn'] });
    expect(ledger.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EVT#*'] } });
    const put = verifierStatements.find((s) => actionsOf(s).includes('s3:PutObject'))!;
    expect(actionsOf(put)).toEqual(['s3:PutObject']);
    const folders = (put.Resource as { 'Fn::Join': [string, [unknown, string]] }[]).map((r) => r['Fn::Join'][1]);
    expect(folders.every((f) => JSON.stringify(f).includes('ClaimCheckBucket'))).toBe(true);
    expect(folders.map((f) => f[1]).sort()).toEqual([...PROVIDERS, 'spool'].map((folder) => `/${folder}/*`).sort());
  });

  it('the verifier uses the data key only through DynamoDB, S3, SQS and Secrets Manager', () => {
    const kmsStatements = verifierStatements.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    expect(kmsStatements.length).toBeGreaterThan(0);
    for (const s of kmsStatements) {
      expect(s.Resource).toEqual(dataKey);
      expect(JSON.stringify(s.Condition)).toMatch(/kms:ViaService.*(dynamodb|s3|sqs|secretsmanager)\./);
    }
  });

  it('a processor reads only its own queue, gets only its provider\'s objects, writes only its archive, and updates only its provider\'s partitions', () => {
    const statements = roleStatements(template, logicalId(template, 'AWS::IAM::Role', 'PipelineSukiProcessorRole'));
    expect(allActions(statements)).toEqual([
      'dynamodb:UpdateItem',
      'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey',
      'logs:CreateLogStream', 'logs:PutLogEvents',
      's3:GetObject', 's3:PutObject',
      'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage',
      'sqs:SendMessage',
      'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
    ]);
    const sqsStatement = statements.find((s) => actionsOf(s).includes('sqs:ReceiveMessage'))!;
    expect(sqsStatement.Resource).toEqual({ 'Fn::GetAtt': ['QueueSuki', 'Arn'] });
    // It moves failed messages to its own DLQ: send only, that queue only, the data key only through SQS.
    const send = statements.filter((s) => actionsOf(s).includes('sqs:SendMessage'));
    expect(send).toHaveLength(1);
    expect(actionsOf(send[0]!)).toEqual(['sqs:SendMessage']);
    expect(send[0]!.Resource).toEqual({ 'Fn::GetAtt': ['DeadLetterQueueSuki', 'Arn'] });
    const generate = statements.filter((s) => actionsOf(s).includes('kms:GenerateDataKey'));
    expect(generate.length).toBeGreaterThan(0);
    // (S3: the archive objects it writes, lambdas/processor/archive.ts; test/infra/archive.test.ts.)
    for (const s of generate) expect(JSON.stringify(s.Condition)).toMatch(/kms:ViaService.*(dynamodb|s3|sqs)\./);
    // Every KMS grant through a service (SqsEventSource's unconditioned kms:Decrypt was not), every processor:
    // test/infra/least-privilege.test.ts.
    for (const s of statements.filter((st) => actionsOf(st).some((a) => a.startsWith('kms:')))) {
      expect(JSON.stringify(s.Condition)).toMatch(/kms:ViaService.*(dynamodb|s3|sqs)\./);
    }
    const get = statements.filter((s) => actionsOf(s).includes('s3:GetObject'));
    expect(get.map((s) => s.Resource)).toEqual([{ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['ClaimCheckBucket', 'Arn'] }, '/suki/*']] }]);
    const put = statements.filter((s) => actionsOf(s).includes('s3:PutObject'));
    expect(put.map((s) => s.Resource)).toEqual([{ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['ClaimCheckBucket', 'Arn'] }, '/archive/suki/*']] }]);
    const ledger = statements.find((s) => actionsOf(s).includes('dynamodb:UpdateItem'))!;
    expect(ledger.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EVT#suki#*', 'STATE#suki#*'] } });
  });

  it('no policy anywhere allows a wildcard action', () => {
    for (const [id, policy] of Object.entries(resources(template, 'AWS::IAM::Policy'))) {
      for (const s of policy.Properties!.PolicyDocument.Statement as Statement[]) {
        expect(actionsOf(s).filter((a) => a === '*' || a.endsWith(':*')), id).toEqual([]);
      }
    }
  });
});

describe('the spool sweeper', () => {
  const sweeperId = () => logicalId(template, 'AWS::Lambda::Function', 'SpoolSweeperFunction');
  const statements = () => roleStatements(template, logicalId(template, 'AWS::IAM::Role', 'SpoolSweeperRole'));
  const objectsUnder = (prefix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['ClaimCheckBucket', 'Arn'] }, `/${prefix}`]] });

  it('runs every minute from an EventBridge schedule, without retries, with a timeout under the minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [sweeperId(), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', FunctionName: { 'Fn::GetAtt': [sweeperId(), 'Arn'] },
    });
    const sweeper = resources(template, 'AWS::Lambda::Function')[sweeperId()]!;
    expect(sweeper.Properties!.Timeout).toBeLessThan(60);
  });

  it('knows the bucket and exactly the provider queues', () => {
    const env = resources(template, 'AWS::Lambda::Function')[sweeperId()]!.Properties!.Environment.Variables;
    expect(Object.keys(env).sort()).toEqual(['CLAIM_CHECK_BUCKET', 'NODE_OPTIONS', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME', 'QUEUE_URLS']);
    expect(env.CLAIM_CHECK_BUCKET).toEqual({ Ref: 'ClaimCheckBucket' });
    const queueRefs = JSON.stringify(env.QUEUE_URLS);
    for (const id of PROVIDERS) expect(queueRefs).toContain(`"Queue${pascalCase(id)}"`);
    expect(queueRefs).not.toContain('DeadLetterQueue');
  });

  it('may list, read and delete under spool/ only, send to the provider queues only, and use the key only through S3 and SQS', () => {
    expect([...new Set(statements().flatMap(actionsOf))].sort()).toEqual([
      'kms:Decrypt', 'kms:GenerateDataKey',
      'logs:CreateLogStream', 'logs:PutLogEvents',
      's3:DeleteObject', 's3:GetObject', 's3:ListBucket',
      'sqs:SendMessage',
      'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
    ]);
    const list = statements().find((s) => actionsOf(s).includes('s3:ListBucket'))!;
    expect(actionsOf(list)).toEqual(['s3:ListBucket']);
    expect(list.Resource).toEqual({ 'Fn::GetAtt': ['ClaimCheckBucket', 'Arn'] });
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['spool/*'] } });
    const objects = statements().find((s) => actionsOf(s).includes('s3:GetObject'))!;
    expect(actionsOf(objects).sort()).toEqual(['s3:DeleteObject', 's3:GetObject']);
    expect(objects.Resource).toEqual(objectsUnder('spool/*'));
    const send = statements().find((s) => actionsOf(s).includes('sqs:SendMessage'))!;
    expect(actionsOf(send)).toEqual(['sqs:SendMessage']);
    expect(send.Resource).toEqual(expect.arrayContaining(PROVIDERS.map((id) => ({ 'Fn::GetAtt': [`Queue${pascalCase(id)}`, 'Arn'] }))));
    expect(send.Resource).toHaveLength(PROVIDERS.length);
    for (const s of statements().filter((st) => actionsOf(st).some((a) => a.startsWith('kms:')))) {
      expect(s.Resource).toEqual(dataKey);
      expect(JSON.stringify(s.Condition)).toMatch(/kms:ViaService.*(s3|sqs)\./);
    }
  });

  it('the verifier\'s PutObject covers spool/ and each provider\'s prefix, not archive/ nor the whole bucket', () => {
    const put = verifierStatements.find((s) => actionsOf(s).includes('s3:PutObject'))!;
    expect(put.Resource).toContainEqual(objectsUnder('spool/*'));
    expect(put.Resource).not.toContainEqual(objectsUnder('*'));
    expect(put.Resource).not.toContainEqual(objectsUnder('archive/*'));
  });
});

describe('the HTTP API', () => {
  it('has no CORS configuration', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', CorsConfiguration: Match.absent() });
  });

  it('has one POST /webhooks/<id> route per enabled provider, to the verifier with payload format 2.0', () => {
    const routeKeys = Object.values(resources(template, 'AWS::ApiGatewayV2::Route')).map((r) => r.Properties!.RouteKey);
    expect(routeKeys.sort()).toEqual(PROVIDERS.map((id) => `POST /webhooks/${id}`).sort());
    expect(Object.keys(resources(template, 'AWS::ApiGatewayV2::Integration'))).toHaveLength(1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  });

  it('throttles the default stage from config and writes JSON access logs without bodies or headers', () => {
    const stage = Object.values(resources(template, 'AWS::ApiGatewayV2::Stage'))[0]!.Properties!;
    expect(stage).toMatchObject({ StageName: '$default', AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 } });
    const format = JSON.parse(stage.AccessLogSettings.Format);
    expect(Object.keys(format)).toEqual(expect.arrayContaining(['requestId', 'ip', 'routeKey', 'status', 'responseLatency', 'responseLength', 'integrationError']));
    expect(stage.AccessLogSettings.Format).not.toMatch(/body|header|querystring/i);
    expect(stage.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [logicalId(template, 'AWS::Logs::LogGroup', 'IngressAccessLogs'), 'Arn'] });
  });
});

describe('alarms', () => {
  const alarms = () => Object.entries(resources(template, 'AWS::CloudWatch::Alarm'));
  const topic = () => ({ Ref: logicalId(template, 'AWS::SNS::Topic', 'MonitoringAlarmTopic') });

  it('five stack alarms plus ten per provider', () => {
    expect(alarms()).toHaveLength(5 + 10 * PROVIDERS.length);
  });

  it('alarms when a spooled message waits more than 300 s, and when the sweeper keeps failing', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'WebhookReceiver', MetricName: 'SpoolOldestAgeSeconds', Statistic: 'Maximum', Period: 300,
      Threshold: 300, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp('Runbook: docs/runbook.md#spool$'),
    });
    const age = alarms().find(([, a]) => a.Properties!.MetricName === 'SpoolOldestAgeSeconds')![1];
    expect(age.Properties!.Dimensions).toBeUndefined();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(template, 'AWS::Lambda::Function', 'SpoolSweeperFunction') } }],
      Statistic: 'Sum', Period: 300, Threshold: 0, EvaluationPeriods: 2, AlarmDescription: Match.stringLikeRegexp('Runbook: docs/runbook.md#spool$'),
    });
  });

  it('alarms per provider on the verifier\'s UnrecognizedEvent and LedgerBypass, any in 5 minutes', () => {
    for (const metricName of ['UnrecognizedEvent', 'LedgerBypass']) {
      for (const id of PROVIDERS) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'WebhookReceiver', MetricName: metricName, Dimensions: [{ Name: 'provider', Value: id }],
          Statistic: 'Sum', Period: 300, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold',
          AlarmDescription: Match.stringLikeRegexp(`Runbook: docs/runbook.md#${metricName === 'LedgerBypass' ? 'ledger-bypass' : 'unrecognized-event'}$`),
        });
      }
    }
  });

  it('every alarm notifies the topic when it fires and when it recovers', () => {
    for (const [id, alarm] of alarms()) {
      expect(alarm.Properties!.AlarmActions, id).toEqual([topic()]);
      expect(alarm.Properties!.OKActions, id).toEqual([topic()]);
    }
  });

  it('every alarm description names a runbook section from docs/architecture.md, and every section is used', () => {
    const used = new Set<string>();
    for (const [id, alarm] of alarms()) {
      const match = /docs\/runbook\.md#([a-z0-9-]+)$/.exec(alarm.Properties!.AlarmDescription);
      expect(match, id).not.toBeNull();
      expect(RUNBOOK_ANCHORS, id).toContain(match![1]);
      used.add(match![1]!);
    }
    // The canary's and vendor silence's sections are used in test/infra/canary.test.ts (canary on, an expectation set).
    const elsewhere = ['canary-failed', 'vendor-silence'];
    expect([...used].sort()).toEqual([...RUNBOOK_ANCHORS].filter((a) => !elsewhere.includes(a)).sort());
  });

  it('the signature-failure rate ignores fewer requests than the minimum volume', () => {
    const alarm = alarms().find(([id]) => id.includes('SignatureFailureRateSully'))![1];
    const expression = alarm.Properties!.Metrics.find((m: { Expression?: string }) => m.Expression).Expression as string;
    expect(expression).toBe('IF(FILL(accepted, 0) + FILL(duplicate, 0) + FILL(failures, 0) >= 10, 100 * FILL(failures, 0) / (FILL(accepted, 0) + FILL(duplicate, 0) + FILL(failures, 0)), 0)');
    expect(alarm.Properties!.Threshold).toBe(20);
    const dims = alarm.Properties!.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat).map((m: any) => m.MetricStat.Metric);
    expect(dims).toEqual(expect.arrayContaining([
      { Namespace: 'WebhookReceiver', MetricName: 'SignatureFailure', Dimensions: [{ Name: 'provider', Value: 'sully' }] },
    ]));
  });

  it('alarms on any message in each DLQ and on p99 verifier latency above 8 s', () => {
    for (const id of PROVIDERS) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [`DeadLetterQueue${pascalCase(id)}`, 'QueueName'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Duration', ExtendedStatistic: 'p99', Threshold: 8000 });
  });

  it('has a dashboard', () => {
    expect(Object.keys(resources(template, 'AWS::CloudWatch::Dashboard'))).toHaveLength(1);
  });
});

describe('names and identities', () => {
  it('sets no physical name on any resource', () => {
    const physicalNames: Record<string, string[]> = {
      'AWS::DynamoDB::Table': ['TableName'],
      'AWS::SQS::Queue': ['QueueName'],
      'AWS::Lambda::Function': ['FunctionName'],
      'AWS::S3::Bucket': ['BucketName'],
      'AWS::SNS::Topic': ['TopicName'],
      'AWS::SecretsManager::Secret': ['Name'],
      'AWS::IAM::Role': ['RoleName'],
      'AWS::Logs::LogGroup': ['LogGroupName'],
      'AWS::CloudWatch::Alarm': ['AlarmName'],
      'AWS::CloudWatch::Dashboard': ['DashboardName'],
      'AWS::ApiGatewayV2::Api': [],
    };
    for (const [id, resource] of Object.entries(resources(template))) {
      for (const prop of physicalNames[resource.Type] ?? []) {
        expect(resource.Properties?.[prop], `${id}.${prop}`).toBeUndefined();
      }
    }
    expect(Object.keys(resources(template, 'AWS::KMS::Alias'))).toEqual([]);
  });

  it('keeps the logical IDs of stateful resources fixed', () => {
    const expected: Record<string, string> = {
      LedgerTable: 'AWS::DynamoDB::Table',
      ClaimCheckBucket: 'AWS::S3::Bucket',
      ClaimCheckAccessLogsBucket: 'AWS::S3::Bucket',
      DataKey: 'AWS::KMS::Key',
      TelemetryKey: 'AWS::KMS::Key',
      ...Object.fromEntries(PROVIDERS.flatMap((id) => [
        [`Queue${pascalCase(id)}`, 'AWS::SQS::Queue'],
        [`DeadLetterQueue${pascalCase(id)}`, 'AWS::SQS::Queue'],
        [`Secret${pascalCase(id)}`, 'AWS::SecretsManager::Secret'],
      ])),
    };
    const all = resources(template);
    for (const [id, type] of Object.entries(expected)) expect(all[id]?.Type, id).toBe(type);
  });

  it('outputs what the ops CLI looks up, under fixed names', () => {
    const outputs = Object.keys(template.toJSON().Outputs);
    expect(outputs.sort()).toEqual([
      'AlarmTopicArn', 'ApiUrl', 'ClaimCheckBucketName', 'LedgerTableName',
      ...PROVIDERS.flatMap((id) => [`DeadLetterQueueUrl${pascalCase(id)}`, `QueueUrl${pascalCase(id)}`, `SecretArn${pascalCase(id)}`]),
    ].sort());
    template.hasOutput('QueueUrlStandardWebhooks', { Value: { Ref: 'QueueStandardWebhooks' } });
    template.hasOutput('SecretArnSully', { Value: { Ref: 'SecretSully' } });
    template.hasOutput('LedgerTableName', { Value: { Ref: 'LedgerTable' } });
  });

  it('lets dev stacks be deleted with their data', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
  });
});
