/**
 * The contract between the local emulator (local/) and `ops --local`: where its state directory is, the
 * provider secrets file (WEBHOOK_SECRETS_FILE) and `runtime.json` (where the running stack listens), and the
 * dummy credentials its stand-ins accept. local/ imports this module, never the reverse, so `ops` keeps
 * working against a deployed stack when local/ is deleted (`--local` then finds no running stack).
 * Error messages here never quote file content: the secrets file holds signing secrets.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the default state directory is its `.local/`. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Dummy values: the stand-ins accept any credentials, and these can never reach AWS. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '123456789012';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export type Env = Readonly<Record<string, string | undefined>>;

/** `.local/` of the project unless LOCAL_STATE_DIR points elsewhere (tests use a temp directory). */
export function stateDirFrom(env: Env, cwd = process.cwd()): string {
  const dir = env['LOCAL_STATE_DIR']?.trim();
  if (!dir) return join(PROJECT_ROOT, '.local');
  return isAbsolute(dir) ? dir : resolve(cwd, dir);
}

/** WEBHOOK_SECRETS_FILE, else `secrets.json` in the state directory (`.local/secrets.json`). */
export function secretsFileFrom(env: Env, stateDir: string, cwd = process.cwd()): string {
  const file = env['WEBHOOK_SECRETS_FILE']?.trim();
  if (!file) return join(stateDir, 'secrets.json');
  return isAbsolute(file) ? file : resolve(cwd, file);
}

export interface SecretPair {
  readonly current: string;
  readonly previous?: string;
}

export type SecretsFile = Readonly<Record<string, SecretPair>>;

export class LocalFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalFileError';
  }
}

/** A random signing secret every scheme accepts: `whsec_` + base64 of 32 random bytes (Standard Webhooks needs this shape). */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function fsProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? 'unreadable');
}

/** Validates the shape `{ "<provider id>": { "current": "...", "previous": "..." } }` (previous optional). */
export function parseSecretsFile(text: string, path: string): SecretsFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message can quote the text around the error, which here is a secret.
    throw new LocalFileError(`${path} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LocalFileError(`${path} must be a JSON object {"<provider id>": {"current": "...", "previous": "..."}}`);
  }
  const result: Record<string, SecretPair> = {};
  for (const [id, entry] of Object.entries(value)) {
    const pair = entry as { current?: unknown; previous?: unknown } | null;
    if (typeof pair !== 'object' || pair === null || typeof pair.current !== 'string' || pair.current === '') {
      throw new LocalFileError(`${path}: "${id}" must be {"current": "<secret>"} with an optional "previous"`);
    }
    if (pair.previous !== undefined && pair.previous !== null && typeof pair.previous !== 'string') {
      throw new LocalFileError(`${path}: "${id}".previous must be a string`);
    }
    result[id] = { current: pair.current, ...(typeof pair.previous === 'string' && pair.previous !== '' ? { previous: pair.previous } : {}) };
  }
  return result;
}

export function readSecretsFile(path: string): SecretsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new LocalFileError(`cannot read the secrets file ${path}: ${fsProblem(error)}`);
  }
  return parseSecretsFile(text, path);
}

/** Writes a file only its owner can read, atomically (a temp file renamed over it). */
export function writePrivate(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/** Where the running local stack is; written once it is ready, removed when it stops. */
export interface RuntimeInfo {
  readonly pid: number;
  readonly startedAt: string;
  /** `http://127.0.0.1:<port>`; senders post to `<url>/webhooks/<provider id>`. */
  readonly url: string;
  readonly port: number;
  readonly region: string;
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string; readonly s3: string; readonly secretsManager: string };
  /** `moto` when moto_server serves Secrets Manager and S3, `stand-ins` otherwise. */
  readonly secretsAndS3: 'moto' | 'stand-ins';
  readonly table: string;
  readonly bucket: string;
  readonly secretsFile: string;
  readonly providers: Readonly<Record<string, { readonly queueUrl: string; readonly deadLetterQueueUrl: string; readonly secretArn: string; readonly maxReceiveCount: number }>>;
}

export function runtimeFile(stateDir: string): string {
  return join(stateDir, 'runtime.json');
}

/** True while process `pid` exists (also when it belongs to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running stack's runtime.json, or undefined when none is running (no file, or its process is gone). */
export function readRuntime(stateDir: string): RuntimeInfo | undefined {
  let info: RuntimeInfo;
  try {
    info = JSON.parse(readFileSync(runtimeFile(stateDir), 'utf8')) as RuntimeInfo;
  } catch {
    return undefined;
  }
  if (typeof info.pid !== 'number' || typeof info.url !== 'string' || !processAlive(info.pid)) return undefined;
  return info;
}

/**
 * `GET <url>/__local/status` on the running local stack (local/main.ts): what `ops status --local` cannot
 * read through the AWS APIs. Counts and times only, never a body.
 */
export const LOCAL_STATUS_PATH = '/__local/status';

export interface LocalStatusReport {
  /** The failure drill in effect (event types the processors fail on purpose), or null when off. */
  readonly drill: string | null;
  /** Per queue name: messages (in flight included), in flight, and the oldest message's SentTimestamp (epoch ms). */
  readonly queues: Readonly<Record<string, { readonly messages: number; readonly inFlight: number; readonly oldestSentAt?: number }>>;
}
