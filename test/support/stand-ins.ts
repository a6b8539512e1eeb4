/**
 * Stand-ins for AWS for the handler tests (verifier, processor, spool), all on 127.0.0.1 and free ports:
 * dynalite (DynamoDB, in-process) and local-aws-sqs (in-process) always; moto_server (Secrets Manager
 * version stages, S3, DynamoDB with ALL_OLD on condition failures) when it is on PATH; the S3 stand-in.
 * Built on tools/stand-ins/ (shared with the local emulator), so these tests need nothing from local/.
 */
import { createSqsServer } from 'local-aws-sqs';
import { findOnPath } from '../../tools/stand-ins/find-on-path.ts';
import { closeServer } from '../../tools/stand-ins/loopback.ts';
import {
  startDynalite as startDynaliteServer, startMoto as startMotoServer, startSqs as startSqsService,
  type QueueActivity, type Service,
} from '../../tools/stand-ins/servers.ts';

export const REGION = 'us-east-1';
export const DUMMY_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface StandIn {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** dynalite in memory. */
export function startDynalite(): Promise<StandIn> {
  return startDynaliteServer(undefined);
}

/**
 * local-aws-sqs as the local emulator runs it: ChangeMessageVisibility (the processor's backoff) does not
 * count as a receive (tools/stand-ins/sqs-visibility.ts), and `activity` reports new messages.
 */
export function startSqsHonouringVisibility(): Promise<Service & { activity: QueueActivity }> {
  return startSqsService({ region: REGION, accountId: '123456789012' });
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

/** moto_server on a free port, its output discarded. */
export function startMoto(): Promise<StandIn> {
  return startMotoServer('moto_server');
}

export { createLedgerTable } from '../../tools/stand-ins/ledger-table.ts';
export { S3StandIn } from '../../tools/stand-ins/s3-stand-in.ts';

/** Client options for the tests' own admin clients (the handler's clients read the env instead). */
export function adminClientConfig(endpoint: string) {
  return { endpoint, region: REGION, credentials: DUMMY_CREDENTIALS };
}
