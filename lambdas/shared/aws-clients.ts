/**
 * The AWS SDK clients, built once per container so that warm invocations reuse their connections.
 * Endpoints are never configured here: the SDK reads AWS_ENDPOINT_URL_<SERVICE> itself, which is how the
 * local stand-ins are reached. `@__PURE__` lets esbuild drop the clients a function does not use.
 * S3 lives in s3-client.ts: the verifier needs it only for claim checks and loads it on first use.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig } from './client-config.ts';

export const dynamodb = /* @__PURE__ */ new DynamoDBClient(clientConfig);
export const sqs = /* @__PURE__ */ new SQSClient(clientConfig);
export const secretsManager = /* @__PURE__ */ new SecretsManagerClient(clientConfig);
