/**
 * Dead-letter queue mechanics for `ops dlq`: reading messages without consuming them, and moving them back
 * to the source queue without losing any.
 *
 * Reading: SQS has no peek. Messages are received with a short visibility timeout (so that a crash of
 * this tool hides them for seconds, not for long) and made visible again at once with
 * ChangeMessageVisibility 0. Nothing is deleted. What a read changes: SQS's ApproximateReceiveCount of
 * each message read goes up by one (the local SQS, local-aws-sqs, also counts the ChangeMessageVisibility:
 * two). The DLQ has no redrive policy of its own, so nothing acts on that count, and a read reports the
 * count as it was before the read (`receiveCount`), next to the processor's own `receiveCount` attribute
 * (receives in the queue before it set the message aside), which no read changes.
 *
 * Moving: SQS's own StartMessageMoveTask where the service offers it (all of one DLQ, at the queue's pace),
 * else receive → send to the source queue → delete from the DLQ. Send comes first: interrupted between the
 * two, a message is in both queues and is processed once anyway (the processor's ledger update is
 * conditional), never in neither. The fallback runs only when the move task never started: once SQS
 * accepted StartMessageMoveTask, an error while following it is reported (the task may still be moving
 * messages), never followed by a second move by hand, which could send messages twice.
 *
 * Watching: a redrive does not show the cause is fixed. `watchRedriven` reads the DLQ (as above) and asks
 * the caller (the ledger) which moved events were processed, until each is processed or back in the DLQ,
 * or the time is up. "Back" is by dedupe key (the verifier's `dedupeKey` attribute, else the envelope's):
 * the processor moves a failing message with a new message id, SQS (maxReceiveCount) with the copy's id.
 */
import {
  ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ListMessageMoveTasksCommand,
  ReceiveMessageCommand, SendMessageBatchCommand, StartMessageMoveTaskCommand, type Message, type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** What a DLQ read returns per message. `body` is the raw message (the envelope, which may hold PHI): print it only when asked. */
export interface DeadLetter {
  readonly messageId: string;
  readonly provider?: string;
  readonly eventType?: string;
  readonly dedupeKey?: string;
  /** SQS ApproximateReceiveCount before this read (what SQS reported, less this read's own receives). */
  readonly receiveCount: number;
  /** The processor's `receiveCount` attribute: receives in the queue before it moved the message here (no read changes it). */
  readonly queueReceiveCount?: number;
  /** SQS SentTimestamp (ISO). */
  readonly sentAt?: string;
  /** SQS ApproximateFirstReceiveTimestamp (ISO): the first delivery attempt, where SQS keeps it across the move to the DLQ. */
  readonly firstReceiveAt?: string;
  /** Set by the processor when it moved the message here itself: `permanent` or `transient` (budget spent). */
  readonly failureClass?: string;
  /** The processor's safe summary of why (field names and error classes, never body content). */
  readonly failureReason?: string;
  readonly body: string;
}

export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const out = await sqs.send(new GetQueueAttributesCommand({
    QueueUrl: queueUrl,
    AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
  }));
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

export async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error('GetQueueAttributes returned no QueueArn');
  return arn;
}

const iso = (epochMs: string | undefined): string | undefined => {
  const n = Number(epochMs);
  return epochMs !== undefined && Number.isFinite(n) && n > 0 ? new Date(n).toISOString() : undefined;
};

function attribute(message: Message, name: string): string | undefined {
  return message.MessageAttributes?.[name]?.StringValue;
}

/** Attributes first; the envelope's own fields where a message has none (they are ids, not body content). */
function describe(message: Message, reads = 1): DeadLetter {
  let envelope: { provider?: unknown; eventType?: unknown; dedupeKey?: unknown } = {};
  if (!message.MessageAttributes?.['dedupeKey']) {
    try {
      envelope = JSON.parse(message.Body ?? '') as typeof envelope;
    } catch {
      envelope = {};
    }
  }
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const provider = attribute(message, 'provider') ?? text(envelope.provider);
  const eventType = attribute(message, 'eventType') ?? text(envelope.eventType);
  const dedupeKey = attribute(message, 'dedupeKey') ?? text(envelope.dedupeKey);
  const sentAt = iso(message.Attributes?.SentTimestamp);
  const firstReceiveAt = iso(message.Attributes?.ApproximateFirstReceiveTimestamp);
  const failureClass = attribute(message, 'failureClass');
  const failureReason = attribute(message, 'failureReason');
  const queueReceiveCount = Number(attribute(message, 'receiveCount'));
  return {
    messageId: message.MessageId ?? '',
    ...(provider !== undefined ? { provider } : {}),
    ...(eventType !== undefined ? { eventType } : {}),
    ...(dedupeKey !== undefined ? { dedupeKey } : {}),
    receiveCount: Math.max(0, Number(message.Attributes?.ApproximateReceiveCount ?? 0) - reads),
    ...(Number.isInteger(queueReceiveCount) && queueReceiveCount > 0 ? { queueReceiveCount } : {}),
    ...(sentAt ? { sentAt } : {}),
    ...(firstReceiveAt ? { firstReceiveAt } : {}),
    ...(failureClass !== undefined ? { failureClass } : {}),
    ...(failureReason !== undefined ? { failureReason } : {}),
    body: message.Body ?? '',
  };
}

async function releaseAll(sqs: SQSClient, queueUrl: string, handles: readonly string[]): Promise<number> {
  let failed = 0;
  for (let i = 0; i < handles.length; i += 10) {
    const batch = handles.slice(i, i + 10);
    try {
      const out = await sqs.send(new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((handle, j) => ({ Id: String(j), ReceiptHandle: handle, VisibilityTimeout: 0 })),
      }));
      failed += out.Failed?.length ?? 0;
    } catch {
      failed += batch.length;
    }
  }
  return failed;
}

export interface PeekOptions {
  /** At most this many messages. */
  readonly max: number;
  /** How long a read message stays hidden if this tool dies before making it visible again. */
  readonly visibilitySeconds: number;
  /** Long-poll seconds per receive (1+ on AWS, which samples servers on short polls; 0 locally). */
  readonly waitSeconds: number;
  readonly progress?: (seen: number) => void;
}

/**
 * Reads up to `max` messages without deleting any: each batch stays hidden while the read goes on (so the
 * next receive returns others), and every message is made visible again at the end, also on errors.
 * `released` is false when some could not be (they reappear after `visibilitySeconds`).
 */
export async function peekMessages(sqs: SQSClient, queueUrl: string, options: PeekOptions): Promise<{ messages: DeadLetter[]; released: boolean }> {
  const byId = new Map<string, { letter: DeadLetter; handle: string; reads: number }>();
  let empty = 0;
  try {
    while (byId.size < options.max) {
      const out = await sqs.send(new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, options.max - byId.size),
        VisibilityTimeout: options.visibilitySeconds,
        WaitTimeSeconds: options.waitSeconds,
        AttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }));
      const messages = out.Messages ?? [];
      let fresh = 0;
      for (const message of messages) {
        if (!message.MessageId || !message.ReceiptHandle) continue;
        const reads = (byId.get(message.MessageId)?.reads ?? 0) + 1;
        if (reads === 1) fresh++;
        byId.set(message.MessageId, { letter: describe(message, reads), handle: message.ReceiptHandle, reads });
      }
      options.progress?.(byId.size);
      // Nothing new: the queue is read out (one more long poll on AWS, whose receives may miss servers).
      if (fresh === 0 && ++empty >= (options.waitSeconds > 0 ? 2 : 1)) break;
    }
  } finally {
    const failed = await releaseAll(sqs, queueUrl, [...byId.values()].map((v) => v.handle));
    if (failed > 0) return { messages: [...byId.values()].map((v) => v.letter), released: false };
  }
  return { messages: [...byId.values()].map((v) => v.letter), released: true };
}

export type RedriveMethod = 'move-task' | 'receive-send-delete';

/** One moved message, as a watch recognizes it in the DLQ again. */
export interface MovedMessage {
  readonly dedupeKey?: string;
  /** The id of the copy sent to the queue (receive-send-delete only). */
  readonly copyId?: string;
}

/** What a redrive moved, for `watchRedriven`. */
export interface Moves {
  readonly messages: readonly MovedMessage[];
  /** DLQ message ids that are not returns even with a moved dedupe key (originals whose delete failed). */
  readonly ignoreIds: readonly string[];
}

export interface RedriveResult {
  readonly method: RedriveMethod;
  readonly moved: number;
  /** The moved messages a watch can recognize (a move task: those read just before it started, at most MAX_TRACKED). */
  readonly moves: Moves;
  /** A move task was started (the fallback never runs then). */
  readonly taskStarted?: boolean;
  /** Messages that could not be sent (they stay in the DLQ). */
  readonly failed: number;
  /** Why the move stopped early or failed, if it did. */
  readonly problem?: string;
  /** Why SQS's move task was not used, when it was wanted. */
  readonly fallbackReason?: string;
}

export interface RedriveOptions {
  readonly deadLetterQueueUrl: string;
  readonly queueUrl: string;
  /** Move at most this many (forces receive-send-delete: a move task moves the whole queue). */
  readonly max?: number;
  readonly waitSeconds: number;
  /** Poll interval of the move task's progress. */
  readonly pollMs: number;
  readonly progress: (line: string) => void;
}

/** A move task that is already running on this DLQ: start none, say so. */
export class MoveTaskRunning extends Error {
  constructor(readonly moved: number, readonly toMove: number | undefined, readonly startedAt: string | undefined) {
    super(`a message move task is already running on this DLQ (started ${startedAt ?? 'earlier'}, ${moved}${toMove !== undefined ? ` of ${toMove}` : ''} moved): wait for it, or cancel it (SQS console, or aws sqs cancel-message-move-task)`);
    this.name = 'MoveTaskRunning';
  }
}

/** Errors after which receive-send-delete would fail as well. */
function fatal(error: unknown): boolean {
  const name = (error as Error).name;
  return name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue' || name === 'ResourceNotFoundException' ||
    name === 'CredentialsProviderError' || name === 'MoveTaskRunning';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** At most this many messages are read before a move task, to recognize them if they come back. */
export const MAX_TRACKED = 1_000;
/** Visibility of the reads a redrive makes for tracking and watching (made visible again at once). */
const TRACK_VISIBILITY_SECONDS = 10;

const errorText = (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`;

async function moveTask(sqs: SQSClient, options: RedriveOptions): Promise<RedriveResult> {
  const [sourceArn, destinationArn] = await Promise.all([queueArn(sqs, options.deadLetterQueueUrl), queueArn(sqs, options.queueUrl)]);
  const running = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }))).Results?.find((t) => t.Status === 'RUNNING');
  if (running) {
    throw new MoveTaskRunning(running.ApproximateNumberOfMessagesMoved ?? 0, running.ApproximateNumberOfMessagesToMove, iso(String(running.StartedTimestamp)));
  }
  // What is about to move, so that a watch recognizes it in the DLQ again (a read changes receive counts only).
  const before = await peekMessages(sqs, options.deadLetterQueueUrl, { max: MAX_TRACKED, visibilitySeconds: TRACK_VISIBILITY_SECONDS, waitSeconds: options.waitSeconds });
  const moves: Moves = { messages: before.messages.map((m) => (m.dedupeKey !== undefined ? { dedupeKey: m.dedupeKey } : {})), ignoreIds: [] };
  const started = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }));
  // From here on the task runs in SQS whatever happens to this command: never fall back to moving by hand.
  options.progress(`started an SQS message move task from the DLQ to the queue`);
  let lastMoved = -1;
  try {
    for (;;) {
      await sleep(options.pollMs);
      const tasks = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }))).Results ?? [];
      // Finished tasks may come back without their handle: the newest task is ours then.
      const task = tasks.find((t) => t.TaskHandle !== undefined && t.TaskHandle === started.TaskHandle) ?? tasks[0];
      if (!task) continue;
      const moved = task.ApproximateNumberOfMessagesMoved ?? 0;
      if (moved !== lastMoved) {
        options.progress(`moved ${moved}${task.ApproximateNumberOfMessagesToMove !== undefined ? ` of ${task.ApproximateNumberOfMessagesToMove}` : ''} (${task.Status ?? 'RUNNING'})`);
        lastMoved = moved;
      }
      if (task.Status === 'COMPLETED') return { method: 'move-task', moved, failed: 0, moves, taskStarted: true };
      if (task.Status === 'FAILED' || task.Status === 'CANCELLED' || task.Status === 'CANCELLING') {
        return { method: 'move-task', moved, failed: 0, moves, taskStarted: true, problem: `the move task ended ${task.Status}${task.FailureReason ? `: ${task.FailureReason}` : ''}` };
      }
    }
  } catch (error) {
    return {
      method: 'move-task', moved: Math.max(0, lastMoved), failed: 0, moves, taskStarted: true,
      problem: `the SQS message move task started, but following it failed (${errorText(error)}): it may still be moving messages. ` +
        'Nothing was moved by hand (that could send messages twice): check the task in the SQS console (or aws sqs list-message-move-tasks) and ops dlq list before redriving again',
    };
  }
}

function outgoingAttributes(message: Message): Record<string, MessageAttributeValue> | undefined {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (!value.DataType) continue;
    attributes[name] = {
      DataType: value.DataType,
      ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { BinaryValue: value.BinaryValue } : {}),
    };
  }
  return Object.keys(attributes).length > 0 ? attributes : undefined;
}

/** The visibility a message being moved gets: long enough for send + delete; if we die, it returns to the DLQ. */
const MOVE_VISIBILITY_SECONDS = 60;

async function receiveSendDelete(sqs: SQSClient, options: RedriveOptions, fallbackReason?: string): Promise<RedriveResult> {
  /** What was moved, for the watch: the copies' ids and dedupe keys; the originals, which are not returns. */
  const movedMessages: MovedMessage[] = [];
  const originalIds: string[] = [];
  const moves: Moves = { messages: movedMessages, ignoreIds: originalIds };
  const base = { method: 'receive-send-delete' as const, moves, ...(fallbackReason ? { fallbackReason } : {}) };
  const limit = options.max ?? Number.POSITIVE_INFINITY;
  /** Ids of the copies sent to the source queue: one of them in the DLQ again means the processor still fails. */
  const sentIds = new Set<string>();
  /** DLQ messages already copied to the queue: when seen again (a failed delete), delete them, never send twice. */
  const copied = new Set<string>();
  /** Copied DLQ messages whose delete has not succeeded yet. */
  const undeleted = new Set<string>();
  let moved = 0;
  let failed = 0;
  let empty = 0;
  while (moved < limit) {
    const out = await sqs.send(new ReceiveMessageCommand({
      QueueUrl: options.deadLetterQueueUrl,
      MaxNumberOfMessages: Math.min(10, limit - moved),
      VisibilityTimeout: MOVE_VISIBILITY_SECONDS,
      WaitTimeSeconds: options.waitSeconds,
      MessageAttributeNames: ['All'],
    }));
    const messages = (out.Messages ?? []).filter((m) => m.MessageId && m.ReceiptHandle);
    if (messages.length === 0) {
      if (++empty >= (options.waitSeconds > 0 ? 2 : 1)) break;
      continue;
    }
    empty = 0;
    const back = messages.filter((m) => sentIds.has(m.MessageId!));
    if (back.length > 0) {
      await releaseAll(sqs, options.deadLetterQueueUrl, messages.map((m) => m.ReceiptHandle!));
      return {
        ...base, moved, failed,
        problem: `${back.length} of the messages moved in this run ${back.length === 1 ? 'is' : 'are'} back in the DLQ already: the processor still fails ${back.length === 1 ? 'it' : 'them'} (fix it first; see ops dlq list)`,
      };
    }
    const toDelete = messages.filter((m) => copied.has(m.MessageId!));
    const toSend = messages.filter((m) => !copied.has(m.MessageId!));
    if (toSend.length > 0) {
      const sent = await sqs.send(new SendMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: toSend.map((m, i) => {
          const attributes = outgoingAttributes(m);
          return { Id: String(i), MessageBody: m.Body ?? '', ...(attributes ? { MessageAttributes: attributes } : {}) };
        }),
      }));
      for (const ok of sent.Successful ?? []) {
        const message = toSend[Number(ok.Id)];
        if (!message) continue;
        if (ok.MessageId) sentIds.add(ok.MessageId);
        copied.add(message.MessageId!);
        const dedupeKey = describe(message).dedupeKey;
        movedMessages.push({ ...(dedupeKey !== undefined ? { dedupeKey } : {}), ...(ok.MessageId ? { copyId: ok.MessageId } : {}) });
        originalIds.push(message.MessageId!);
        toDelete.push(message);
        moved++;
      }
      const notSent = (sent.Failed ?? []).map((f) => toSend[Number(f.Id)]).filter((m): m is Message => m !== undefined);
      if (notSent.length > 0) {
        failed += notSent.length;
        await releaseAll(sqs, options.deadLetterQueueUrl, notSent.map((m) => m.ReceiptHandle!));
        if ((sent.Successful ?? []).length === 0) {
          return { ...base, moved, failed, problem: `SendMessageBatch to the queue failed (${sent.Failed?.[0]?.Code ?? 'error'}); those messages stay in the DLQ` };
        }
      }
    }
    if (toDelete.length > 0) {
      const deleted = await sqs.send(new DeleteMessageBatchCommand({
        QueueUrl: options.deadLetterQueueUrl,
        Entries: toDelete.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }));
      for (const ok of deleted.Successful ?? []) undeleted.delete(toDelete[Number(ok.Id)]?.MessageId ?? '');
      for (const bad of deleted.Failed ?? []) undeleted.add(toDelete[Number(bad.Id)]?.MessageId ?? '');
    }
    options.progress(`moved ${moved}${Number.isFinite(limit) ? ` of at most ${limit}` : ''}`);
  }
  if (undeleted.size > 0) {
    return {
      ...base, moved, failed,
      problem: `${undeleted.size} moved message(s) could not be deleted from the DLQ: they reappear there within ${MOVE_VISIBILITY_SECONDS} s, and a second redrive sends them again, which is harmless (each event is processed once)`,
    };
  }
  return { ...base, moved, failed };
}

/**
 * Moves DLQ messages back to the source queue: SQS's move task unless `max` is given or the service does
 * not offer it (then receive → send → delete, with the reason in `fallbackReason`). The fallback runs only
 * when the task never started: moveTask reports errors after StartMessageMoveTask in `problem`, never throws them.
 */
export async function redrive(sqs: SQSClient, options: RedriveOptions): Promise<RedriveResult> {
  if (options.max !== undefined) return receiveSendDelete(sqs, options);
  try {
    return await moveTask(sqs, options);
  } catch (error) {
    if (fatal(error)) throw error;
    const reason = `StartMessageMoveTask is not available here (${(error as Error).name})`;
    options.progress(`${reason}: moving the messages one by one (receive, send to the queue, then delete)`);
    return receiveSendDelete(sqs, options, reason);
  }
}

/** A moved message found in the DLQ again. */
export interface Returned {
  readonly messageId: string;
  readonly dedupeKey?: string;
  readonly eventType?: string;
  readonly failureClass?: string;
  readonly failureReason?: string;
}

export interface WatchOptions {
  readonly deadLetterQueueUrl: string;
  readonly moves: Moves;
  /** Watch at most this long. */
  readonly seconds: number;
  readonly pollMs: number;
  readonly waitSeconds: number;
  /** Of these dedupe keys, those whose events are processed now (the ledger); without it, the watch lasts `seconds`. */
  readonly processed?: (dedupeKeys: readonly string[]) => Promise<ReadonlySet<string>>;
}

export interface WatchResult {
  /** How long it watched (whole seconds, rounded up). */
  readonly seconds: number;
  /** Moved messages it could recognize. */
  readonly tracked: number;
  readonly back: readonly Returned[];
  readonly processed: number;
  /** Neither processed nor back when the watch ended: queued, or failing and being retried. */
  readonly pending: number;
}

/**
 * Watches redriven messages: every poll reads the DLQ (without consuming it) for moved messages that came
 * back, and asks `processed` about the others; it ends when each is back or processed, or after `seconds`.
 */
export async function watchRedriven(sqs: SQSClient, options: WatchOptions): Promise<WatchResult> {
  const started = Date.now();
  const deadline = started + options.seconds * 1000;
  const items = options.moves.messages;
  const ignore = new Set(options.moves.ignoreIds);
  const back = new Map<number, Returned>();
  const done = new Set<string>();
  for (;;) {
    const peek = await peekMessages(sqs, options.deadLetterQueueUrl, { max: MAX_TRACKED, visibilitySeconds: TRACK_VISIBILITY_SECONDS, waitSeconds: options.waitSeconds });
    for (const letter of peek.messages) {
      items.forEach((item, i) => {
        if (back.has(i)) return;
        const sameCopy = item.copyId !== undefined && letter.messageId === item.copyId;
        const sameEvent = item.dedupeKey !== undefined && letter.dedupeKey === item.dedupeKey && !ignore.has(letter.messageId) && !done.has(item.dedupeKey);
        if (!sameCopy && !sameEvent) return;
        back.set(i, {
          messageId: letter.messageId,
          ...(letter.dedupeKey !== undefined ? { dedupeKey: letter.dedupeKey } : {}),
          ...(letter.eventType !== undefined ? { eventType: letter.eventType } : {}),
          ...(letter.failureClass !== undefined ? { failureClass: letter.failureClass } : {}),
          ...(letter.failureReason !== undefined ? { failureReason: letter.failureReason } : {}),
        });
      });
    }
    const open = [...new Set(items.flatMap((item, i) => (!back.has(i) && item.dedupeKey !== undefined && !done.has(item.dedupeKey) ? [item.dedupeKey] : [])))];
    if (options.processed && open.length > 0) for (const key of await options.processed(open)) done.add(key);
    const settled = (item: MovedMessage, i: number) => back.has(i) || (item.dedupeKey !== undefined && done.has(item.dedupeKey));
    if (items.every(settled) || Date.now() >= deadline) {
      const processed = items.filter((item, i) => !back.has(i) && item.dedupeKey !== undefined && done.has(item.dedupeKey)).length;
      return {
        seconds: Math.ceil((Date.now() - started) / 1000),
        tracked: items.length,
        back: [...back.values()],
        processed,
        pending: items.length - back.size - processed,
      };
    }
    await sleep(Math.min(options.pollMs, Math.max(0, deadline - Date.now())));
  }
}
