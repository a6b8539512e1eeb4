/**
 * The local runner's settings: the deploy configuration from cdk.json (the same validation `cdk synth`
 * runs, so the local stack has the providers, limits and redrive of the `dev` stage), plus the few
 * local-only knobs read from the environment. Read once at start; every problem is reported at once.
 */
import { ConfigError, loadProjectConfig, type AppConfig } from '../lib/config/load.ts';
import { PROJECT_ROOT, secretsFileFrom, stateDirFrom, type Env } from '../ops/local-target.ts';

export { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION, PROJECT_ROOT, secretsFileFrom, stateDirFrom, type Env } from '../ops/local-target.ts';
export { findOnPath } from '../tools/stand-ins/find-on-path.ts';
export const HOST = '127.0.0.1';
export const DEFAULT_PORT = 3000;
export const LEDGER_TABLE = 'webhook-ledger';
export const CLAIM_CHECK_BUCKET = 'webhook-claim-checks';

export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'SettingsError';
  }
}

export type MotoMode = 'auto' | 'on' | 'off';

export interface RunnerSettings {
  readonly port: number;
  readonly stateDir: string;
  readonly secretsFile: string;
  readonly fresh: boolean;
  readonly verbose: boolean;
  /** `auto`: moto_server when on PATH; `on`: required; `off`: the runner's own stand-ins. */
  readonly moto: MotoMode;
  /** The `dev` stage configuration from cdk.json, validated by lib/config/load.ts. */
  readonly app: AppConfig;
  /** Receives before the DLQ, per provider (cdk.json, or LOCAL_MAX_RECEIVE_COUNT for all). */
  readonly maxReceiveCount: ReadonlyMap<string, number>;
  /** Queue visibility timeout: 6 × processor timeout like lib/, or LOCAL_VISIBILITY_TIMEOUT_SECONDS. */
  readonly visibilityTimeoutSeconds: number;
  /** Verifier instances that may run at once (Lambda concurrency). */
  readonly verifierConcurrency: number;
  /** Passed to the processors unchanged (failure drill, docs/architecture.md). */
  readonly failEventTypes?: string;
  /** The processors' retry budget: cdk.json `retryBudgetSeconds`, or LOCAL_RETRY_BUDGET_SECONDS (drills and tests: seconds). */
  readonly retryBudgetSeconds: number;
  /** LOCAL_FAULTS=1: fault-injection proxies in front of the stand-ins and POST /__local/faults (fault-proxy.ts). Never on by default. */
  readonly faults?: boolean;
}

function wholeNumber(env: Env, name: string, min: number, max: number, problems: string[]): number | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max} (got '${text}')`);
    return undefined;
  }
  return Number(text);
}

/** The deploy configuration exactly as `cdk synth` reads it (cdk.json "context"), problems as a SettingsError. */
export function loadAppConfig(root = PROJECT_ROOT): AppConfig {
  try {
    return loadProjectConfig(root);
  } catch (error) {
    if (error instanceof ConfigError) throw new SettingsError(error.problems.length === 1 && error.problems[0]!.startsWith('cannot read ') ? [...error.problems] : [error.message]);
    throw error;
  }
}

/** `--drill`: the failure drill with the short local timings, so a drilled event reaches the DLQ in seconds. */
export const DRILL_DEFAULTS = { LOCAL_RETRY_BUDGET_SECONDS: 2, LOCAL_VISIBILITY_TIMEOUT_SECONDS: 5, LOCAL_MAX_RECEIVE_COUNT: 3 } as const;

export const USAGE = `usage: npm start [-- [--fresh] [--verbose] [--drill <event types>]]

Runs the whole pipeline on this machine: the bundled verifier and processors (built like deploy),
an HTTP API on http://127.0.0.1:$PORT, DynamoDB, SQS, S3 and Secrets Manager stand-ins.

options:
  --fresh      start empty: deletes the state's dynamodb/ directory (the ledger), queues.json (the
               kept queue and DLQ messages) and drill.json (the failure drill) first
  --verbose    also echo the handlers' own log lines (Powertools JSON; never bodies)
  --drill <event types>
               the failure drill: processors fail these event types (comma-separated) on purpose, with
               LOCAL_RETRY_BUDGET_SECONDS=${DRILL_DEFAULTS.LOCAL_RETRY_BUDGET_SECONDS}, LOCAL_VISIBILITY_TIMEOUT_SECONDS=${DRILL_DEFAULTS.LOCAL_VISIBILITY_TIMEOUT_SECONDS} and LOCAL_MAX_RECEIVE_COUNT=${DRILL_DEFAULTS.LOCAL_MAX_RECEIVE_COUNT}
               unless set, so a drilled event is in the DLQ within seconds (not after the 6 h budget)
  -h, --help   show this help

environment:
  PORT                              listen port (default 3000; 0 picks a free one)
  WEBHOOK_SECRETS_FILE              provider secrets (default .local/secrets.json, created if missing)
  LOCAL_STATE_DIR                   state directory (default .local)
  LOCAL_USE_MOTO                    1: require moto_server, 0: never use it (default: when on PATH)
  LOCAL_MAX_RECEIVE_COUNT           receives before the DLQ, all providers (default: cdk.json)
  LOCAL_VISIBILITY_TIMEOUT_SECONDS  queue visibility timeout (default: 6 x processor timeout)
  LOCAL_RETRY_BUDGET_SECONDS        how long processors retry a transient failure before moving it to
                                    the DLQ (default: cdk.json retryBudgetSeconds, 6 h; 0 = no retries)
  LOCAL_VERIFIER_CONCURRENCY        verifier instances at once (default 4)
  PROCESSOR_FAIL_EVENT_TYPES        failure drill: event types the processors fail on purpose (--drill
                                    also shortens the timings; this alone keeps cdk.json's)
  LOCAL_FAULTS                      1: fault injection for tests (proxies before the stand-ins,
                                    POST /__local/faults; see local/fault-proxy.ts). Off by default

files in the state directory:
  drill.json   {"processorFailEventTypes": "a,b"} changes the failure drill while the stack runs
               ("" ends it; no restart needed).
               A start removes one left by an earlier run: only --drill or PROCESSOR_FAIL_EVENT_TYPES
               start a drill, and the start-up summary says whether it is on or off
  queues.json  the queue and DLQ messages kept at the last stop (only its owner can read it: it holds
               bodies); the next start puts them back in their queues and deletes it

exit codes: 1 could not start (e.g. the port is in use: checked before anything is built); 2 a bad
option or setting`;

export function parseArgs(argv: readonly string[]): { fresh: boolean; verbose: boolean; help: boolean; drill?: string } {
  const flags: { fresh: boolean; verbose: boolean; help: boolean; drill?: string } = { fresh: false, verbose: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--fresh') flags.fresh = true;
    else if (arg === '--verbose') flags.verbose = true;
    else if (arg === '--help' || arg === '-h') flags.help = true;
    else if (arg === '--drill' || arg.startsWith('--drill=')) {
      const value = (arg === '--drill' ? argv[++i] : arg.slice('--drill='.length))?.trim();
      if (!value || value.startsWith('-') || !/^[\x21-\x7e]+$/.test(value)) {
        throw new SettingsError(['--drill needs the event types to fail, comma-separated without spaces, e.g. --drill coding.succeeded']);
      }
      flags.drill = value;
    } else if (arg !== '--') throw new SettingsError([`unknown argument '${arg.split('=')[0]}'`, USAGE]);
  }
  return flags;
}

export function readSettings(argv: readonly string[], env: Env = process.env): RunnerSettings {
  const flags = parseArgs(argv);
  const problems: string[] = [];
  const app = loadAppConfig();

  const port = wholeNumber(env, 'PORT', 0, 65_535, problems) ?? DEFAULT_PORT;
  // --drill: the short timings unless the environment sets its own.
  const drillDefault = (name: keyof typeof DRILL_DEFAULTS) => (flags.drill !== undefined ? DRILL_DEFAULTS[name] : undefined);
  const receiveOverride = wholeNumber(env, 'LOCAL_MAX_RECEIVE_COUNT', 1, 1_000, problems) ?? drillDefault('LOCAL_MAX_RECEIVE_COUNT');
  const visibility = wholeNumber(env, 'LOCAL_VISIBILITY_TIMEOUT_SECONDS', 0, 43_200, problems) ?? drillDefault('LOCAL_VISIBILITY_TIMEOUT_SECONDS');
  // 0 is allowed here (not in cdk.json): a drill that reaches the DLQ on the first failure.
  const retryBudget = wholeNumber(env, 'LOCAL_RETRY_BUDGET_SECONDS', 0, 259_200, problems) ?? drillDefault('LOCAL_RETRY_BUDGET_SECONDS');
  const verifierConcurrency = wholeNumber(env, 'LOCAL_VERIFIER_CONCURRENCY', 1, 64, problems) ?? 4;
  const motoText = env['LOCAL_USE_MOTO']?.trim();
  let moto: MotoMode = 'auto';
  if (motoText === '1' || motoText === 'true') moto = 'on';
  else if (motoText === '0' || motoText === 'false') moto = 'off';
  else if (motoText) problems.push(`LOCAL_USE_MOTO must be 1 or 0 (got '${motoText}')`);
  if (problems.length > 0) throw new SettingsError(problems);

  const stateDir = stateDirFrom(env);
  const failEventTypes = flags.drill ?? env['PROCESSOR_FAIL_EVENT_TYPES']?.trim();
  const faultsText = env['LOCAL_FAULTS']?.trim();
  if (faultsText && !['0', '1', 'true', 'false'].includes(faultsText)) throw new SettingsError([`LOCAL_FAULTS must be 1 or 0 (got '${faultsText.slice(0, 20)}')`]);
  return {
    port,
    stateDir,
    secretsFile: secretsFileFrom(env, stateDir),
    fresh: flags.fresh,
    verbose: flags.verbose,
    moto,
    app,
    maxReceiveCount: new Map(app.providers.map((p) => [p.id, receiveOverride ?? p.maxReceiveCount])),
    // lib/constructs/provider-pipeline.ts: six times the processor timeout (AWS's rule for SQS event sources).
    visibilityTimeoutSeconds: visibility ?? app.processor.timeoutSeconds * 6,
    verifierConcurrency,
    ...(failEventTypes ? { failEventTypes } : {}),
    retryBudgetSeconds: retryBudget ?? app.retryBudgetSeconds,
    ...(faultsText === '1' || faultsText === 'true' ? { faults: true } : {}),
  };
}
