/**
 * Starts `local/main.ts` as a child process, the way `npm start` does, in a temporary state
 * directory (never the developer's .local/), and waits for its `listening on` line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeInfo } from '../../../../local/runtime-files.ts';

export const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

export interface LocalStack {
  readonly url: string;
  readonly port: number;
  readonly stateDir: string;
  readonly runtime: RuntimeInfo;
  /** Everything the runner printed so far (stdout, then stderr). */
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the exit code (or the signal that ended it). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startLocalStack(options: {
  stateDir: string;
  env?: Record<string, string>;
  args?: string[];
  timeoutMs?: number;
  /** The repository to run it from (default: this one; test/local/providers/add-provider.test.ts runs a copy). */
  root?: string;
}): Promise<LocalStack> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts', ...(options.args ?? [])], {
    cwd: options.root ?? ROOT,
    env: { ...process.env, LOCAL_STATE_DIR: options.stateDir, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));

  const deadline = Date.now() + (options.timeoutMs ?? 45_000);
  let match: RegExpExecArray | null = null;
  while (!(match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the local stack did not start (exit ${child.exitCode}):\n${err.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const port = Number(match[1]);
  const runtimePath = join(options.stateDir, 'runtime.json');
  if (!existsSync(runtimePath)) throw new Error('runtime.json was not written before the listening line');
  const runtime = JSON.parse(readFileSync(runtimePath, 'utf8')) as RuntimeInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stateDir: options.stateDir,
    runtime,
    stdout: () => out,
    stderr: () => err,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Polls `check` until it returns a value (not undefined), or fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
