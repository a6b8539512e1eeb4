/**
 * Local stand-ins for AWS, all on 127.0.0.1 and free ports: dynalite (DynamoDB, in-process) and
 * local-aws-sqs (in-process) always; moto_server (Secrets Manager version stages, S3, DynamoDB with
 * ALL_OLD on condition failures) when it is on PATH.
 */
import { createSqsServer } from 'local-aws-sqs';
import { closeServer } from '../../../scripts/local/loopback.ts';
import { findOnPath } from '../../../scripts/local/settings.ts';
import { startDynalite as startLocalDynalite, startMoto as startLocalMoto } from '../../../scripts/local/stand-ins.ts';

export const REGION = 'us-east-1';
export const DUMMY_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface StandIn {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** dynalite in memory, as the local runner starts it. */
export function startDynalite(): Promise<StandIn> {
  return startLocalDynalite(undefined);
}

export async function startSqs(): Promise<StandIn> {
  const server = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('local-aws-sqs has no port');
  return { endpoint: `http://127.0.0.1:${address.port}`, stop: () => closeServer(server) };
}

/** True when `moto_server` is an executable on PATH (decided when the test file is collected). */
export function motoOnPath(): boolean {
  return findOnPath('moto_server') !== undefined;
}

/** moto_server on a free port, as the local runner starts it, its output discarded. */
export function startMoto(): Promise<StandIn> {
  return startLocalMoto('moto_server');
}

export { createLedgerTable } from '../../../scripts/local/ledger-table.ts';

/** Client options for the tests' own admin clients (the handler's clients read the env instead). */
export function adminClientConfig(endpoint: string) {
  return { endpoint, region: REGION, credentials: DUMMY_CREDENTIALS };
}
