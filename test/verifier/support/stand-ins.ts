/**
 * Local stand-ins for AWS, all on 127.0.0.1 and free ports: dynalite (DynamoDB, in-process) and
 * local-aws-sqs (in-process) always; moto_server (Secrets Manager version stages, S3, DynamoDB with
 * ALL_OLD on condition failures) when it is on PATH.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { delimiter, join } from 'node:path';
import dynalite from 'dynalite';
import { createSqsServer } from 'local-aws-sqs';

export const REGION = 'us-east-1';
export const DUMMY_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface StandIn {
  readonly endpoint: string;
  stop(): Promise<void>;
}

function closeServer(server: HttpServer | Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function listen(server: HttpServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function startDynalite(): Promise<StandIn> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listen(server);
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => closeServer(server) };
}

export async function startSqs(): Promise<StandIn> {
  const server = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('local-aws-sqs has no port');
  return { endpoint: `http://127.0.0.1:${address.port}`, stop: () => closeServer(server) };
}

/** True when `moto_server` is an executable on PATH (decided when the test file is collected). */
export function motoOnPath(): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, 'moto_server'), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await closeServer(server);
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function startMoto(): Promise<StandIn> {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return { endpoint, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`moto_server did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export { createLedgerTable } from '../../../scripts/local/ledger-table.ts';

/** Client options for the tests' own admin clients (the handler's clients read the env instead). */
export function adminClientConfig(endpoint: string) {
  return { endpoint, region: REGION, credentials: DUMMY_CREDENTIALS };
}
