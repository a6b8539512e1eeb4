/**
 * Local Lambda functions: each execution environment is a worker thread (lambda-worker.mjs) with its own
 * environment and its own instance of the bundle, serving one invocation at a time. A function scales out
 * to `maxConcurrency` environments on demand (each new one is a cold start), kills an environment whose
 * invocation overruns the timeout (as Lambda does), and replaces environments that crashed.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';

const WORKER_SCRIPT = new URL('./lambda-worker.mjs', import.meta.url);

/** Allowlisted fields of one log line the handler wrote (ids, types, outcomes), never bodies. */
export type LogFacts = Readonly<Record<string, string | number>>;

export type Invocation =
  | { readonly kind: 'result'; readonly result: unknown; readonly facts: readonly LogFacts[]; readonly durationMs: number }
  /** The handler threw (`errorName` only: a message may quote what it failed on). */
  | { readonly kind: 'error'; readonly errorName: string; readonly facts: readonly LogFacts[]; readonly durationMs: number }
  | { readonly kind: 'timeout'; readonly durationMs: number }
  /** The environment died (init error, crash, out of memory). */
  | { readonly kind: 'crash'; readonly errorName: string; readonly durationMs: number };

export interface FunctionSpec {
  readonly name: string;
  readonly bundle: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly maxConcurrency: number;
  /** Where the handler's stdout/stderr go (Powertools JSON logs, EMF metrics): each environment appends to it itself. */
  readonly logFile: string;
  /** Also copy the handler's output here (the runner's --verbose). */
  readonly echo?: NodeJS.WritableStream;
}

export class InitError extends Error {
  constructor(functionName: string, name: string, message: string) {
    super(`${functionName} failed to initialize: ${name}: ${message}`);
    this.name = 'InitError';
  }
}

interface Pending {
  readonly id: number;
  readonly started: number;
  readonly resolve: (invocation: Invocation) => void;
  readonly timer: NodeJS.Timeout;
}

class Environment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  pending: Pending | undefined;
  dead = false;

  constructor(private readonly spec: FunctionSpec, log: { readonly fd: number; write(chunk: Buffer): void }, onGone: (env: Environment) => void) {
    this.worker = new Worker(WORKER_SCRIPT, {
      // The worker writes the handler's output to logFd itself and forwards it here only to echo it (--verbose).
      workerData: { bundle: spec.bundle, functionName: spec.name, memoryMb: spec.memoryMb, logFd: log.fd, echo: spec.echo !== undefined },
      env: { ...spec.environment },
      argv: [],
      execArgv: [],
      stdout: true,
      stderr: true,
      // Lambda's memory setting, applied to the heap as Lambda's Node.js runtime does.
      resourceLimits: heapLimits(spec.memoryMb),
    });
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      stream.on('data', (chunk: Buffer) => {
        if (spec.echo) spec.echo.write(chunk);
        else log.write(chunk); // output that bypassed the worker's own writer (none expected)
      });
    }
    this.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: { type: string; error?: { name: string; message: string } }) => {
        if (message.type === 'ready') {
          this.worker.off('message', onMessage);
          resolve();
        } else if (message.type === 'init-error') {
          this.worker.off('message', onMessage);
          reject(new InitError(spec.name, message.error?.name ?? 'Error', message.error?.message ?? ''));
          void this.kill();
        }
      };
      this.worker.on('message', onMessage);
      this.worker.once('exit', () => reject(new InitError(spec.name, 'Runtime.ExitError', 'the environment exited during init')));
    });
    this.ready.catch(() => undefined);
    this.worker.on('message', (message: { type: string; id?: number; result?: unknown; facts?: LogFacts[]; durationMs?: number; error?: { name: string } }) => {
      const pending = this.pending;
      if (!pending || message.id !== pending.id) return;
      if (message.type === 'result') {
        this.finish({ kind: 'result', result: message.result, facts: message.facts ?? [], durationMs: message.durationMs ?? Date.now() - pending.started });
      } else if (message.type === 'error') {
        this.finish({ kind: 'error', errorName: message.error?.name ?? 'Error', facts: message.facts ?? [], durationMs: message.durationMs ?? Date.now() - pending.started });
      }
    });
    this.worker.on('error', () => undefined); // reported through 'exit'
    this.worker.once('exit', () => {
      this.dead = true;
      const pending = this.pending;
      if (pending) this.finish({ kind: 'crash', errorName: 'Runtime.ExitError', durationMs: Date.now() - pending.started });
      onGone(this);
    });
  }

  private finish(invocation: Invocation): void {
    const pending = this.pending;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending = undefined;
    pending.resolve(invocation);
  }

  invoke(id: number, event: unknown): Promise<Invocation> {
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    const started = Date.now();
    return new Promise<Invocation>((resolve) => {
      const timer = setTimeout(() => {
        // Lambda stops the environment at the timeout; the next invocation gets a fresh one.
        this.finish({ kind: 'timeout', durationMs: Date.now() - started });
        void this.kill();
      }, timeoutMs);
      this.pending = { id, started, resolve, timer };
      this.worker.postMessage({ type: 'invoke', id, event, deadline: started + timeoutMs });
    });
  }

  async kill(): Promise<void> {
    if (this.dead) return;
    this.dead = true;
    await this.worker.terminate();
  }
}

/**
 * The heap of a Lambda environment with `memoryMb`: the Node.js runtime's bootstrap gives a tenth of the
 * memory to the young generation (`--max-semi-space-size` = memory / 20) and the rest to the old one.
 * (V8's young generation is three semi-spaces: two for scavenging, one for new large objects.)
 */
export function heapLimits(memoryMb: number): { maxYoungGenerationSizeMb: number; maxOldGenerationSizeMb: number } {
  const semiSpaceMb = Math.max(1, Math.floor(memoryMb / 10 / 2));
  return { maxYoungGenerationSizeMb: 3 * semiSpaceMb, maxOldGenerationSizeMb: memoryMb - Math.floor(memoryMb / 10) };
}

/** One function: a pool of environments, at most `maxConcurrency` of them, each busy with one invocation. */
export class LocalFunction {
  readonly #idle: Environment[] = [];
  readonly #all = new Set<Environment>();
  readonly #waiting: ((env: Environment) => void)[] = [];
  readonly #log: { readonly fd: number; write(chunk: Buffer): void };
  #logClosed = false;
  #nextId = 1;
  #stopped = false;

  constructor(readonly spec: FunctionSpec) {
    mkdirSync(dirname(spec.logFile), { recursive: true });
    const fd = openSync(spec.logFile, 'a');
    this.#log = { fd, write: (chunk) => void (this.#logClosed || writeSync(fd, chunk)) };
  }

  /** Starts one environment and waits for its init, so configuration errors surface at start. */
  async warm(): Promise<void> {
    const env = this.#spawn();
    await env.ready;
    this.#release(env);
  }

  #spawn(): Environment {
    const env = new Environment(this.spec, this.#log, (gone) => {
      this.#all.delete(gone);
      const at = this.#idle.indexOf(gone);
      if (at >= 0) this.#idle.splice(at, 1);
      // Someone waits for an environment and this one will never come back: start its replacement.
      if (this.#waiting.length > 0 && !this.#stopped) {
        const replacement = this.#spawn();
        replacement.ready.then(() => this.#release(replacement), () => undefined);
      }
    });
    this.#all.add(env);
    return env;
  }

  #release(env: Environment): void {
    if (env.dead || this.#stopped) return;
    const next = this.#waiting.shift();
    if (next) next(env);
    else this.#idle.push(env);
  }

  async #acquire(): Promise<Environment> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#all.size < this.spec.maxConcurrency) {
      const env = this.#spawn();
      await env.ready;
      return env;
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  async invoke(event: unknown): Promise<Invocation> {
    const started = Date.now();
    let env: Environment;
    try {
      env = await this.#acquire();
    } catch (error) {
      return { kind: 'crash', errorName: (error as Error).name, durationMs: Date.now() - started };
    }
    const invocation = await env.invoke(this.#nextId++, event);
    this.#release(env);
    return invocation;
  }

  /**
   * Ends every environment at once, busy or idle, as a crash would: invocations in flight end as `crash`,
   * the next ones cold-start. Fault injection only (fault-proxy.ts, LOCAL_FAULTS=1).
   */
  async recycle(): Promise<number> {
    const all = [...this.#all];
    this.#idle.length = 0;
    await Promise.all(all.map((env) => env.kill()));
    return all.length;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#all].map((env) => env.kill()));
    if (!this.#logClosed) {
      this.#logClosed = true;
      closeSync(this.#log.fd);
    }
  }
}
