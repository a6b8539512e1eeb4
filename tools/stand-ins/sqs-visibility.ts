/**
 * local-aws-sqs 2.0.2 counts a ChangeMessageVisibility as a receive: it runs the same code as a receive,
 * so ApproximateReceiveCount grows by one per call, and its redrive (at the end of the visibility timeout,
 * once the count reaches maxReceiveCount) fires that much sooner. SQS does neither. The processor calls it
 * once per transient failure (its backoff), so without this fix a message would reach the DLQ through the
 * redrive policy after about half of LOCAL_MAX_RECEIVE_COUNT receives, and its backoff would grow twice as
 * fast. The fix takes the extra count back after each successful call.
 */

/** The part of a local-aws-sqs queue this touches (its own methods, wrapped per instance). */
interface LocalQueue {
  setRecord: (...args: never[]) => { record: { MessageId: string; attributes: { ApproximateReceiveCount: string } } };
  changeVisibility(receiptHandle: string, visibilityTimeout: unknown): boolean;
  delete(receiptHandle: string): boolean;
}

/** local-aws-sqs receipt handles: base64 of a UUID followed by JSON naming the message. */
export function messageIdOf(receiptHandle: string): string | undefined {
  try {
    const text = Buffer.from(receiptHandle, 'base64').toString('utf8');
    const id = (JSON.parse(text.slice(text.indexOf('{'))) as { MessageId?: unknown }).MessageId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

export function honourVisibilityChanges(queue: LocalQueue): void {
  // Only the small attributes object of each live message is kept, and dropped when it is deleted.
  const counts = new Map<string, { ApproximateReceiveCount: string }>();
  const setRecord = queue.setRecord;
  queue.setRecord = ((...args: never[]) => {
    const created = setRecord(...args);
    counts.set(created.record.MessageId, created.record.attributes);
    return created;
  }) as LocalQueue['setRecord'];
  const changeVisibility = queue.changeVisibility.bind(queue);
  queue.changeVisibility = (receiptHandle, visibilityTimeout) => {
    const changed = changeVisibility(receiptHandle, visibilityTimeout);
    const id = messageIdOf(receiptHandle);
    const attributes = id === undefined ? undefined : counts.get(id);
    if (changed && attributes) attributes.ApproximateReceiveCount = String(Math.max(1, Number(attributes.ApproximateReceiveCount) - 1));
    return changed;
  };
  const remove = queue.delete.bind(queue);
  queue.delete = (receiptHandle) => {
    const id = messageIdOf(receiptHandle);
    if (id !== undefined) counts.delete(id);
    return remove(receiptHandle);
  };
}

/** Applies the fix to every queue the service creates from now on. */
export function honourVisibilityChangesOnNewQueues(service: { Queues: unknown[] }): void {
  const queues = service.Queues;
  const push = queues.push.bind(queues);
  queues.push = (...added: unknown[]) => {
    for (const queue of added) honourVisibilityChanges(queue as LocalQueue);
    return push(...added);
  };
}

