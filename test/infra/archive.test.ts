/**
 * The event archive in the synthesized template (docs/architecture.md, "Archive and replay"): it lives under
 * `archive/` of the claim-check bucket, so it has that bucket's KMS encryption with the data key (bucket key
 * on), versioning, public access block and TLS-only policy, plus a lifecycle rule of its own (expiry after
 * ledgerRetentionDays, noncurrent versions a day later); each processor may PutObject only under its own
 * `archive/<provider id>/`, and no function may read it (ops replay reads it with operator credentials).
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { pascalCase } from '../../lib/naming.ts';
import { actionsOf, resources, roleStatements, synthesize, type Statement } from './synth.ts';

const PROVIDERS = ['stripe', 'sully'];
let template: Template;

const bucket = () => resources(template, 'AWS::S3::Bucket')['ClaimCheckBucket']!.Properties!;
const objectsUnder = (prefix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['ClaimCheckBucket', 'Arn'] }, `/${prefix}`]] });
const resourcesOf = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

function roleOf(functionPrefix: string): string {
  const [fn] = Object.entries(resources(template, 'AWS::Lambda::Function')).filter(([id]) => id.startsWith(functionPrefix));
  if (!fn) throw new Error(`no function ${functionPrefix}`);
  return (fn[1].Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

function allRoleStatements(): Statement[] {
  return Object.values(resources(template, 'AWS::IAM::Policy')).flatMap((p) => p.Properties!.PolicyDocument.Statement as Statement[]);
}

beforeAll(() => {
  ({ template } = synthesize({ providers: Object.fromEntries(PROVIDERS.map((id) => [id, {}])), ledgerRetentionDays: 21, claimCheckRetentionDays: 30 }));
}, 240_000);

describe('the archive (archive/ of the claim-check bucket)', () => {
  it('has a lifecycle rule of its own: expiry after ledgerRetentionDays, noncurrent versions a day later', () => {
    const rules = bucket().LifecycleConfiguration.Rules as Record<string, unknown>[];
    expect(rules.find((r) => r['Id'] === 'ExpireArchive')).toEqual({
      Id: 'ExpireArchive', Prefix: 'archive/', Status: 'Enabled', ExpirationInDays: 21, NoncurrentVersionExpiration: { NoncurrentDays: 1 },
    });
  });

  it('is capped by the bucket-wide expiry when the claim-check retention is shorter (S3 applies the earliest)', () => {
    const other = synthesize({ providers: { stripe: {} }, ledgerRetentionDays: 60, claimCheckRetentionDays: 30 }).template;
    const rules = resources(other, 'AWS::S3::Bucket')['ClaimCheckBucket']!.Properties!.LifecycleConfiguration.Rules as Record<string, unknown>[];
    expect(rules.find((r) => r['Id'] === 'ExpireArchive')).toMatchObject({ ExpirationInDays: 30 });
  }, 240_000);

  it('is encrypted with the data key (bucket key on), versioned and private', () => {
    const props = bucket();
    expect(props.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{
      BucketKeyEnabled: true,
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['DataKey', 'Arn'] } },
    }]);
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(props.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(props.LoggingConfiguration).toBeDefined();
  });

  it('is TLS-only: the bucket policy denies every request without aws:SecureTransport', () => {
    const [policy] = Object.values(resources(template, 'AWS::S3::BucketPolicy')).filter((p) => JSON.stringify(p.Properties!.Bucket) === JSON.stringify({ Ref: 'ClaimCheckBucket' }));
    const statements = policy!.Properties!.PolicyDocument.Statement as Statement[];
    expect(statements).toContainEqual(expect.objectContaining({
      Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      Resource: expect.arrayContaining([objectsUnder('*')]),
    }));
  });

  it.each(PROVIDERS)('the %s processor may PutObject under its own archive/<id>/ only, and read nothing there', (provider) => {
    const statements = roleStatements(template, roleOf(`Pipeline${pascalCase(provider)}ProcessorFunction`));
    const puts = statements.filter((s) => actionsOf(s).includes('s3:PutObject'));
    expect(puts.map((s) => [actionsOf(s), resourcesOf(s)])).toEqual([[['s3:PutObject'], [objectsUnder(`archive/${provider}/*`)]]]);
    const gets = statements.filter((s) => actionsOf(s).includes('s3:GetObject'));
    expect(gets.flatMap(resourcesOf)).toEqual([objectsUnder(`${provider}/*`)]);
    // The object's data key under the bucket key: through S3 only (CDK merges it with the claim-check read's Decrypt).
    const viaS3 = { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } } };
    const kms = statements.filter((s) => actionsOf(s).includes('kms:GenerateDataKey') && JSON.stringify(s.Condition) === JSON.stringify(viaS3));
    expect(kms.flatMap(resourcesOf)).toEqual([{ 'Fn::GetAtt': ['DataKey', 'Arn'] }]);
  });

  it('no function may read, list or delete the archive (only operators, with ops replay)', () => {
    for (const s of allRoleStatements()) {
      const actions = actionsOf(s);
      if (!actions.some((a) => a === 's3:GetObject' || a === 's3:DeleteObject' || a === 's3:ListBucket' || a === 's3:*')) continue;
      const text = JSON.stringify(resourcesOf(s));
      expect(text).not.toContain('/archive/');
      expect(text).not.toMatch(/ClaimCheckBucket","Arn"\]\},"\/\*"/);
    }
  });
});
