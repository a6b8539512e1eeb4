/**
 * The AWS services of the local stack, all on 127.0.0.1: dynalite (DynamoDB, in-process, persisted under
 * the state directory) and local-aws-sqs (SQS, in-process, in memory) always; Secrets Manager and S3 from
 * moto_server when it is available, else from the runner's own minimal stand-ins (tools/stand-ins/). The handlers reach them
 * only through AWS_ENDPOINT_URL_<SERVICE> (see main.ts), never through code of their own.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { addTimeIndexLocally, createLedgerTable, hasTimeIndex } from '../tools/stand-ins/ledger-table.ts';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { S3StandIn } from '../tools/stand-ins/s3-stand-in.ts';
import { SecretsManagerStandIn } from '../tools/stand-ins/secrets-manager-stand-in.ts';
import { startSqs as startSqsService, type QueueActivity, type Service } from '../tools/stand-ins/servers.ts';
import type { QueueInventory } from '../tools/stand-ins/sqs-inventory.ts';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from './settings.ts';

export { startDynalite, startMoto, type QueueActivity, type Service } from '../tools/stand-ins/servers.ts';

/** local-aws-sqs in the local account and region (queue URLs and ARNs as the runner reports them). */
export function startSqs(): Promise<Service & { activity: QueueActivity; inventory: QueueInventory }> {
  return startSqsService({ region: LOCAL_REGION, accountId: LOCAL_ACCOUNT });
}

/** SDK client options for the runner's own admin calls (the handlers read the environment instead). */
export function clientConfig(endpoint: string) {
  return { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 };
}


/** Creates the ledger table unless it survived from an earlier run (dynalite persists it). */
export async function ensureLedgerTable(endpoint: string, tableName: string): Promise<'created' | 'existing'> {
  const client = new DynamoDBClient(clientConfig(endpoint));
  try {
    try {
      await client.send(new DescribeTableCommand({ TableName: tableName }));
      // A table kept from a run before the time index existed gets it, its items carried over.
      if (!(await hasTimeIndex(client, tableName))) await addTimeIndexLocally(client, tableName);
      return 'existing';
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
    await createLedgerTable(client, tableName);
    return 'created';
  } finally {
    client.destroy();
  }
}

export interface ProviderQueues {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
}

/** A queue and its DLQ as lib/constructs/provider-pipeline.ts declares them: redrive after maxReceiveCount, 14-day DLQ retention. */
export async function createProviderQueues(endpoint: string, providerId: string, options: { maxReceiveCount: number; visibilityTimeoutSeconds: number }): Promise<ProviderQueues> {
  const client = new SQSClient(clientConfig(endpoint));
  try {
    const dlq = await client.send(new CreateQueueCommand({ QueueName: `webhooks-${providerId}-dlq`, Attributes: { MessageRetentionPeriod: String(14 * 86_400) } }));
    const dlqArn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    const queue = await client.send(new CreateQueueCommand({
      QueueName: `webhooks-${providerId}`,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: options.maxReceiveCount }),
      },
    }));
    const queueArn = (await client.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    if (!queue.QueueUrl || !dlq.QueueUrl || !queueArn) throw new Error(`could not create the queues of ${providerId}`);
    return { queueUrl: queue.QueueUrl, queueArn, deadLetterQueueUrl: dlq.QueueUrl };
  } finally {
    client.destroy();
  }
}

/** Where the provider secrets are stored: `put` behaves like CreateSecret / PutSecretValue (the replaced current becomes AWSPREVIOUS). */
export interface SecretStore {
  readonly endpoint: string;
  put(name: string, current: string, previous?: string): Promise<string>;
}

export function standInSecrets(standIn: SecretsManagerStandIn): SecretStore {
  return { endpoint: standIn.endpoint, put: async (name, current, previous) => standIn.put(name, current, previous) };
}

/** The values staged AWSCURRENT and AWSPREVIOUS (undefined where the stage is not attached). */
async function storedPair(client: SecretsManagerClient, arn: string): Promise<{ current?: string; previous?: string }> {
  const read = async (stage: string) => {
    try {
      return (await client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }))).SecretString;
    } catch {
      return undefined;
    }
  };
  const [current, previous] = await Promise.all([read('AWSCURRENT'), read('AWSPREVIOUS')]);
  return { ...(current !== undefined ? { current } : {}), ...(previous !== undefined ? { previous } : {}) };
}

/** Secrets in moto: the previous value first, then the current one, so that moto stages them AWSPREVIOUS and AWSCURRENT. */
export function motoSecrets(endpoint: string): SecretStore {
  const client = new SecretsManagerClient(clientConfig(endpoint));
  const arns = new Map<string, string>();
  const values = new Map<string, { current: string; previous?: string }>();
  return {
    endpoint,
    put: async (name, current, previous) => {
      const known = values.get(name);
      if (known && known.current === current && (previous === undefined || known.previous === previous)) return arns.get(name)!;
      let arn = arns.get(name);
      // `ops secret --local` changes the secret through the API and then mirrors it into the secrets file:
      // when moto already holds what the file says, writing it again would only add versions.
      if (arn) {
        const stored = await storedPair(client, arn);
        if (stored.current === current && (previous === undefined || stored.previous === previous)) {
          values.set(name, { current, ...(stored.previous !== undefined ? { previous: stored.previous } : {}) });
          return arn;
        }
      }
      const first = previous ?? (arn ? undefined : current);
      if (!arn) {
        arn = (await client.send(new CreateSecretCommand({ Name: name, SecretString: first }))).ARN!;
        arns.set(name, arn);
      } else if (first !== undefined) {
        await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: first }));
      }
      if (first !== current) await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: current }));
      values.set(name, { current, previous: previous ?? known?.current ?? (first !== current ? first : undefined) });
      return arn;
    },
  };
}

/** The claim-check bucket, in moto or in the S3 stand-in. */
export async function createBucket(endpoint: string, bucket: string): Promise<void> {
  const client = new S3Client({ ...clientConfig(endpoint), forcePathStyle: true });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((error as Error).name)) throw error;
  } finally {
    client.destroy();
  }
}

export { S3StandIn, SecretsManagerStandIn };
