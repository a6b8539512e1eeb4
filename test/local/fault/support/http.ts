/**
 * A lean HTTP client for driving the local stack hard from tests and benches: node:http with a keep-alive
 * agent (fetch costs several times more CPU per request, which the 2-core machines cannot spare), a total
 * deadline per request, and errors returned as values, never thrown. Loopback only.
 */
import { Agent, request } from 'node:http';

export interface Reply {
  /** HTTP status, or undefined when no answer came (connection reset, timeout). */
  readonly status?: number;
  readonly body: string;
  /** `timeout`, or the socket error code (`ECONNRESET`, ...). */
  readonly error?: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly ms: number;
}

export interface RequestSpec {
  readonly method?: string;
  readonly path: string;
  /** An object, or name/value pairs (repeats allowed, sent in order). */
  readonly headers?: Record<string, string | string[]> | readonly (readonly [string, string])[];
  readonly body?: Buffer | string;
  /** Total deadline for the answer. @default 30 000 */
  readonly timeoutMs?: number;
}

export class Client {
  readonly agent: Agent;
  readonly #host: string;
  readonly #port: number;

  /** `keepAlive: false`: a fresh connection per request (for inputs after which the server may close it). */
  constructor(baseUrl: string, maxSockets = 64, options: { keepAlive?: boolean } = {}) {
    const url = new URL(baseUrl);
    if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') throw new Error('loopback only');
    this.#host = url.hostname;
    this.#port = Number(url.port);
    const keepAlive = options.keepAlive ?? true;
    this.agent = new Agent({ keepAlive, maxSockets, ...(keepAlive ? { maxFreeSockets: maxSockets } : {}) });
  }

  send(spec: RequestSpec): Promise<Reply> {
    const startedAt = Date.now();
    const started = performance.now();
    return new Promise((resolve) => {
      let done = false;
      const finish = (status: number | undefined, body: string, error?: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve({ ...(status !== undefined ? { status } : {}), body, ...(error ? { error } : {}), startedAt, endedAt: Date.now(), ms: performance.now() - started });
      };
      const body = spec.body === undefined ? undefined : Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body);
      const pairs: [string, string][] = Array.isArray(spec.headers)
        ? spec.headers.map(([k, v]) => [k, v] as [string, string])
        : Object.entries((spec.headers ?? {}) as Record<string, string | string[]>).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as [string, string]) : [[k, v] as [string, string]]));
      if (body !== undefined && !pairs.some(([h]) => h.toLowerCase() === 'content-length' || h.toLowerCase() === 'transfer-encoding')) {
        pairs.push(['content-length', String(body.length)]);
      }
      // node:http takes raw header pairs as one flat list (repeats kept, as message.rawHeaders), and then
      // adds no Host header of its own (HTTP/1.1 servers answer 400 without one).
      if (!pairs.some(([h]) => h.toLowerCase() === 'host')) pairs.unshift(['host', `${this.#host}:${this.#port}`]);
      const headers = pairs.flat();
      let req: ReturnType<typeof request>;
      try {
        req = request({ host: this.#host, port: this.#port, method: spec.method ?? 'POST', path: spec.path, headers, agent: this.agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => finish(res.statusCode, Buffer.concat(chunks).toString('utf8')));
          res.on('error', (error: NodeJS.ErrnoException) => finish(res.statusCode, Buffer.concat(chunks).toString('utf8'), error.code ?? error.name));
        });
      } catch (error) {
        // The client itself refused the request (an invalid header value or method): nothing was sent.
        finish(undefined, '', `client:${(error as NodeJS.ErrnoException).code ?? (error as Error).name}`);
        return;
      }
      const timer = setTimeout(() => {
        req.destroy();
        finish(undefined, '', 'timeout');
      }, spec.timeoutMs ?? 30_000);
      req.on('error', (error: NodeJS.ErrnoException) => finish(undefined, '', error.code ?? error.name));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** At most `max` tasks at once; `slot()` resolves when one more could start (for paced dispatch). */
export class Limiter {
  #active = 0;
  readonly #queue: (() => void)[] = [];

  constructor(readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.max) await new Promise<void>((resolve) => this.#queue.push(resolve));
    this.#active++;
    try {
      return await task();
    } finally {
      this.#active--;
      this.#queue.shift()?.();
    }
  }

  get active(): number {
    return this.#active;
  }

  /** Resolves once fewer than `max` tasks run and nobody waits. */
  async slot(): Promise<void> {
    while (this.#active >= this.max || this.#queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
