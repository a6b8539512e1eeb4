/**
 * The emulator's side of the files it shares with its users and with `ops --local` (the contract, with the
 * readers, is ops/local-target.ts): creating the secrets file, writing and removing `runtime.json`, and the
 * state directory lock. Error messages here never quote file content: the secrets file holds signing secrets.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  generateSecret, LocalFileError, processAlive, readRuntime, readSecretsFile, runtimeFile, writePrivate,
  type RuntimeInfo, type SecretPair, type SecretsFile,
} from '../ops/local-target.ts';

export {
  generateSecret, LocalFileError, parseSecretsFile, readRuntime, readSecretsFile, runtimeFile, writePrivate,
  type RuntimeInfo, type SecretPair, type SecretsFile,
} from '../ops/local-target.ts';

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
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder)) {
        const running = readRuntime(stateDir);
        throw new LocalFileError(`another local stack (pid ${holder}${running ? `, ${running.url}` : ''}) is using ${stateDir}: stop it first, or set LOCAL_STATE_DIR to another directory`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new LocalFileError(`cannot lock ${stateDir}`);
}
