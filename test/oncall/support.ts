/**
 * Shared by the on-call tests: the ops CLI as a subprocess (stdin always closed, optionally fed), the local
 * stack started by the e2e helper with a short visibility timeout and two receives before the DLQ, and a
 * record of every sensitive string (secrets, signatures, PHI markers) that no output may contain.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSecret } from '../../scripts/local/runtime-files.ts';
import { findOnPath, loadAppConfig } from '../../scripts/local/settings.ts';
import { freePort, ROOT, startLocalStack, type LocalStack } from '../e2e/support/local-stack.ts';

export { eventually } from '../e2e/support/local-stack.ts';
export { LocalAws, send, signedRequest, type SignedRequest } from '../e2e/support/webhooks.ts';

export const HAS_MOTO = findOnPath('moto_server') !== undefined;
export const PROVIDERS = loadAppConfig().providers.map((p) => p.id);
export const MAX_RECEIVE_COUNT = 2;

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

export interface OncallStack {
  readonly stack: LocalStack;
  readonly stateDir: string;
  readonly secretsFile: string;
  /** The secrets the stack started with (one per provider). */
  readonly secrets: Record<string, { current: string; previous?: string }>;
  /** The environment `ops --local` needs to find this stack. */
  readonly env: Record<string, string>;
  /** Runner output and every log file of the state directory. */
  everythingPrinted(): string;
}

/**
 * One local stack for a test file, in a temporary state directory: visibility timeout 1 s, DLQ after two
 * receives, one verifier instance (one secret cache, so rotation timing is deterministic).
 */
export async function startOncallStack(options: { prefix: string; env?: Record<string, string>; sensitive: Sensitive }): Promise<OncallStack> {
  const stateDir = mkdtempSync(join(tmpdir(), options.prefix));
  const secretsFile = join(stateDir, 'provider-secrets.json');
  const secrets: Record<string, { current: string; previous?: string }> = Object.fromEntries(PROVIDERS.map((id) => [id, { current: options.sensitive.add(generateSecret()) }]));
  writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
  const port = await freePort();
  const stack = await startLocalStack({
    stateDir,
    args: ['--fresh'],
    env: {
      PORT: String(port),
      WEBHOOK_SECRETS_FILE: secretsFile,
      LOCAL_MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
      LOCAL_VISIBILITY_TIMEOUT_SECONDS: '1',
      // A drilled (transient) failure is retried once, 1 s later, then moved to the DLQ by the processor.
      LOCAL_RETRY_BUDGET_SECONDS: '1',
      LOCAL_VERIFIER_CONCURRENCY: '1',
      ...options.env,
    },
  });
  return {
    stack,
    stateDir,
    secretsFile,
    secrets,
    env: { LOCAL_STATE_DIR: stateDir, WEBHOOK_SECRETS_FILE: secretsFile },
    everythingPrinted: () => {
      const logs = join(stateDir, 'logs');
      const files = existsSync(logs) ? readdirSync(logs).map((name) => readFileSync(join(logs, name), 'utf8')) : [];
      return [stack.stdout(), stack.stderr(), ...files].join('\n');
    },
  };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The runner's outcome lines for one provider, event type and outcome (scripts/local/report.ts). */
export function outcomeLines(stack: LocalStack, stage: 'http' | 'processor', providerId: string, eventType: string, outcome: string): string[] {
  const pattern = new RegExp(`\\s${stage}\\s+${escape(providerId)}\\s+${escape(eventType)}\\s+${escape(outcome)}`);
  return stack.stdout().split('\n').filter((line) => pattern.test(line));
}

/** Writes the runner's failure-drill file (scripts/local/drill.ts) and waits until the runner applied it. */
export async function setDrill(oncall: OncallStack, eventTypes: string): Promise<void> {
  const before = oncall.stack.stderr().length;
  writeFileSync(join(oncall.stateDir, 'drill.json'), JSON.stringify({ processorFailEventTypes: eventTypes }));
  const expected = eventTypes ? `FAILURE DRILL: processors now fail event types ${eventTypes}` : 'failure drill off';
  const deadline = Date.now() + 20_000;
  while (!oncall.stack.stderr().slice(before).includes(expected)) {
    if (Date.now() > deadline) throw new Error(`the runner did not apply the drill '${eventTypes}':\n${oncall.stack.stderr().slice(before)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
