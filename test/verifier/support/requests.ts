/** API Gateway HTTP API (payload 2.0) events and a Lambda context, as the verifier receives them. */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';

export interface RequestInput {
  readonly provider: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array;
  /** Send the body base64-encoded, as API Gateway does for binary media. */
  readonly base64?: boolean;
  readonly method?: string;
}

export function apiEvent(input: RequestInput): APIGatewayProxyEventV2 {
  const raw = input.body === undefined ? undefined : typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : Buffer.from(input.body);
  const method = input.method ?? 'POST';
  return {
    version: '2.0',
    routeKey: `${method} /webhooks/{provider}`,
    rawPath: `/webhooks/${input.provider}`,
    rawQueryString: '',
    // HTTP APIs hand header names over in lower case.
    headers: Object.fromEntries(Object.entries({ 'content-type': 'application/json', ...input.headers }).map(([k, v]) => [k.toLowerCase(), v])),
    pathParameters: { provider: input.provider },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'example.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'example',
      http: { method, path: `/webhooks/${input.provider}`, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId: randomUUID(),
      routeKey: `${method} /webhooks/{provider}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    ...(raw === undefined ? {} : { body: input.base64 ? raw.toString('base64') : raw.toString('utf8') }),
    isBase64Encoded: input.base64 ?? false,
  };
}

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'verifier',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:verifier',
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/verifier',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
