/**
 * The AWS services of the local stack, all on 127.0.0.1: dynalite (DynamoDB, in-process, persisted under
 * the state directory) and local-aws-sqs (SQS, in-process, in memory) always; Secrets Manager and S3 from
 * moto_server when it is available, else from the runner's own minimal stand-ins. The handlers reach them
 * only through AWS_ENDPOINT_URL_<SERVICE> (see main.ts), never through code of their own.
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLedgerTable } from './ledger-table.ts';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { createRequestHandler } from 'local-aws-sqs';
import { S3StandIn } from './s3-stand-in.ts';
import { honourVisibilityChangesOnNewQueues } from './sqs-visibility.ts';
import { SecretsManagerStandIn } from './secrets-manager-stand-in.ts';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from './settings.ts';
import { closeServer, listenOnLoopback } from './loopback.ts';

export interface Service {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** SDK client options for the runner's own admin calls (the handlers read the environment instead). */
export function clientConfig(endpoint: string) {
  return { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 };
}


type DynaliteFactory = (options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

/** dynalite with the data in `path` (LevelDB) or in memory. Fails clearly when another runner holds the directory. */
export async function startDynalite(path: string | undefined): Promise<Service> {
  // dynalite ships no type definitions; a non-literal specifier keeps the import typed by us.
  const moduleName: string = 'dynalite';
  const { default: dynalite } = (await import(moduleName)) as { default: DynaliteFactory };
  const server = dynalite({ ...(path ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const endpoint = await listenOnLoopback(server);
  return { endpoint, stop: () => closeServer(server) };
}

/** Creates the ledger table unless it survived from an earlier run (dynalite persists it). */
export async function ensureLedgerTable(endpoint: string, tableName: string): Promise<'created' | 'existing'> {
  const client = new DynamoDBClient(clientConfig(endpoint));
  try {
    try {
      await client.send(new DescribeTableCommand({ TableName: tableName }));
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

/**
 * Tells the runner's event sources when a queue got messages, so that they poll it then, as Lambda's long
 * polling would return, instead of short-polling every queue all the time (local-aws-sqs's long poll waits
 * out WaitTimeSeconds even when messages are there).
 */
export interface QueueActivity {
  /** `listener` runs whenever a message is put on the queue (send, batch send, redrive, move task). Returns the unsubscribe. */
  onMessages(queueName: string, listener: () => void): () => void;
}

/**
 * local-aws-sqs, in memory, on a free loopback port: its own server (createSqsServer) without the
 * wrapper, so that the runner sees each queue's new messages (QueueActivity).
 */
export async function startSqs(): Promise<Service & { activity: QueueActivity }> {
  const { service, requestHandler } = createRequestHandler({
    port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT,
  });
  // The processor's backoff (ChangeMessageVisibility) must not count as receives (sqs-visibility.ts).
  honourVisibilityChangesOnNewQueues(service);
  const server = createHttpServer((req, res) => void requestHandler(req, res));
  const endpoint = await listenOnLoopback(server);
  // Queue URLs carry the port (createSqsServer does the same once listening).
  service.PORT = (server.address() as AddressInfo).port;
  const activity: QueueActivity = {
    onMessages(queueName, listener) {
      const queue = service.Queues.find((q) => q.QueueName === queueName);
      if (!queue) throw new Error(`no queue ${queueName} in local-aws-sqs`);
      // setRecord is how every new message enters a queue (SendMessage, SendMessageBatch, DLQ moves, redrives).
      const setRecord = queue.setRecord;
      queue.setRecord = (...args: Parameters<typeof setRecord>) => {
        const record = setRecord(...args);
        listener();
        return record;
      };
      return () => void (queue.setRecord = setRecord);
    },
  };
  return { endpoint, activity, stop: () => closeServer(server) };
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

async function freePort(): Promise<number> {
  const server = createServer();
  const { port } = new URL(await listenOnLoopback(server));
  await closeServer(server);
  return Number(port);
}

/** moto_server on a free port, its output to `logFile` (or discarded); resolves once it answers. */
export async function startMoto(executable: string, logFile?: string): Promise<Service & { child: ChildProcess }> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(executable, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', logFile ? 'pipe' : 'ignore', logFile ? 'pipe' : 'ignore'] });
  let log: ReturnType<typeof createWriteStream> | undefined;
  if (logFile) {
    mkdirSync(dirname(logFile), { recursive: true });
    log = createWriteStream(logFile, { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
    log?.end();
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return { endpoint, stop, child };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`moto_server did not start on port ${port}${logFile ? ` (see ${logFile})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
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
