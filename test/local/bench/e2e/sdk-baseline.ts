/**
 * The baseline of `npm run bench:e2e`: an SDK-only "function" with the verifier's three clients (DynamoDB,
 * SQS, Secrets Manager), configured with the verifier's lambdas/shared/client-config.ts, and the commands the
 * verifier sends. Bundled with lib/bundling.ts's options, as one file (the baseline, as any function would
 * be bundled) and split like the verifier (what the verifier adds on top of the SDK it cannot do without).
 */
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from '../../../../lambdas/shared/client-config.ts';

export const dynamodb = new DynamoDBClient(clientConfig);
export const sqs = new SQSClient(clientConfig);
export const secretsManager = new SecretsManagerClient(clientConfig);
export const commands = [PutItemCommand, GetItemCommand, DeleteItemCommand, UpdateItemCommand, SendMessageCommand, GetSecretValueCommand];

export async function handler(): Promise<{ statusCode: number }> {
  return { statusCode: 200 };
}
