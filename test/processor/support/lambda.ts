/** Builders for the Lambda inputs a processor receives: SQS records carrying queue envelopes, and a context. */
import { createHash, randomUUID } from 'node:crypto';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ClaimCheck, Envelope } from '../../../lambdas/contract/envelope.ts';

export function sha256Hex(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface EnvelopeInput {
  readonly provider: string;
  readonly eventType: string;
  readonly dedupeKey: string;
  /** The raw body; stored inline as text unless `claimCheck` or `base64` is given. */
  readonly body: string;
  readonly claimCheck?: ClaimCheck;
  readonly base64?: boolean;
  readonly signedTimestamp?: string;
  readonly receivedAt?: string;
}

/** The envelope the verifier would enqueue for this body (docs/architecture.md, "Queue message"). */
export function envelopeFor(input: EnvelopeInput): Envelope {
  const carrier = input.claimCheck
    ? { claimCheck: input.claimCheck }
    : input.base64
      ? { bodyBase64: Buffer.from(input.body).toString('base64') }
      : { body: input.body };
  return {
    v: 1,
    provider: input.provider,
    eventType: input.eventType,
    dedupeKey: input.dedupeKey,
    receivedAt: input.receivedAt ?? new Date().toISOString(),
    ...(input.signedTimestamp !== undefined ? { signedTimestamp: input.signedTimestamp } : {}),
    bodySha256: sha256Hex(input.body),
    ...carrier,
  };
}

export function sqsRecord(messageBody: string, options: { messageId?: string; receiveCount?: number } = {}): SQSRecord {
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: `rh-${randomUUID()}`,
    body: messageBody,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDATEST',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: sha256Hex(messageBody).slice(0, 32),
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:processor-test',
    awsRegion: 'us-east-1',
  };
}

export function recordFor(envelope: Envelope, options: { messageId?: string; receiveCount?: number } = {}): SQSRecord {
  return sqsRecord(JSON.stringify(envelope), options);
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'processor-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:processor-test',
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/processor-test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
