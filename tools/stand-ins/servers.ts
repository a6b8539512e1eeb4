/**
 * AWS stand-ins on 127.0.0.1 and free ports, shared by the local emulator (local/) and the handler tests
 * (test/support/stand-ins.ts): dynalite (DynamoDB, in-process), local-aws-sqs (SQS, in-process) and
 * moto_server (when installed). Neither emulator- nor test-specific: nothing here imports local/ or test/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { createRequestHandler } from 'local-aws-sqs';
import { closeServer, listenOnLoopback } from './loopback.ts';
import { honourVisibilityChangesOnNewQueues } from './sqs-visibility.ts';
import { QueueInventory } from './sqs-inventory.ts';

export interface Service {
  readonly endpoint: string;
  stop(): Promise<void>;
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
export async function startSqs(options: { region: string; accountId: string }): Promise<Service & { activity: QueueActivity; inventory: QueueInventory }> {
  const { service, requestHandler } = createRequestHandler({
    port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false, region: options.region, accountId: options.accountId,
  });
  // The processor's backoff (ChangeMessageVisibility) must not count as receives (sqs-visibility.ts).
  honourVisibilityChangesOnNewQueues(service);
  // What each queue holds, in flight included (queue age, and the runner's snapshot at stop).
  const inventory = QueueInventory.follow(service);
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
  return { endpoint, activity, inventory, stop: () => closeServer(server) };
}

export async function freePort(): Promise<number> {
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
