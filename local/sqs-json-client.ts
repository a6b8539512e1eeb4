/**
 * The event sources' own SQS client: ReceiveMessage and DeleteMessageBatch in SQS's JSON protocol (what the
 * SDK's SQSClient sends: `POST /`, `X-Amz-Target: AmazonSQS.<Operation>`, an `application/x-amz-json-1.0`
 * body) over HTTP to the stand-in, or to its fault proxy, on a keep-alive connection.
 *
 * Why not the SDK: Lambda's event source mapping is AWS's poller, not code of the function, and on the
 * runner's one event loop (which also serves the HTTP API, dynalite and local-aws-sqs) the SDK's
 * middleware stack, SigV4 signing and endpoint resolution cost about 1 ms of CPU per call, two or more calls
 * per batch: the largest single cost of that thread under load (`npm run bench:e2e`). This client costs a
 * tenth of that. The handlers keep the real SDK clients. Like the SDK with `maxAttempts: 2`, it tries a
 * call twice when the connection fails or the answer is a 5xx or a throttling error; errors carry the
 * service's error code as their name (`QueueDoesNotExist`, `InternalFailure`, ...), or the socket's code.
 * Requests are not signed: the stand-ins accept any credentials.
 */
import type { DeleteMessageBatchRequest, DeleteMessageBatchResult, Message, ReceiveMessageRequest } from '@aws-sdk/client-sqs';
import { Agent, request } from 'node:http';

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const MAX_ATTEMPTS = 2;
/** The SDK's standard retry waits a random 0..100 ms before its first retry. */
const RETRY_BASE_MS = 100;
const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded']);

export class SqsCallError extends Error {
  constructor(name: string, message: string, readonly statusCode?: number) {
    super(message);
    this.name = name;
  }

  /** Worth a second attempt: no answer, a 5xx, or throttling. */
  get retryable(): boolean {
    return this.statusCode === undefined || this.statusCode >= 500 || THROTTLING.has(this.name);
  }
}

/** An SQS error document's code: `com.amazonaws.sqs#QueueDoesNotExist` → `QueueDoesNotExist`. */
function errorCode(body: string, status: number): { name: string; message: string } {
  try {
    const parsed = JSON.parse(body) as { __type?: unknown; message?: unknown; Message?: unknown };
    const type = typeof parsed.__type === 'string' ? parsed.__type : '';
    const name = type.slice(type.lastIndexOf('#') + 1) || `Http${status}`;
    const message = typeof parsed.message === 'string' ? parsed.message : typeof parsed.Message === 'string' ? parsed.Message : '';
    return { name, message };
  } catch {
    return { name: status >= 500 ? 'InternalFailure' : `Http${status}`, message: '' };
  }
}

/** A received message as the SDK returns it (binary attribute values decoded from base64). */
function toMessage(raw: Record<string, unknown>): Message {
  const attributes = raw['MessageAttributes'] as Record<string, { DataType?: string; StringValue?: string; BinaryValue?: string }> | undefined;
  if (!attributes) return raw as Message;
  const decoded: NonNullable<Message['MessageAttributes']> = {};
  for (const [name, value] of Object.entries(attributes)) {
    decoded[name] = {
      DataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { BinaryValue: Buffer.from(value.BinaryValue, 'base64') } : {}),
    };
  }
  return { ...(raw as Message), MessageAttributes: decoded };
}

export class SqsJsonClient {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 4 });
  readonly #host: string;
  readonly #port: number;

  constructor(endpoint: string) {
    const url = new URL(endpoint);
    if (url.protocol !== 'http:') throw new Error(`the local SQS client speaks plain HTTP only (got ${url.protocol})`);
    this.#host = url.hostname;
    this.#port = Number(url.port || 80);
  }

  async receiveMessage(input: ReceiveMessageRequest, options: { abortSignal?: AbortSignal } = {}): Promise<Message[]> {
    const out = (await this.#call('ReceiveMessage', input, options.abortSignal)) as { Messages?: Record<string, unknown>[] };
    return (out.Messages ?? []).map(toMessage);
  }

  async deleteMessageBatch(input: DeleteMessageBatchRequest): Promise<DeleteMessageBatchResult> {
    return (await this.#call('DeleteMessageBatch', input)) as DeleteMessageBatchResult;
  }

  async #call(operation: string, input: object, signal?: AbortSignal): Promise<unknown> {
    const body = Buffer.from(JSON.stringify(input));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(operation, body, signal);
      } catch (error) {
        if (signal?.aborted || attempt >= MAX_ATTEMPTS || !(error instanceof SqsCallError) || !error.retryable) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * RETRY_BASE_MS));
      }
    }
  }

  #once(operation: string, body: Buffer, signal?: AbortSignal): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: this.#host,
        port: this.#port,
        method: 'POST',
        path: '/',
        agent: this.#agent,
        headers: { 'content-type': CONTENT_TYPE, 'x-amz-target': `AmazonSQS.${operation}`, 'content-length': String(body.length) },
        ...(signal ? { signal } : {}),
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error: NodeJS.ErrnoException) => reject(new SqsCallError(error.code ?? error.name, error.message)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              resolve(text ? JSON.parse(text) : {});
            } catch {
              reject(new SqsCallError('SerializationError', `${operation}: the answer is not JSON`, status));
            }
            return;
          }
          const { name, message } = errorCode(text, status);
          reject(new SqsCallError(name, message, status));
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => reject(new SqsCallError(error.name === 'AbortError' ? 'AbortError' : error.code ?? error.name, error.message)));
      req.end(body);
    });
  }

  destroy(): void {
    this.#agent.destroy();
  }
}
