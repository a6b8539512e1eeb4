/**
 * A local SQS event source mapping with ReportBatchItemFailures, as lib/ configures for each processor:
 * receive up to `batchSize` messages (with ApproximateReceiveCount and every message attribute), invoke
 * the processor with an SQS-shaped event, delete the records it did not report as failed (including those
 * the processor moved to the DLQ itself), and leave the failed ones to reappear after their visibility
 * timeout: the queue's, or the backoff delay the processor set with ChangeMessageVisibility (it logs it as
 * `retryDelaySeconds`); the queue's RedrivePolicy moves a message to the DLQ after maxReceiveCount receives. A function error or timeout fails the whole batch, and so does a
 * response naming an unknown item, as with Lambda.
 *
 * Short polls (local-aws-sqs's long poll waits out WaitTimeSeconds even when messages are available, and
 * can return one message twice in a batch, which real SQS does not), but only when messages can be there,
 * as Lambda's long polling returns when they arrive: after a full batch, after the queue got messages
 * (`activity`, from the SQS stand-in), when messages this source left undeleted become visible again, and
 * every IDLE_POLL_MS for anything else (ChangeMessageVisibility from outside, delayed messages). Without
 * `activity`, every IDLE_PAUSE_MS while the queue is empty.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { Invocation, LocalFunction, LogFacts } from './functions.ts';
import { formatOutcome, type Print } from './report.ts';
import { LOCAL_REGION } from './settings.ts';
import { SqsJsonClient } from './sqs-json-client.ts';
import type { QueueActivity } from './stand-ins.ts';

const IDLE_PAUSE_MS = 100;
const IDLE_POLL_MS = 1_000;
const ERROR_PAUSE_MS = 1_000;
/** After the visibility timeout of a message left on the queue: local-aws-sqs's timer has fired by then. */
const VISIBLE_AGAIN_SLACK_MS = 20;

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
  /** New messages on the queues (local-aws-sqs in the runner); without it the source polls an empty queue every IDLE_PAUSE_MS. */
  readonly activity?: QueueActivity;
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

/** The backoff delay the processor set on a failed message (ChangeMessageVisibility), if it did. */
function retryDelayOf(facts: LogFacts | undefined): number | undefined {
  const delay = facts?.['retryDelaySeconds'];
  return typeof delay === 'number' && Number.isFinite(delay) ? delay : undefined;
}

/** The processor's own log facts about one message (`event processed`, `duplicate delivery...`, `event processing failed`). */
function factsFor(messageId: string, facts: readonly LogFacts[]): LogFacts | undefined {
  return [...facts].reverse().find((f) => f['messageId'] === messageId);
}

function describe(record: SQSRecord, failed: boolean, invocation: Invocation, facts: readonly LogFacts[], maxReceiveCount: number): string {
  const own = factsFor(record.messageId, facts);
  const message = typeof own?.['message'] === 'string' ? own['message'] : '';
  const receives = Number(record.attributes.ApproximateReceiveCount) || 1;
  const ownError = typeof own?.['error'] === 'string' ? own['error'].split(':')[0]! : undefined;
  if (message === 'event processing failed' && own?.['disposition'] === 'dead-lettered') {
    return `failed, receive ${receives}, moved to the DLQ by the processor (${String(own['failureClass'])}: ${ownError ?? 'error'})`;
  }
  if (!failed) {
    if (message.startsWith('duplicate delivery')) return 'duplicate delivery (already processed)';
    const outcome = typeof own?.['outcome'] === 'string' ? own['outcome'] : undefined;
    return outcome ? `processed (${outcome})` : 'processed';
  }
  const why = invocation.kind === 'timeout' ? 'function timed out'
    : invocation.kind === 'crash' ? `function crashed (${invocation.errorName})`
    : ownError ?? (invocation.kind === 'error' ? `function error ${invocation.errorName}` : 'reported as failed');
  const delay = retryDelayOf(own);
  const next = receives >= maxReceiveCount ? 'moves to the DLQ' : delay !== undefined ? `retried in ${delay} s` : 'retried after the visibility timeout';
  return `failed, receive ${receives}/${maxReceiveCount}, ${next} (${why})`;
}

export class EventSource {
  readonly #client: SqsJsonClient;
  readonly #abort = new AbortController();
  #loop: Promise<void> | undefined;
  /** Counts the reasons to poll (new messages, messages visible again); a poll that began at count n saw those up to n. */
  #nudges = 0;
  #wake: (() => void) | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();
  #unsubscribe: (() => void) | undefined;

  constructor(private readonly options: EventSourceOptions) {
    this.#client = new SqsJsonClient(options.endpoint);
  }

  start(): void {
    const queueName = new URL(this.options.queueUrl).pathname.split('/').filter(Boolean).at(-1)!;
    this.#unsubscribe = this.options.activity?.onMessages(queueName, () => this.#nudge());
    this.#loop = this.#run();
  }

  #nudge(): void {
    this.#nudges++;
    this.#wake?.();
  }

  /** Waits `ms`, or (with `since`) until a nudge after the count `since`, whichever comes first. */
  async #pause(ms: number, since?: number): Promise<void> {
    const signal = this.#abort.signal;
    if (signal.aborted || (since !== undefined && this.#nudges !== since)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      if (since !== undefined) this.#wake = done;
    });
  }

  /**
   * Messages this source left on the queue become visible again after their visibility timeout, which runs
   * from `from`: the queue's from the receive, or a backoff the processor set during the invocation: poll then.
   */
  #pollWhenVisibleAgain(from: number, visibilitySeconds: number): void {
    const delay = Math.max(0, from + visibilitySeconds * 1000 + VISIBLE_AGAIN_SLACK_MS - Date.now());
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#nudge();
    }, delay);
    this.#timers.add(timer);
  }

  async #run(): Promise<void> {
    const { providerId, queueUrl, print } = this.options;
    let reportedError = false;
    while (!this.#abort.signal.aborted) {
      let messages: Message[];
      const seen = this.#nudges;
      try {
        messages = await this.#client.receiveMessage({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: this.options.batchSize,
          VisibilityTimeout: this.options.visibilityTimeoutSeconds,
          WaitTimeSeconds: 0,
          AttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }, { abortSignal: this.#abort.signal });
        reportedError = false;
      } catch (error) {
        if (this.#abort.signal.aborted) return;
        if (!reportedError) print(`event source ${providerId}: ReceiveMessage failed (${(error as Error).name}); retrying`);
        reportedError = true;
        await this.#pause(ERROR_PAUSE_MS);
        continue;
      }
      const receivedAt = Date.now();
      if (messages.length > 0) await this.#deliver(messages, receivedAt);
      if (!this.options.activity) {
        if (messages.length === 0) await this.#pause(IDLE_PAUSE_MS);
      } else if (messages.length < this.options.batchSize) {
        // A full batch may have left more behind; otherwise poll again once something arrived since this receive began.
        await this.#pause(IDLE_POLL_MS, seen);
      }
    }
  }

  /** `receivedAt`: when the receive answered (local-aws-sqs started the messages' visibility timeout before that). */
  async #deliver(messages: Message[], receivedAt: number): Promise<void> {
    const { providerId, queueUrl, queueArn, processor, print, maxReceiveCount } = this.options;
    const records = messages.map((m) => toRecord(m, queueArn));
    const event: SQSEvent = { Records: records };
    const invocation = await processor.invoke(event);
    const failed = failedIds(invocation, records);
    const facts = invocation.kind === 'result' || invocation.kind === 'error' ? invocation.facts : [];
    const done = records.filter((r) => !failed.has(r.messageId));
    let leftOnQueue = failed.size > 0;
    if (done.length > 0) {
      try {
        const out = await this.#client.deleteMessageBatch({
          QueueUrl: queueUrl,
          Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        });
        if ((out.Failed ?? []).length > 0) {
          leftOnQueue = true;
          print(`event source ${providerId}: ${out.Failed!.length} message(s) could not be deleted and will be delivered again`);
        }
      } catch (error) {
        leftOnQueue = true;
        print(`event source ${providerId}: DeleteMessageBatch failed (${(error as Error).name}); the batch will be delivered again`);
      }
    }
    if (leftOnQueue && this.options.activity) {
      // A failed record the processor re-timed is due after its own delay (counted from the end of the
      // invocation, at the latest), not after the queue's visibility timeout; any other after the queue's.
      const invoked = Date.now();
      const due = new Set<number | undefined>([...failed].map((id) => retryDelayOf(factsFor(id, facts))));
      for (const delay of due) {
        if (delay === undefined) this.#pollWhenVisibleAgain(receivedAt, this.options.visibilityTimeoutSeconds);
        else this.#pollWhenVisibleAgain(invoked, delay);
      }
      if (due.size === 0) this.#pollWhenVisibleAgain(receivedAt, this.options.visibilityTimeoutSeconds);
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
    this.#unsubscribe?.();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await this.#loop?.catch(() => undefined);
    this.#client.destroy();
  }
}
