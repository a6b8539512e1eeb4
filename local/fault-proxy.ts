/**
 * Fault injection for the local stack (LOCAL_FAULTS=1 only; never on by default, never deployed).
 *
 * The runner puts one small HTTP proxy between the functions and each stand-in endpoint (DynamoDB, SQS,
 * Secrets Manager, S3), one set for the verifier and one for the processors and their event sources, and
 * points their AWS_ENDPOINT_URL_<SERVICE> at the proxies. The handlers and the SDK are unchanged: they see
 * what they would see from an unhealthy AWS service. Faults are switched from outside with
 *
 *   POST http://127.0.0.1:$PORT/__local/faults   {"sqs": "down"}
 *                                                {"dynamodb": {"mode": "error", "rate": 0.5, "scope": "processor"}}
 *                                                {"sqs": {"mode": "slow", "delayMs": 4000, "where": "response", "operations": ["SendMessage"]}}
 *                                                {"sqs": {"mode": "crash", "scope": "verifier", "operations": ["SendMessage"], "rate": 0.2}}
 *                                                {"reset": true}            (everything up; "clearStats": true also zeroes the counters)
 *                                                {"recycle": "verifier"}    (ends every verifier environment: the next requests cold-start)
 *   GET  http://127.0.0.1:$PORT/__local/faults   the faults in force and the calls seen, per scope, service and operation
 *   GET  http://127.0.0.1:$PORT/__local/faults/enqueued   every SendMessage the verifier got a 200 for: provider, dedupeKey, time
 *
 * Modes: `up` (pass through), `down` (the connection is reset before anything reaches the stand-in), `error`
 * (HTTP 500 InternalFailure, or `status`), `slow` (`delayMs`, default 5000; `where: "request"` holds the request
 * and drops it if the caller gave up, `"response"` lets the stand-in apply it and holds the answer: the
 * write happened but the caller timed out), `blackhole` (never answered), `crash` (the verifier's environments
 * are ended while this request is held, then the connection is reset: a crash at that point of the code).
 * `rate` (0..1, default 1) picks a share of the requests; `operations` (e.g. ["SendMessage"]) limits the fault
 * to those operations; `scope` is `verifier`, `processor` (the processors and their event sources) or `all`.
 *
 * The proxies read request bodies only to count operations and, for SendMessage, to note the provider and
 * dedupeKey message attributes; they never print or store a body.
 */
import { request as httpRequest, Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Endpoints } from './function-environment.ts';

export const SERVICES = ['dynamodb', 'sqs', 'secretsManager', 's3'] as const;
export type Service = (typeof SERVICES)[number];
export const SCOPES = ['verifier', 'processor'] as const;
export type Scope = (typeof SCOPES)[number];
export const MODES = ['up', 'down', 'error', 'slow', 'blackhole', 'crash'] as const;
export type Mode = (typeof MODES)[number];

/** Accepted spellings of the service names in a fault request. */
const SERVICE_NAMES: Readonly<Record<string, Service>> = {
  dynamodb: 'dynamodb',
  sqs: 'sqs',
  secretsmanager: 'secretsManager',
  secretsManager: 'secretsManager',
  'secrets-manager': 'secretsManager',
  s3: 's3',
};

export interface Fault {
  readonly mode: Mode;
  /** Share of the matching requests that get the fault. @default 1 */
  readonly rate: number;
  /** Only these operations (X-Amz-Target operation names, or S3's PutObject/GetObject/...). @default all */
  readonly operations?: readonly string[];
  /** `slow`: how long to hold. @default 5000 */
  readonly delayMs: number;
  /** `slow`: hold the request before the stand-in sees it, or the stand-in's answer. @default request */
  readonly where: 'request' | 'response';
  /** `error`: the HTTP status. @default 500 */
  readonly status: number;
}

const UP: Fault = { mode: 'up', rate: 1, delayMs: 5_000, where: 'request', status: 500 };

export class FaultRequestError extends Error {}

function number(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new FaultRequestError(`${name} must be a number from ${min} to ${max}`);
  }
  return value;
}

/** One service's entry of a fault request: `"down"` or `{"mode": "down", ...}`. */
export function parseFault(value: unknown): { fault: Fault; scope: Scope | 'all' } {
  const spec = typeof value === 'string' ? { mode: value } : value;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new FaultRequestError('a fault is a mode name or an object with "mode"');
  const s = spec as Record<string, unknown>;
  const known = new Set(['mode', 'rate', 'operations', 'delayMs', 'where', 'status', 'scope']);
  const unknown = Object.keys(s).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new FaultRequestError(`unknown fault field(s): ${unknown.join(', ')}`);
  if (!MODES.includes(s['mode'] as Mode)) throw new FaultRequestError(`mode must be one of ${MODES.join(', ')}`);
  const scope = s['scope'] ?? 'all';
  if (scope !== 'all' && !SCOPES.includes(scope as Scope)) throw new FaultRequestError(`scope must be all, ${SCOPES.join(' or ')}`);
  const where = s['where'] ?? 'request';
  if (where !== 'request' && where !== 'response') throw new FaultRequestError('where must be request or response');
  const operations = s['operations'];
  if (operations !== undefined && (!Array.isArray(operations) || !operations.every((o) => typeof o === 'string' && o.length > 0))) {
    throw new FaultRequestError('operations must be a list of operation names');
  }
  return {
    scope: scope as Scope | 'all',
    fault: {
      mode: s['mode'] as Mode,
      rate: number(s['rate'], 'rate', 0, 1, 1),
      ...(operations ? { operations: operations as string[] } : {}),
      delayMs: number(s['delayMs'], 'delayMs', 0, 600_000, 5_000),
      where,
      status: number(s['status'], 'status', 400, 599, 500),
    },
  };
}

/** The operation of an AWS request: the X-Amz-Target suffix (JSON protocols), or S3's from method and path. */
export function operationOf(req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) return target.slice(target.lastIndexOf('.') + 1);
  const path = (req.url ?? '/').split('?')[0]!.split('/').filter(Boolean);
  const object = path.length >= 2;
  switch (req.method) {
    case 'PUT': return object ? 'PutObject' : 'CreateBucket';
    case 'GET': return object ? 'GetObject' : 'ListObjects';
    case 'HEAD': return object ? 'HeadObject' : 'HeadBucket';
    case 'DELETE': return object ? 'DeleteObject' : 'DeleteBucket';
    default: return req.method ?? 'UNKNOWN';
  }
}

export interface OperationStats {
  calls: number;
  /** Requests that got the fault in force (reset, error, held, crashed). */
  faulted: number;
}

/**
 * A SendMessage the stand-in accepted (HTTP 200 from it), or a spool object S3 stored (the verifier's
 * fallback when SendMessage fails): the message is durable from `at` on.
 */
export interface EnqueuedRecord {
  readonly scope: Scope;
  readonly provider: string;
  /** The message's dedupe key; empty for a spool object, whose key names only its SHA-256. */
  readonly dedupeKey: string;
  /** `spool`: a PutObject of `spool/<provider>/<time>-<sha256 of the dedupe key>.json`. @default queue */
  readonly via?: 'queue' | 'spool';
  /** For a spool object: the SHA-256 (hex) of the dedupe key, from its object key. */
  readonly dedupeKeySha256?: string;
  readonly messageId: string;
  /** Epoch ms the stand-in answered. */
  readonly at: number;
  /** False when the caller had gone (it timed out) before the answer could be passed on. */
  readonly answered: boolean;
}

function awsError(res: ServerResponse, status: number, s3: boolean): void {
  if (s3) {
    const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected fault (LOCAL_FAULTS)</Message></Error>';
    res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const body = JSON.stringify({ __type: 'InternalFailure', message: 'injected fault (LOCAL_FAULTS)' });
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'InternalFailure', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The provider and dedupeKey message attributes of a SendMessage (JSON protocol), never the body. */
function sendMessageIds(body: Buffer): { provider: string; dedupeKey: string } | undefined {
  try {
    const input = JSON.parse(body.toString('utf8')) as { MessageAttributes?: Record<string, { StringValue?: string }> };
    const provider = input.MessageAttributes?.['provider']?.StringValue;
    const dedupeKey = input.MessageAttributes?.['dedupeKey']?.StringValue;
    return provider !== undefined && dedupeKey !== undefined ? { provider, dedupeKey } : undefined;
  } catch {
    return undefined;
  }
}

/** Provider and dedupe-key hash of a spool object's path (`/<bucket>/spool/<provider>/<time>-<sha256>.json`). */
function spoolObjectIds(url: string | undefined): { provider: string; dedupeKeySha256: string; key: string } | undefined {
  const path = decodeURIComponent((url ?? '').split('?')[0]!);
  const match = /^\/[^/]+\/(spool\/([^/]+)\/[^/]*-([0-9a-f]{64})\.json)$/.exec(path);
  return match ? { key: match[1]!, provider: match[2]!, dedupeKeySha256: match[3]! } : undefined;
}

function messageIdOf(body: Buffer): string {
  try {
    return String((JSON.parse(body.toString('utf8')) as { MessageId?: unknown }).MessageId ?? '');
  } catch {
    return '';
  }
}

/** One proxy: one scope's view of one stand-in. */
export class FaultProxy {
  fault: Fault = UP;
  readonly stats = new Map<string, OperationStats>();
  readonly #server: Server;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 256 });
  readonly #upstream: URL;
  #port = 0;

  constructor(
    readonly scope: Scope,
    readonly service: Service,
    upstream: string,
    private readonly hooks: { onCrash: (scope: Scope) => Promise<unknown>; onEnqueued: (record: EnqueuedRecord) => void },
  ) {
    this.#upstream = new URL(upstream);
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch(() => {
        if (!res.headersSent) awsError(res, 500, this.service === 's3');
        else res.destroy();
      });
    });
    // Held requests must not be cut by the server's own timeouts.
    this.#server.requestTimeout = 0;
    this.#server.headersTimeout = 60_000;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    return this.endpoint;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#agent.destroy();
  }

  #count(operation: string, faulted: boolean): void {
    let entry = this.stats.get(operation);
    if (!entry) this.stats.set(operation, (entry = { calls: 0, faulted: 0 }));
    entry.calls++;
    if (faulted) entry.faulted++;
  }

  #applies(operation: string): boolean {
    const fault = this.fault;
    if (fault.mode === 'up') return false;
    if (fault.operations && !fault.operations.includes(operation)) return false;
    return fault.rate >= 1 || Math.random() < fault.rate;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const operation = operationOf(req);
    const fault = this.fault;
    const faulted = this.#applies(operation);
    this.#count(operation, faulted);
    if (faulted && fault.mode === 'down') {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    let gone = false;
    res.once('close', () => (gone = !res.writableFinished));
    if (faulted) {
      switch (fault.mode) {
        case 'error':
          awsError(res, fault.status, this.service === 's3');
          return;
        case 'blackhole':
          return; // held until the caller gives up
        case 'crash':
          await this.hooks.onCrash(this.scope);
          req.socket.destroy();
          return;
        case 'slow':
          if (fault.where === 'request') {
            await sleep(fault.delayMs);
            if (gone || req.socket.destroyed) return; // the caller gave up: the stand-in never sees it
          }
          break;
      }
    }
    const answer = await this.#forward(req, body);
    const at = Date.now();
    if (faulted && fault.mode === 'slow' && fault.where === 'response') await sleep(fault.delayMs);
    const callerGone = gone || res.destroyed;
    if (answer.status === 200 && operation === 'SendMessage' && this.service === 'sqs') {
      const ids = sendMessageIds(body);
      if (ids) this.hooks.onEnqueued({ scope: this.scope, ...ids, messageId: messageIdOf(answer.body), at, answered: !callerGone });
    }
    if (answer.status === 200 && operation === 'PutObject' && this.service === 's3') {
      const spooled = spoolObjectIds(req.url);
      if (spooled) {
        this.hooks.onEnqueued({
          scope: this.scope, provider: spooled.provider, dedupeKey: '', via: 'spool', dedupeKeySha256: spooled.dedupeKeySha256,
          messageId: spooled.key, at, answered: !callerGone,
        });
      }
    }
    if (callerGone) return;
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  #forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const upstream = httpRequest({
        host: this.#upstream.hostname,
        port: this.#upstream.port,
        method: req.method,
        path: req.url,
        headers,
        agent: this.#agent,
      }, (response) => {
        const parts: Buffer[] = [];
        response.on('data', (chunk: Buffer) => parts.push(chunk));
        response.on('end', () => {
          const out: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined && name !== 'transfer-encoding' && name !== 'connection' && name !== 'keep-alive') out[name] = value;
          }
          const bytes = Buffer.concat(parts);
          out['content-length'] = String(bytes.length);
          resolve({ status: response.statusCode ?? 502, headers: out, body: bytes });
        });
        response.on('error', reject);
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}

export interface FaultInjection {
  /** The endpoints a scope's functions use (the proxies). */
  endpoints(scope: Scope): Endpoints;
  /** `url` (a stand-in's URL, e.g. a queue URL) with the origin of the scope's proxy for `service`. */
  via(scope: Scope, service: Service, url: string): string;
  /** The admin endpoint: handles `/__local/faults` on the runner's HTTP API. */
  readonly admin: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** For tests: apply a fault request as POST /__local/faults would. */
  apply(request: unknown): Promise<Record<string, unknown>>;
  state(): Record<string, unknown>;
  readonly enqueued: readonly EnqueuedRecord[];
  stop(): Promise<void>;
}

export interface FaultHooks {
  /** Ends every environment of the verifier (crash mode, and `{"recycle": "verifier"}`). */
  readonly recycleVerifier: () => Promise<unknown>;
}

const ADMIN_PATH = '/__local/faults';
const MAX_ADMIN_BYTES = 64 * 1024;

/** Starts a proxy per scope and service in front of `upstream` (the stand-ins' own endpoints). */
export async function startFaultInjection(upstream: Endpoints, hooks: FaultHooks): Promise<FaultInjection> {
  const enqueued: EnqueuedRecord[] = [];
  const proxies: FaultProxy[] = [];
  let recycles = 0;
  const recycle = async () => {
    recycles++;
    await hooks.recycleVerifier();
  };
  for (const scope of SCOPES) {
    for (const service of SERVICES) {
      // A crash in the processors' path ends the verifier too only if asked for (scope "verifier" is the documented use).
      const proxy = new FaultProxy(scope, service, upstream[service], {
        onCrash: async (s) => (s === 'verifier' ? recycle() : undefined),
        onEnqueued: (record) => enqueued.push(record),
      });
      await proxy.start();
      proxies.push(proxy);
    }
  }
  const find = (scope: Scope, service: Service) => proxies.find((p) => p.scope === scope && p.service === service)!;

  function state(): Record<string, unknown> {
    const faults: Record<string, Record<string, Fault>> = {};
    const calls: Record<string, Record<string, Record<string, OperationStats>>> = {};
    for (const proxy of proxies) {
      if (proxy.fault.mode !== 'up') (faults[proxy.scope] ??= {})[proxy.service] = proxy.fault;
      (calls[proxy.scope] ??= {})[proxy.service] = Object.fromEntries([...proxy.stats].map(([op, s]) => [op, { ...s }]));
    }
    return { faults, calls, enqueuedCount: enqueued.length, recycles };
  }

  async function apply(request: unknown): Promise<Record<string, unknown>> {
    if (typeof request !== 'object' || request === null || Array.isArray(request)) throw new FaultRequestError('the request is a JSON object');
    const entries = Object.entries(request as Record<string, unknown>);
    const changes: [FaultProxy, Fault][] = [];
    let reset = false;
    let clear = false;
    let doRecycle = false;
    for (const [key, value] of entries) {
      if (key === 'reset') {
        if (typeof value !== 'boolean') throw new FaultRequestError('reset must be true or false');
        reset = value;
      } else if (key === 'clearStats') {
        if (typeof value !== 'boolean') throw new FaultRequestError('clearStats must be true or false');
        clear = value;
      } else if (key === 'recycle') {
        if (value !== 'verifier') throw new FaultRequestError('recycle must be "verifier"');
        doRecycle = true;
      } else {
        const service = SERVICE_NAMES[key];
        if (!service) throw new FaultRequestError(`unknown service '${key.slice(0, 40)}' (dynamodb, sqs, secretsmanager, s3, reset, clearStats, recycle)`);
        const { fault, scope } = parseFault(value);
        for (const s of scope === 'all' ? SCOPES : [scope]) changes.push([find(s, service), fault]);
      }
    }
    // Validated as a whole before anything changes.
    if (reset) for (const proxy of proxies) proxy.fault = UP;
    if (clear) {
      for (const proxy of proxies) proxy.stats.clear();
      enqueued.length = 0;
    }
    for (const [proxy, fault] of changes) proxy.fault = fault;
    if (doRecycle) await recycle();
    return state();
  }

  function reply(res: ServerResponse, status: number, value: unknown): void {
    const body = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  async function admin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === ADMIN_PATH && req.method === 'GET') return reply(res, 200, state());
    if (path === `${ADMIN_PATH}/enqueued` && req.method === 'GET') return reply(res, 200, { enqueued });
    if (path !== ADMIN_PATH || req.method !== 'POST') {
      req.resume();
      return reply(res, 404, { message: 'Not Found' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_ADMIN_BYTES) return reply(res, 413, { error: 'too large' });
      chunks.push(chunk);
    }
    let request: unknown;
    try {
      request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(res, 400, { error: 'the body is not JSON' });
    }
    try {
      return reply(res, 200, await apply(request));
    } catch (error) {
      if (error instanceof FaultRequestError) return reply(res, 400, { error: error.message });
      throw error;
    }
  }

  return {
    endpoints: (scope) => ({
      dynamodb: find(scope, 'dynamodb').endpoint,
      sqs: find(scope, 'sqs').endpoint,
      secretsManager: find(scope, 'secretsManager').endpoint,
      s3: find(scope, 's3').endpoint,
    }),
    via: (scope, service, url) => {
      const target = new URL(url);
      const proxy = new URL(find(scope, service).endpoint);
      target.protocol = proxy.protocol;
      target.host = proxy.host;
      return target.toString();
    },
    admin,
    apply,
    state,
    enqueued,
    stop: async () => {
      await Promise.all(proxies.map((p) => p.stop()));
    },
  };
}

/** Whether a path belongs to the local admin API (never routed to the verifier). */
export function isAdminPath(path: string): boolean {
  return path === ADMIN_PATH || path.startsWith(`${ADMIN_PATH}/`);
}
