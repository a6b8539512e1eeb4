/**
 * Bodies too large for an SQS message go here and the message carries a pointer (claim check).
 * Encrypted with the data key (S3 Bucket Key on, so KMS is called per bucket key, not per object),
 * TLS 1.2+ only, private, versioned, and emptied by lifecycle once no message can still point at a body.
 * Server access logs go to a second bucket for the audit trail.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { grantKeyVia } from './kms-grants.ts';

/** Fixed so that this PHI bucket survives construct-tree refactors, and so acknowledgments can name it. */
const BUCKET_LOGICAL_ID = 'ClaimCheckBucket';
/** The event archive's prefix in this bucket (lambdas/processor/archive.ts ARCHIVE_PREFIX). */
export const ARCHIVE_PREFIX = 'archive/';

export interface ClaimCheckBucketProps {
  readonly encryptionKey: kms.IKey;
  /** Days a body is kept; longer than a message can live in a queue and its DLQ. */
  readonly retentionDays: number;
  /**
   * Days an archive object (`archive/<provider id>/...`, lambdas/processor/archive.ts) is kept: ledgerRetentionDays,
   * at most `retentionDays` (the whole-bucket rule expires everything then, and an archived claim-checked event
   * points at its claim-check body).
   * @default retentionDays
   */
  readonly archiveRetentionDays?: number;
  /** Days the access logs are kept. */
  readonly accessLogRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  /**
   * Empty both buckets (every object version) when the stack deletes them, so that `cdk destroy` succeeds.
   * Needs removalPolicy DESTROY; dev only.
   * @default false
   */
  readonly autoDeleteObjects?: boolean;
}

export class ClaimCheckBucket extends Construct {
  public readonly bucket: s3.IBucket;
  public readonly accessLogsBucket: s3.IBucket;
  private readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: ClaimCheckBucketProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    const autoDeleteObjects = props.autoDeleteObjects ?? false;
    if (autoDeleteObjects && props.removalPolicy !== RemovalPolicy.DESTROY) {
      throw new Error('ClaimCheckBucket: autoDeleteObjects needs removalPolicy DESTROY (a retained bucket keeps its objects)');
    }

    // S3 delivers server access logs only to a bucket with SSE-S3 default encryption, not SSE-KMS.
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{
        expiration: Duration.days(props.accessLogRetentionDays),
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects,
    });
    (accessLogs.node.defaultChild as s3.CfnBucket).overrideLogicalId('ClaimCheckAccessLogsBucket');
    this.accessLogsBucket = accessLogs;

    const bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      lifecycleRules: [
        {
          id: 'ExpireBodies',
          expiration: Duration.days(props.retentionDays),
          // Versioning keeps overwritten or expired bodies as noncurrent versions: drop them a day later.
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          // The event archive (ops replay): one object per processor batch, kept as long as the ledger entries
          // that point at it. S3 applies the earliest of overlapping expirations, hence at most retentionDays.
          id: 'ExpireArchive',
          prefix: ARCHIVE_PREFIX,
          expiration: Duration.days(Math.min(props.archiveRetentionDays ?? props.retentionDays, props.retentionDays)),
          noncurrentVersionExpiration: Duration.days(1),
        },
        { id: 'RemoveDeleteMarkers', expiredObjectDeleteMarker: true },
      ],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects,
    });
    (bucket.node.defaultChild as s3.CfnBucket).overrideLogicalId(BUCKET_LOGICAL_ID);
    this.bucket = bucket;
    if (autoDeleteObjects) {
      // Emptying the claim-check bucket writes access logs: empty the log bucket only once that bucket is gone
      // (CloudFormation would otherwise empty both at once and then find new logs when deleting the log bucket).
      accessLogs.node.findChild('AutoDeleteObjectsCustomResource').node.addDependency(bucket);
    }

    const noReplication = 'Claim-check bodies are transient copies (expired by lifecycle) of webhooks whose senders retry and whose ledger entry records the SHA-256; copying PHI to a second region would widen exposure without a recovery need.';
    Validations.of(bucket).acknowledge({ id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: noReplication });
    Validations.of(accessLogs).acknowledge(
      { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: 'Access logs of a transient-body bucket in the same account; they hold object keys and request metadata, not bodies, and are kept for audit by lifecycle here.' },
      { id: 'HIPAA.Security-S3DefaultEncryptionKMS', reason: 'S3 server access logging delivers only to buckets whose default encryption is SSE-S3 (AES-256); SSE-KMS is not supported for log delivery.' },
    );
  }

  /**
   * The verifier writes bodies above the claim-check threshold, and spooled messages under `spool/` when
   * SendMessage fails (PutObject only: no list, read or delete).
   */
  /**
   * The verifier writes claim-check bodies under each enabled provider's prefix and spooled messages under
   * `spool/`: PutObject under exactly those prefixes (`archive/` and anything else stay out of its reach).
   */
  grantPut(grantee: iam.IGrantable, prefixes: readonly string[]): void {
    const folders = prefixes.map((prefix) => prefix.replace(/\/+$/, ''));
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: folders.map((folder) => this.bucket.arnForObjects(`${folder}/*`)),
    }));
    if (Construct.isConstruct(grantee.grantPrincipal)) {
      Validations.of(grantee.grantPrincipal).acknowledge(...folders.map((folder) => ({
        id: `AwsSolutions-IAM5[Resource::<${BUCKET_LOGICAL_ID}.Arn>/${folder}/*]`,
        reason: `The verifier writes ${folder === 'spool' ? 'the messages SQS refused (the spool)' : `'${folder}' claim-check bodies`} under \`${folder}/\`, one object per event with a generated key, so PutObject names every object under that prefix; no other prefix, bucket, or read, list, delete or ACL action.`,
      })));
    }
    grantKeyVia(grantee, this.encryptionKey, 's3', ['kms:GenerateDataKey']);
  }

  /**
   * A processor reads the body a message points at: GetObject only, under its own provider's prefix only
   * (claim-check keys are `<provider id>/<day>/<hash>`), and the data key only through S3.
   */
  grantGet(grantee: iam.IGrantable, prefix: string): void {
    if (!/^[a-z0-9-]+\/$/.test(prefix)) throw new Error(`ClaimCheckBucket.grantGet: prefix must be '<provider id>/' (got '${prefix}')`);
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [this.bucket.arnForObjects(`${prefix}*`)],
    }));
    if (Construct.isConstruct(grantee.grantPrincipal)) {
      Validations.of(grantee.grantPrincipal).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${BUCKET_LOGICAL_ID}.Arn>/${prefix}*]`,
        reason: `Claim-check object keys are generated per event under the provider's prefix, so GetObject names every object under ${prefix} of this one bucket and nothing outside it (not another provider's bodies, not spool/); no list, write, delete or ACL action.`,
      });
    }
    grantKeyVia(grantee, this.encryptionKey, 's3', ['kms:Decrypt']);
  }

  /**
   * A processor archives each batch it receives (lambdas/processor/archive.ts): PutObject only, under its own
   * provider's `archive/<provider id>/` only, and the data key only through S3 (GenerateDataKey for the
   * object's data key under the bucket key). No read, list or delete: only operators read the archive (ops replay).
   */
  grantArchivePut(grantee: iam.IGrantable, providerId: string): void {
    if (!/^[a-z0-9-]+$/.test(providerId)) throw new Error(`ClaimCheckBucket.grantArchivePut: not a provider id: '${providerId}'`);
    const prefix = `${ARCHIVE_PREFIX}${providerId}/`;
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: [this.bucket.arnForObjects(`${prefix}*`)],
    }));
    if (Construct.isConstruct(grantee.grantPrincipal)) {
      Validations.of(grantee.grantPrincipal).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${BUCKET_LOGICAL_ID}.Arn>/${prefix}*]`,
        reason: `Archive object keys are generated per batch (time and a random batch id) under ${prefix}, so PutObject names every object under that prefix of this one bucket and nothing outside it; no read, list, delete or ACL action.`,
      });
    }
    grantKeyVia(grantee, this.encryptionKey, 's3', ['kms:GenerateDataKey']);
  }

  /**
   * The spool sweeper (spool-sweeper.ts): lists `spool/` only, reads and deletes objects under `spool/` only,
   * and decrypts them through S3 only. No PutObject: it never writes a body.
   */
  grantSpoolSweep(grantee: iam.IGrantable, prefix: string): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
    }));
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:DeleteObject'],
      resources: [this.bucket.arnForObjects(`${prefix}*`)],
    }));
    grantKeyVia(grantee, this.encryptionKey, 's3', ['kms:Decrypt']);
    if (Construct.isConstruct(grantee.grantPrincipal)) {
      Validations.of(grantee.grantPrincipal).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${BUCKET_LOGICAL_ID}.Arn>/${prefix}*]`,
        reason: `Spool object keys are generated per event (provider, time, hash of the dedupe key), so GetObject and DeleteObject name every object under ${prefix} of this one bucket and nothing outside that prefix; ListBucket is limited to the same prefix by condition.`,
      });
    }
  }
}
