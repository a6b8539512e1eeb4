/**
 * A local SQS event source mapping with ReportBatchItemFailures, as lib/ configures for each processor:
 * receive up to `batchSize` messages (with ApproximateReceiveCount and every message attribute), invoke
 * the processor with an SQS-shaped event, delete the records it did not report as failed, and leave the
 * failed ones to reappear after the visibility timeout; the queue's RedrivePolicy moves a message to the
 * DLQ after maxReceiveCount receives. A function error or timeout fails the whole batch, and so does a
 * response naming an unknown item, as with Lambda.
 *
 * Short polls with a pause when idle: local-aws-sqs's long poll waits out WaitTimeSeconds even when
 * messages are available (and can return one message twice in a batch), which real SQS does not.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { Invocation, LocalFunction, LogFacts } from './functions.ts';
import { formatOutcome, type Print } from './report.ts';
import { LOCAL_REGION } from './settings.ts';
import { clientConfig } from './stand-ins.ts';

const IDLE_PAUSE_MS = 100;
const ERROR_PAUSE_MS = 1_000;

export interface EventSourceOptions {
  readonly providerId: string;
  readonly endpoint: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly batchSize: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  /** A LocalFunction, or a drill.ts ReplaceableFunction around one. */
  readonly processor: Pick<LocalFunction, 'invoke'>;
  readonly print: Print;
}

export function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      stringListValues: [],
      binaryListValues: [],
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
    };
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'LOCAL',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

/**
 * Which records failed: the reported ones; all of them when the invocation failed or the response is
 * malformed (an empty, missing or unknown itemIdentifier), as Lambda's event source mapping decides.
 */
export function failedIds(invocation: Invocation, records: readonly SQSRecord[]): Set<string> {
  const all = new Set(records.map((r) => r.messageId));
  if (invocation.kind !== 'result') return all;
  const result = invocation.result as { batchItemFailures?: unknown } | null;
  if (result === null || typeof result !== 'object' || result.batchItemFailures === undefined || result.batchItemFailures === null) return new Set();
  if (!Array.isArray(result.batchItemFailures)) return all;
  const failed = new Set<string>();
  for (const item of result.batchItemFailures as { itemIdentifier?: unknown }[]) {
    const id = item?.itemIdentifier;
    if (typeof id !== 'string' || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}

/** The processor's own log facts about one message (`event processed`, `duplicate delivery...`, `event processing failed`). */
function factsFor(messageId: string, facts: readonly LogFacts[]): LogFacts | undefined {
  return [...facts].reverse().find((f) => f['messageId'] === messageId);
}

function describe(record: SQSRecord, failed: boolean, invocation: Invocation, facts: readonly LogFacts[], maxReceiveCount: number): string {
  const own = factsFor(record.messageId, facts);
  const message = typeof own?.['message'] === 'string' ? own['message'] : '';
  if (!failed) {
    if (message.startsWith('duplicate delivery')) return 'duplicate delivery (already processed)';
    const outcome = typeof own?.['outcome'] === 'string' ? own['outcome'] : undefined;
    return outcome ? `processed (${outcome})` : 'processed';
  }
  const receives = Number(record.attributes.ApproximateReceiveCount) || 1;
  const ownError = typeof own?.['error'] === 'string' ? own['error'].split(':')[0]! : undefined;
  const why = invocation.kind === 'timeout' ? 'function timed out'
    : invocation.kind === 'crash' ? `function crashed (${invocation.errorName})`
    : ownError ?? (invocation.kind === 'error' ? `function error ${invocation.errorName}` : 'reported as failed');
  const next = receives >= maxReceiveCount ? 'moves to the DLQ' : 'retried after the visibility timeout';
  return `failed, receive ${receives}/${maxReceiveCount}, ${next} (${why})`;
}

export class EventSource {
  readonly #client: SQSClient;
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(private readonly options: EventSourceOptions) {
    this.#client = new SQSClient(clientConfig(options.endpoint));
  }

  start(): void {
    this.#loop = this.#run();
  }

  async #pause(ms: number): Promise<void> {
    const signal = this.#abort.signal;
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async #run(): Promise<void> {
    const { providerId, queueUrl, print } = this.options;
    let reportedError = false;
    while (!this.#abort.signal.aborted) {
      let messages: Message[];
      try {
        const out = await this.#client.send(new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: this.options.batchSize,
          VisibilityTimeout: this.options.visibilityTimeoutSeconds,
          WaitTimeSeconds: 0,
          AttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }), { abortSignal: this.#abort.signal });
        messages = out.Messages ?? [];
        reportedError = false;
      } catch (error) {
        if (this.#abort.signal.aborted) return;
        if (!reportedError) print(`event source ${providerId}: ReceiveMessage failed (${(error as Error).name}); retrying`);
        reportedError = true;
        await this.#pause(ERROR_PAUSE_MS);
        continue;
      }
      if (messages.length === 0) {
        await this.#pause(IDLE_PAUSE_MS);
        continue;
      }
      await this.#deliver(messages);
    }
  }

  async #deliver(messages: Message[]): Promise<void> {
    const { providerId, queueUrl, queueArn, processor, print, maxReceiveCount } = this.options;
    const records = messages.map((m) => toRecord(m, queueArn));
    const event: SQSEvent = { Records: records };
    const invocation = await processor.invoke(event);
    const failed = failedIds(invocation, records);
    const facts = invocation.kind === 'result' || invocation.kind === 'error' ? invocation.facts : [];
    const done = records.filter((r) => !failed.has(r.messageId));
    if (done.length > 0) {
      try {
        const out = await this.#client.send(new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        }));
        if ((out.Failed ?? []).length > 0) print(`event source ${providerId}: ${out.Failed!.length} message(s) could not be deleted and will be delivered again`);
      } catch (error) {
        print(`event source ${providerId}: DeleteMessageBatch failed (${(error as Error).name}); the batch will be delivered again`);
      }
    }
    for (const record of records) {
      const eventType = record.messageAttributes['eventType']?.stringValue;
      print(formatOutcome({
        stage: 'processor',
        provider: providerId,
        ...(eventType ? { eventType } : {}),
        outcome: describe(record, failed.has(record.messageId), invocation, facts, maxReceiveCount),
        ms: invocation.durationMs,
      }));
    }
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop?.catch(() => undefined);
    this.#client.destroy();
  }
}
