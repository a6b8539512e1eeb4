/**
 * The on-call tests against the local emulator: the ops helpers of test/oncall/support.ts plus the local
 * stack started by the e2e helper with a short visibility timeout and two receives before the DLQ.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSecret } from '../../../local/runtime-files.ts';
import { loadAppConfig } from '../../../local/settings.ts';
import type { Sensitive } from '../../oncall/support.ts';
import { startLocalStack, type LocalStack } from '../e2e/support/local-stack.ts';

export { HAS_MOTO, ops, ROOT, Sensitive, type Run } from '../../oncall/support.ts';
export { eventually } from '../e2e/support/local-stack.ts';
export { LocalAws, send, signedRequest, type SignedRequest } from '../e2e/support/webhooks.ts';

export const PROVIDERS = loadAppConfig().providers.map((p) => p.id);
export const MAX_RECEIVE_COUNT = 2;

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
  const stack = await startLocalStack({
    stateDir,
    args: ['--fresh'],
    env: {
      // 0: the runner picks a free port itself (a port chosen here could be taken while the runner builds).
      PORT: '0',
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

/** The runner's outcome lines for one provider, event type and outcome (local/report.ts). */
export function outcomeLines(stack: LocalStack, stage: 'http' | 'processor', providerId: string, eventType: string, outcome: string): string[] {
  const pattern = new RegExp(`\\s${stage}\\s+${escape(providerId)}\\s+${escape(eventType)}\\s+${escape(outcome)}`);
  return stack.stdout().split('\n').filter((line) => pattern.test(line));
}

/** Writes the runner's failure-drill file (local/drill.ts) and waits until the runner applied it. */
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
