/**
 * The local HTTP API, shaped like the deployed API Gateway HTTP API (lib/constructs/ingress.ts): one route,
 * `POST /webhooks/{provider}`, integrated with the verifier as a payload format 2.0 Lambda proxy
 * integration. Anything else gets API Gateway's own `404 {"message":"Not Found"}`. The event carries
 * lower-cased headers (repeats joined with commas), `rawPath`, `requestContext.http`, the provider path
 * parameter, and the body as text, or base64 with `isBase64Encoded: true` when the content type is not
 * text-like. The handler's result becomes the answer as API Gateway maps it; a function error is
 * `500 {"message":"Internal Server Error"}`, a timeout `503 {"message":"Service Unavailable"}`.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Invocation, LocalFunction, LogFacts } from './functions.ts';
import { formatOutcome, type Print } from './report.ts';
import { LOCAL_ACCOUNT } from './settings.ts';

export const ROUTE_KEY = 'POST /webhooks/{provider}';
const ROUTE = /^\/webhooks\/([^/]+)$/;
/** API Gateway's payload limit for HTTP APIs. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
const API_ID = 'local';

/** Content types API Gateway passes as text; every other body (and a missing content type) is base64-encoded. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type === 'application/xml' ||
    type === 'application/javascript' ||
    /^application\/[a-z0-9.+-]+\+(json|xml)$/.test(type)
  );
}

function requestId(): string {
  return randomBytes(10).toString('base64');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `23/Nov/2026:12:08:01 +0000`, API Gateway's requestContext.time. */
function clf(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** Lower-cased headers, repeated headers joined with commas; cookies go to `cookies` as in payload 2.0. */
function eventHeaders(req: IncomingMessage): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      cookies.push(...value.split(';').map((c) => c.trim()).filter(Boolean));
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return { headers, cookies };
}

export function buildEvent(req: IncomingMessage, body: Buffer, provider: string, id: string, now = new Date()): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://local');
  const { headers, cookies } = eventHeaders(req);
  const text = isTextContentType(headers['content-type']);
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const host = headers['host'] ?? '127.0.0.1';
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: ROUTE_KEY,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: API_ID,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: req.method ?? 'POST',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: id,
      routeKey: ROUTE_KEY,
      stage: '$default',
      time: clf(now),
      timeEpoch: now.getTime(),
    },
    pathParameters: { provider },
    isBase64Encoded: body.length > 0 ? !text : false,
    ...(body.length > 0 ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
  };
  return event;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

const json = (status: number, message: string): Answer => ({
  status,
  headers: { 'content-type': 'application/json' },
  cookies: [],
  body: Buffer.from(JSON.stringify({ message })),
});

/** How API Gateway turns a payload 2.0 integration result into the HTTP answer. */
export function mapResult(invocation: Invocation): Answer {
  if (invocation.kind === 'timeout') return json(503, 'Service Unavailable');
  if (invocation.kind !== 'result') return json(500, 'Internal Server Error');
  const result = invocation.result;
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const r = result as APIGatewayProxyStructuredResultV2;
    const status = Number(r.statusCode);
    if (!Number.isInteger(status) || status < 100 || status > 599) return json(500, 'Internal Server Error');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(r.headers ?? {})) headers[name.toLowerCase()] = String(value);
    const text = typeof r.body === 'string' ? r.body : '';
    return { status, headers, cookies: r.cookies ?? [], body: r.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8') };
  }
  // Without a statusCode, API Gateway assumes 200 and returns the function's response as JSON.
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(typeof result === 'string' ? result : JSON.stringify(result)),
  };
}

/** The outcome line's words from the verifier's own "webhook answered" log facts, or from the status alone. */
export function verifierOutcome(status: number, invocation: Invocation, facts: readonly LogFacts[]): { eventType?: string; outcome: string } {
  if (invocation.kind === 'timeout') return { outcome: `${status} verifier timed out` };
  if (invocation.kind === 'crash') return { outcome: `${status} verifier crashed (${invocation.errorName})` };
  if (invocation.kind === 'error') return { outcome: `${status} verifier threw ${invocation.errorName}` };
  const answered = [...facts].reverse().find((f) => f['message'] === 'webhook answered');
  const eventType = typeof answered?.['eventType'] === 'string' ? answered['eventType'] : undefined;
  const words = [String(status), typeof answered?.['outcome'] === 'string' ? answered['outcome'] : undefined, typeof answered?.['code'] === 'string' ? answered['code'] : undefined];
  return { ...(eventType ? { eventType } : {}), outcome: words.filter(Boolean).join(' ') };
}

export interface HttpApi {
  readonly port: number;
  stop(): Promise<void>;
}

/** The decoded `{provider}` path segment, or undefined when its percent-encoding is malformed. */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Local-only admin requests (`/__local/...`): served only when the runner passes a handler (LOCAL_FAULTS=1). */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
const ADMIN_PREFIX = '/__local/';

export async function startHttpApi(options: { port: number; host: string; verifier: LocalFunction; print: Print; admin?: AdminHandler }): Promise<HttpApi> {
  const { verifier, print } = options;

  function send(res: ServerResponse, answer: Answer, id: string): void {
    const headers: Record<string, string | string[]> = { ...answer.headers, 'content-length': String(answer.body.length), 'apigw-requestid': id };
    if (answer.cookies.length > 0) headers['set-cookie'] = [...answer.cookies];
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const id = requestId();
    const path = (req.url ?? '/').split('?')[0]!;
    if (options.admin && path.startsWith(ADMIN_PREFIX)) return options.admin(req, res);
    const match = ROUTE.exec(path);
    // A malformed percent-encoding (`/webhooks/%ZZ`) matches no literal route of the deployed API either.
    const provider = match ? decodePathSegment(match[1]!) : undefined;
    if (provider === undefined || req.method !== 'POST') {
      req.resume();
      send(res, json(404, 'Not Found'), id);
      print(formatOutcome({ stage: 'http', provider: '-', outcome: `404 no route for ${req.method} ${path.slice(0, 80)}`, ms: performance.now() - started }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) {
        send(res, json(413, 'Request Entity Too Large'), id);
        req.destroy();
        print(formatOutcome({ stage: 'http', provider, outcome: '413 above the HTTP API payload limit', ms: performance.now() - started }));
        return;
      }
      chunks.push(chunk);
    }
    const event = buildEvent(req, Buffer.concat(chunks), provider, id);
    const invocation = await verifier.invoke(event);
    const answer = mapResult(invocation);
    send(res, answer, id);
    const facts = invocation.kind === 'result' || invocation.kind === 'error' ? invocation.facts : [];
    const { eventType, outcome } = verifierOutcome(answer.status, invocation, facts);
    print(formatOutcome({ stage: 'http', provider, ...(eventType ? { eventType } : {}), outcome, ms: performance.now() - started }));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, json(500, 'Internal Server Error'), requestId());
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Requests in flight get a moment to finish; then every connection goes.
      const timer = setTimeout(() => server.closeAllConnections(), 2_000);
      await closed;
      clearTimeout(timer);
    },
  };
}
