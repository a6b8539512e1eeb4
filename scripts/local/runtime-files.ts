/**
 * The two files the local stack shares with its users and with `ops --local`: the provider secrets file
 * (WEBHOOK_SECRETS_FILE) and `runtime.json` (where the running stack listens). Error messages here never
 * quote file content: the secrets file holds signing secrets.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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

/**
 * The secrets of the given providers: read from the file, with a random secret generated (and written
 * back) for every provider the file lacks, so a first start needs no setup. `added` names them.
 */
export function ensureSecretsFile(path: string, providerIds: readonly string[]): { secrets: SecretsFile; added: string[]; created: boolean } {
  let existing: SecretsFile | undefined;
  try {
    existing = readSecretsFile(path);
  } catch (error) {
    if ((error as LocalFileError).message.endsWith('no such file')) existing = undefined;
    else throw error;
  }
  const secrets: Record<string, SecretPair> = { ...existing };
  const added = providerIds.filter((id) => secrets[id] === undefined);
  for (const id of added) secrets[id] = { current: generateSecret() };
  if (added.length > 0) writePrivate(path, `${JSON.stringify(secrets, null, 2)}\n`);
  return { secrets, added, created: existing === undefined };
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

export function writeRuntime(stateDir: string, info: RuntimeInfo): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(runtimeFile(stateDir), `${JSON.stringify(info, null, 2)}\n`);
}

export function removeRuntime(stateDir: string, pid = process.pid): void {
  try {
    const current = JSON.parse(readFileSync(runtimeFile(stateDir), 'utf8')) as Partial<RuntimeInfo>;
    if (current.pid !== pid) return; // another runner's file
  } catch {
    return;
  }
  rmSync(runtimeFile(stateDir), { force: true });
}

/**
 * One runner per state directory: `runner.lock` holds the pid of the runner using it. Throws when a live
 * runner holds it; a lock left by a runner that died is taken over. Returns the release function.
 */
export function lockStateDir(stateDir: string): () => void {
  mkdirSync(stateDir, { recursive: true });
  const path = join(stateDir, 'runner.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(path, 'utf8') === String(process.pid)) rmSync(path, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        const running = readRuntime(stateDir);
        throw new LocalFileError(`another local stack (pid ${holder}${running ? `, ${running.url}` : ''}) is using ${stateDir}: stop it first, or set LOCAL_STATE_DIR to another directory`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new LocalFileError(`cannot lock ${stateDir}`);
}

function alive(pid: number): boolean {
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
  if (typeof info.pid !== 'number' || typeof info.url !== 'string' || !alive(info.pid)) return undefined;
  return info;
}
