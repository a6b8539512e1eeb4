/**
 * The local stack with fault injection (LOCAL_FAULTS=1, local/fault-proxy.ts) for the fault, fuzz,
 * privacy and concurrency tests and the end-to-end bench: started with the e2e helpers as a child process on
 * a free port in a temporary state directory, plus what those tests read back: the fault admin API, the
 * SendMessage calls the verifier got a 200 for, the ledger, the processors' log lines, queue depths, and a
 * DLQ redrive (SQS StartMessageMoveTask, as an operator would after an outage).
 */
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ListMessageMoveTasksCommand, SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretsFile } from '../../../../local/runtime-files.ts';
import { startLocalStack, type LocalStack } from '../../e2e/support/local-stack.ts';
import { Client, sleep } from './http.ts';
import type { EnqueuedRecord } from '../../../../local/fault-proxy.ts';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** What the runner's admin endpoint lists: every SendMessage or spool object a stand-in stored. */
export type { EnqueuedRecord };

export type CallStats = Record<string, Record<string, Record<string, { calls: number; faulted: number }>>>;

export interface LedgerEntry {
  readonly provider: string;
  readonly dedupeKey: string;
  readonly status: string;
  readonly claims: number;
  readonly attempts: number;
}

export interface ProcessorLogCounts {
  /** `provider dedupeKey` → number of `event processed` lines (the processed transition). */
  readonly processed: Map<string, number>;
  /** `provider dedupeKey` → number of `duplicate delivery` lines. */
  readonly duplicates: Map<string, number>;
  readonly failures: number;
}

export const eventId = (provider: string, dedupeKey: string) => `${provider} ${dedupeKey}`;

export interface FaultStackOptions {
  readonly env?: Record<string, string>;
  /** Keep the runner's own Secrets Manager and S3 stand-ins (faster) unless true. @default false */
  readonly moto?: boolean;
  /** @default true */
  readonly faults?: boolean;
  readonly maxSockets?: number;
}

export class FaultStack {
  readonly client: Client;
  readonly secrets: SecretsFile;
  readonly #dynamodb: DynamoDBClient;
  readonly #sqs: SQSClient;
  readonly #s3: S3Client;

  private constructor(readonly stack: LocalStack, maxSockets: number) {
    this.client = new Client(stack.url, maxSockets);
    this.secrets = JSON.parse(readFileSync(join(stack.stateDir, 'secrets.json'), 'utf8')) as SecretsFile;
    this.#dynamodb = new DynamoDBClient({ endpoint: stack.runtime.endpoints.dynamodb, region: stack.runtime.region, credentials: CREDENTIALS });
    this.#sqs = new SQSClient({ endpoint: stack.runtime.endpoints.sqs, region: stack.runtime.region, credentials: CREDENTIALS });
    this.#s3 = new S3Client({ endpoint: stack.runtime.endpoints.s3, region: stack.runtime.region, credentials: CREDENTIALS, forcePathStyle: true });
  }

  static async start(options: FaultStackOptions = {}): Promise<FaultStack> {
    const stateDir = mkdtempSync(join(tmpdir(), 'local-stack-faults-'));
    const stack = await startLocalStack({
      stateDir,
      args: ['--fresh'],
      env: {
        PORT: '0',
        LOCAL_USE_MOTO: options.moto ? '1' : '0',
        ...(options.faults === false ? {} : { LOCAL_FAULTS: '1' }),
        ...options.env,
      },
    });
    return new FaultStack(stack, options.maxSockets ?? 64);
  }

  get url(): string {
    return this.stack.url;
  }

  get providers(): string[] {
    return Object.keys(this.stack.runtime.providers);
  }

  async faults(request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const reply = await this.client.send({ path: '/__local/faults', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request), timeoutMs: 15_000 });
    if (reply.status !== 200) throw new Error(`POST /__local/faults answered ${reply.status ?? reply.error}: ${reply.body}`);
    return JSON.parse(reply.body) as Record<string, unknown>;
  }

  async calls(): Promise<CallStats> {
    const reply = await this.client.send({ method: 'GET', path: '/__local/faults', timeoutMs: 15_000 });
    if (reply.status !== 200) throw new Error(`GET /__local/faults answered ${reply.status ?? reply.error}`);
    return (JSON.parse(reply.body) as { calls: CallStats }).calls;
  }

  async enqueued(): Promise<EnqueuedRecord[]> {
    const reply = await this.client.send({ method: 'GET', path: '/__local/faults/enqueued', timeoutMs: 15_000 });
    if (reply.status !== 200) throw new Error(`GET /__local/faults/enqueued answered ${reply.status ?? reply.error}`);
    return (JSON.parse(reply.body) as { enqueued: EnqueuedRecord[] }).enqueued;
  }

  /** Every event ledger entry (Scan, straight to dynalite: never through a fault). */
  async ledger(): Promise<Map<string, LedgerEntry>> {
    const entries = new Map<string, LedgerEntry>();
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.#dynamodb.send(new ScanCommand({ TableName: this.stack.runtime.table, ...(start ? { ExclusiveStartKey: start } : {}) }));
      for (const item of out.Items ?? []) {
        if (!item.pk?.S?.startsWith('EVT#')) continue;
        const provider = item.provider?.S ?? '';
        const dedupeKey = item.dedupeKey?.S ?? item.sk?.S ?? '';
        entries.set(eventId(provider, dedupeKey), {
          provider,
          dedupeKey,
          status: item.status?.S ?? '',
          claims: Number(item.claims?.N ?? 0),
          attempts: Number(item.attempts?.N ?? 0),
        });
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return entries;
  }

  logFiles(): string[] {
    const dir = join(this.stack.stateDir, 'logs');
    return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
  }

  /** The processors' own JSON log lines, counted per event. */
  processorLogs(): ProcessorLogCounts {
    const processed = new Map<string, number>();
    const duplicates = new Map<string, number>();
    let failures = 0;
    for (const file of this.logFiles().filter((f) => /processor-.*\.log$/.test(f))) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.startsWith('{')) continue;
        let record: { message?: string; dedupeKey?: string; service?: string };
        try {
          record = JSON.parse(line) as typeof record;
        } catch {
          continue;
        }
        const provider = (record.service ?? '').replace(/^processor-/, '');
        if (record.message === 'event processed' && record.dedupeKey !== undefined) {
          const id = eventId(provider, record.dedupeKey);
          processed.set(id, (processed.get(id) ?? 0) + 1);
        } else if (record.message?.startsWith('duplicate delivery') && record.dedupeKey !== undefined) {
          const id = eventId(provider, record.dedupeKey);
          duplicates.set(id, (duplicates.get(id) ?? 0) + 1);
        } else if (record.message === 'event processing failed') {
          failures++;
        }
      }
    }
    return { processed, duplicates, failures };
  }

  async #depth(queueUrl: string): Promise<number> {
    const out = await this.#sqs.send(new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }));
    const a = out.Attributes ?? {};
    return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
  }

  async #arn(queueUrl: string): Promise<string> {
    const out = await this.#sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    return out.Attributes!.QueueArn!;
  }

  /** Messages in each provider's queue and DLQ; `queued` includes the spool (SendMessage refused, not yet swept). */
  async depths(): Promise<{ queued: number; deadLettered: Record<string, number>; spooled: number }> {
    const spooled = await this.#spooled();
    let queued = spooled;
    const deadLettered: Record<string, number> = {};
    for (const [id, p] of Object.entries(this.stack.runtime.providers)) {
      queued += await this.#depth(p.queueUrl);
      const dead = await this.#depth(p.deadLetterQueueUrl);
      if (dead > 0) deadLettered[id] = dead;
    }
    return { queued, deadLettered, spooled };
  }

  /** Objects under `spool/` in the claim-check bucket: events the sweeper has still to send. */
  async #spooled(): Promise<number> {
    const out = await this.#s3.send(new ListObjectsV2Command({ Bucket: this.stack.runtime.bucket, Prefix: 'spool/' }));
    return out.KeyCount ?? out.Contents?.length ?? 0;
  }

  /** Moves every DLQ message back to its queue (StartMessageMoveTask); resolves how many it moved. */
  async redrive(): Promise<number> {
    let moved = 0;
    for (const p of Object.values(this.stack.runtime.providers)) {
      const dead = await this.#depth(p.deadLetterQueueUrl);
      if (dead === 0) continue;
      const sourceArn = await this.#arn(p.deadLetterQueueUrl);
      await this.#sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: await this.#arn(p.queueUrl) }));
      const deadline = Date.now() + 30_000;
      for (;;) {
        const tasks = await this.#sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn }));
        const running = (tasks.Results ?? []).some((t) => t.Status === 'RUNNING');
        // Done when our task (the newest: one at a time per source) completed: a message that fails again at
        // once (a drill with a short retry budget) may already be back in the DLQ, so its depth need not be 0.
        if (!running && (tasks.Results?.[0]?.Status === 'COMPLETED' || (await this.#depth(p.deadLetterQueueUrl)) === 0)) break;
        if (Date.now() > deadline) throw new Error('the DLQ redrive did not finish in 30 s');
        await sleep(100);
      }
      moved += dead;
    }
    return moved;
  }

  /**
   * Waits until every queue is empty (nothing visible, in flight or delayed) for two checks in a row,
   * redriving the DLQs whenever they hold messages. Resolves the number of messages redriven.
   */
  async drain(timeoutMs = 180_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let redriven = 0;
    let quiet = 0;
    while (quiet < 2) {
      if (Date.now() > deadline) throw new Error(`the queues did not drain in ${timeoutMs / 1000} s: ${JSON.stringify(await this.depths())}`);
      const { queued, deadLettered } = await this.depths();
      if (Object.keys(deadLettered).length > 0) {
        redriven += await this.redrive();
        quiet = 0;
      } else if (queued === 0) {
        quiet++;
      } else {
        quiet = 0;
      }
      await sleep(400);
    }
    return redriven;
  }

  /** Everything the stack printed or logged: runner stdout and stderr, and every file in <state dir>/logs/. */
  everythingLogged(): { name: string; text: string }[] {
    return [
      { name: 'runner stdout', text: this.stack.stdout() },
      { name: 'runner stderr', text: this.stack.stderr() },
      ...this.logFiles().map((file) => ({ name: file, text: readFileSync(file, 'utf8') })),
    ];
  }

  async stop(options: { keep?: boolean } = {}): Promise<number | string> {
    this.client.close();
    this.#dynamodb.destroy();
    this.#sqs.destroy();
    this.#s3.destroy();
    const code = await this.stack.stop();
    if (!options.keep) rmSync(this.stack.stateDir, { recursive: true, force: true });
    return code;
  }
}
