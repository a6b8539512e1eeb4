/**
 * The local queues survive a restart. local-aws-sqs keeps messages in memory, so stopping `npm start` used
 * to drop whatever was queued or dead-lettered (an incident's evidence, and events nothing could redrive).
 * At stop, once the event sources and functions have stopped, every message of every provider queue and
 * DLQ (in flight included: a processor's backoff is undone, as a restart of Lambda's poller would) is
 * written to `<state dir>/queues.json`, readable by its owner only (it holds bodies, like the DLQ itself);
 * at the next start it is sent back into the same queues, with its message attributes and its original
 * SentTimestamp (queue age survives), and the file is removed. Receive counts start again from 0.
 * `--fresh` deletes the file with the rest of the state. A crash (SIGKILL) still loses the queues.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivate } from '../ops/local-target.ts';
import type { KeptMessage, QueueInventory } from '../tools/stand-ins/sqs-inventory.ts';
import { clientConfig } from './stand-ins.ts';

export const QUEUES_FILE = 'queues.json';

interface Snapshot {
  readonly v: 1;
  readonly savedAt: string;
  /** Per queue name. */
  readonly queues: Record<string, KeptMessage[]>;
}

export function queuesFile(stateDir: string): string {
  return join(stateDir, QUEUES_FILE);
}

export const queueName = (url: string): string => url.slice(url.lastIndexOf('/') + 1);

export interface Kept {
  readonly file: string;
  /** Messages per queue name (only queues that had any). */
  readonly counts: Readonly<Record<string, number>>;
  readonly total: number;
}

/** Writes every message of `names` to the state directory (removes a stale file when there are none). */
export function saveQueues(stateDir: string, inventory: QueueInventory, names: readonly string[]): Kept {
  const file = queuesFile(stateDir);
  const queues: Record<string, KeptMessage[]> = {};
  for (const name of names) {
    const messages = inventory.messages(name);
    if (messages.length > 0) queues[name] = messages;
  }
  const counts = Object.fromEntries(Object.entries(queues).map(([name, list]) => [name, list.length]));
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total === 0) {
    rmSync(file, { force: true });
  } else {
    const snapshot: Snapshot = { v: 1, savedAt: new Date().toISOString(), queues };
    writePrivate(file, JSON.stringify(snapshot));
  }
  return { file, counts, total };
}

/**
 * Sends the kept messages back to their queues (`urls`: queue name → URL) and removes the file. Messages
 * of a queue the stack no longer has (a provider disabled since) stay in `queues.unrestored-<time>.json`.
 */
export async function restoreQueues(stateDir: string, endpoint: string, inventory: QueueInventory, urls: ReadonlyMap<string, string>): Promise<Kept & { unrestored?: string }> {
  const file = queuesFile(stateDir);
  if (!existsSync(file)) return { file, counts: {}, total: 0 };
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
    if (snapshot?.v !== 1 || typeof snapshot.queues !== 'object') throw new Error('unknown format');
  } catch {
    const aside = join(stateDir, `queues.unreadable-${Date.now()}.json`);
    renameSync(file, aside);
    throw new Error(`${file} could not be read (moved to ${aside}); its messages were not restored`);
  }
  const client = new SQSClient(clientConfig(endpoint));
  const counts: Record<string, number> = {};
  const left: Record<string, KeptMessage[]> = {};
  try {
    for (const [name, messages] of Object.entries(snapshot.queues)) {
      const url = urls.get(name);
      if (!url) {
        left[name] = messages;
        continue;
      }
      for (let i = 0; i < messages.length; i += 10) {
        const chunk = messages.slice(i, i + 10);
        const out = await client.send(new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: chunk.map((m, j) => ({ Id: String(j), MessageBody: m.body, ...(m.attributes ? { MessageAttributes: m.attributes } : {}) })),
        }));
        if ((out.Failed ?? []).length > 0) throw new Error(`SendMessageBatch refused ${(out.Failed ?? []).length} messages for ${name}`);
        for (const sent of out.Successful ?? []) {
          const original = chunk[Number(sent.Id)];
          if (original && sent.MessageId) inventory.backdate(name, sent.MessageId, original.sentAt);
        }
        counts[name] = (counts[name] ?? 0) + chunk.length;
      }
    }
  } finally {
    client.destroy();
  }
  let unrestored: string | undefined;
  if (Object.keys(left).length > 0) {
    unrestored = join(stateDir, `queues.unrestored-${Date.now()}.json`);
    writePrivate(unrestored, JSON.stringify({ ...snapshot, queues: left }));
  }
  rmSync(file, { force: true });
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return { file, counts, total, ...(unrestored ? { unrestored } : {}) };
}
