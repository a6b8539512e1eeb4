/** Counts the AWS API calls the handler's shared clients make, as `Service.Operation`. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';

type AnyClient = DynamoDBClient | SQSClient | S3Client | SecretsManagerClient;

export interface CallLog {
  readonly calls: string[];
  /** The calls made since the previous `take()`. */
  take(): string[];
}

export function countCalls(clients: Record<string, AnyClient>): CallLog {
  const calls: string[] = [];
  let taken = 0;
  for (const client of Object.values(clients)) {
    // The initialize step runs once per `send`, before the SDK's retries: one entry per API call made.
    (client.middlewareStack as { add: (mw: unknown, options: unknown) => void }).add(
      (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => async (args: unknown) => {
        calls.push(`${(context.clientName ?? '').replace(/Client$/, '')}.${(context.commandName ?? '').replace(/Command$/, '')}`);
        return next(args);
      },
      { step: 'initialize', name: 'testCallCounter' },
    );
  }
  return {
    calls,
    take() {
      const recent = calls.slice(taken);
      taken = calls.length;
      return recent;
    },
  };
}
