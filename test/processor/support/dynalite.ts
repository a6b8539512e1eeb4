/** In-process dynalite (a DynamoDB stand-in) with the ledger table of docs/architecture.md. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

type DynaliteFactory = (options: { createTableMs?: number; deleteTableMs?: number }) => Server;

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<LocalDynamo> {
  // dynalite ships no type definitions; a non-literal specifier keeps the import typed by us.
  const moduleName: string = 'dynalite';
  const { default: dynalite } = (await import(moduleName)) as { default: DynaliteFactory };
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export { createLedgerTable } from '../../support/stand-ins.ts';
