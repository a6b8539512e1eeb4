/**
 * The baseline of `npm run bench:e2e`: an SDK-only "function" with the verifier's three clients (DynamoDB,
 * SQS, Secrets Manager), configured as lambdas/shared/aws-clients.ts configures them, and the commands the
 * verifier sends. Bundled with the same esbuild options as the verifier (scripts/local/build.ts), so the
 * difference in size and import time is what the verifier adds on top of the SDK it cannot do without.
 */
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

const clientConfig = { requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 } };

export const dynamodb = new DynamoDBClient(clientConfig);
export const sqs = new SQSClient(clientConfig);
export const secretsManager = new SecretsManagerClient(clientConfig);
export const commands = [PutItemCommand, GetItemCommand, DeleteItemCommand, UpdateItemCommand, SendMessageCommand, GetSecretValueCommand];

export async function handler(): Promise<{ statusCode: number }> {
  return { statusCode: 200 };
}
