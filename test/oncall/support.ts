/**
 * Shared by the on-call tests: the ops CLI as a subprocess (stdin always closed, optionally fed) and a record
 * of every sensitive string (secrets, signatures, PHI markers) that no output may contain. The tests against
 * the local emulator add its stack in test/local/oncall/support.ts; these need nothing from local/.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { motoOnPath } from '../support/stand-ins.ts';

/** The repository root: `ops` runs from there. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const HAS_MOTO = motoOnPath();

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `ops <args>` as a subprocess; `input` is written to its stdin, which is closed either way; an undefined env value removes the variable. */
export function ops(args: readonly string[], options: { env?: Record<string, string | undefined>; input?: string; timeoutMs?: number } = {}): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...options.env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/ops.ts', ...args], {
      cwd: ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === null) reject(new Error(`ops ${args.join(' ')} was killed (${signal}); stderr: ${stderr}`));
      else resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Strings that must never appear in any output: secrets, signatures, PHI markers. */
export class Sensitive {
  readonly #values: string[] = [];

  add<T extends string>(value: T): T {
    if (value) this.#values.push(value);
    return value;
  }

  marker(): string {
    return this.add(`PHI-MARKER-${randomUUID()}`);
  }

  /** The sensitive strings found in `text` (shortened, so a failure does not print them whole). */
  foundIn(text: string): string[] {
    return this.#values.filter((v) => text.includes(v)).map((v) => `${v.slice(0, 14)}...`);
  }
}
