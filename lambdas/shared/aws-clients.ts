/**
 * The AWS SDK clients, built once per container so that warm invocations reuse their connections.
 * Endpoints are never configured here: the SDK reads AWS_ENDPOINT_URL_<SERVICE> itself, which is how the
 * local stand-ins are reached. `@__PURE__` lets esbuild drop the clients a function does not use.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from './observability.ts';

/**
 * Bounded waits: the strictest sender gives up after 10 s, so a hung connection must fail (and be retried
 * by the SDK, 3 attempts in all) well before that rather than hold the request until the Lambda timeout.
 * `throwOnRequestTimeout`: without it the handler only logs a warning when the request timeout passes.
 */
const clientConfig = { requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_500, throwOnRequestTimeout: true } };

export const dynamodb = /* @__PURE__ */ tracer.captureAWSv3Client(/* @__PURE__ */ new DynamoDBClient(clientConfig));
export const sqs = /* @__PURE__ */ tracer.captureAWSv3Client(/* @__PURE__ */ new SQSClient(clientConfig));
export const s3 = /* @__PURE__ */ tracer.captureAWSv3Client(/* @__PURE__ */ new S3Client(clientConfig));
export const secretsManager = /* @__PURE__ */ tracer.captureAWSv3Client(/* @__PURE__ */ new SecretsManagerClient(clientConfig));
