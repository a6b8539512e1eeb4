/**
 * The failure drill, changeable while the local stack runs. PROCESSOR_FAIL_EVENT_TYPES (docs/architecture.md)
 * is read by the processors at cold start, and the local SQS keeps its messages in memory, so a restart to
 * "fix" the processor would lose the dead-letter queue the drill is about. Instead the runner watches
 *
 *   <state dir>/drill.json   {"processorFailEventTypes": "type.a,type.b"}   ("" ends the drill)
 *
 * and when the effective value changes, replaces each processor's execution environments with new ones
 * that have the new environment, as Lambda does after an UpdateFunctionConfiguration: invocations in
 * flight finish on the old environments, the next ones start on new ones. Without the file (or when it
 * is deleted), PROCESSOR_FAIL_EVENT_TYPES from the runner's environment applies.
 */
import { readFileSync, rmSync, unwatchFile, watchFile } from 'node:fs';
import { join } from 'node:path';
import type { Invocation, LocalFunction } from './functions.ts';

export const DRILL_FILE = 'drill.json';

export function drillFile(stateDir: string): string {
  return join(stateDir, DRILL_FILE);
}

/** The drill's event types from the file: a string (possibly empty), undefined without a file, or an error message. */
export function readDrillFile(path: string): { value: string | undefined } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { value: undefined };
  }
  try {
    const parsed = JSON.parse(text) as { processorFailEventTypes?: unknown } | null;
    const value = parsed?.processorFailEventTypes;
    if (value === undefined || value === null) return { value: '' };
    if (typeof value === 'string') return { value: value.trim() };
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return { value: value.join(',') };
  } catch {
    return { problem: `${path} is not valid JSON` };
  }
  return { problem: `${path}: processorFailEventTypes must be a comma-separated string` };
}

/**
 * At start: removes a drill.json left by an earlier run (it changed that run's drill), so that a restart
 * without --drill or PROCESSOR_FAIL_EVENT_TYPES has the drill off, as its summary says. Returns the drill
 * it held, if any, for the start-up note.
 */
export function clearStaleDrill(stateDir: string): string | undefined {
  const read = readDrillFile(drillFile(stateDir));
  rmSync(drillFile(stateDir), { force: true });
  return 'value' in read && read.value ? read.value : undefined;
}

/** The drill in effect: the file's value where it has one, else the environment's. */
export function effectiveDrill(stateDir: string, fromEnv: string | undefined): { value: string | undefined; problem?: string } {
  const read = readDrillFile(drillFile(stateDir));
  if ('problem' in read) return { value: fromEnv, problem: read.problem };
  return { value: read.value ?? fromEnv };
}

/**
 * A processor whose environment can be replaced: `invoke` goes to the current LocalFunction; `replace`
 * warms a new one first, switches, waits for the old one's invocations in flight, then stops it.
 */
export class ReplaceableFunction {
  #current: LocalFunction;
  readonly #inFlight = new Map<LocalFunction, Set<Promise<Invocation>>>();

  constructor(initial: LocalFunction) {
    this.#current = initial;
  }

  invoke(event: unknown): Promise<Invocation> {
    const fn = this.#current;
    const running = this.#inFlight.get(fn) ?? new Set<Promise<Invocation>>();
    this.#inFlight.set(fn, running);
    const invocation = fn.invoke(event);
    running.add(invocation);
    void invocation.finally(() => running.delete(invocation));
    return invocation;
  }

  warm(): Promise<void> {
    return this.#current.warm();
  }

  async replace(next: LocalFunction): Promise<void> {
    await next.warm();
    const old = this.#current;
    this.#current = next;
    await Promise.allSettled([...(this.#inFlight.get(old) ?? [])]);
    this.#inFlight.delete(old);
    await old.stop();
  }

  stop(): Promise<void> {
    return this.#current.stop();
  }
}

/**
 * Watches drill.json; on a change of the effective value, calls `apply` with it (serially). Returns the
 * function that stops watching.
 */
export function watchDrill(stateDir: string, fromEnv: string | undefined, initial: string | undefined, apply: (value: string | undefined) => Promise<void>, note: (line: string) => void): () => void {
  const path = drillFile(stateDir);
  let known = initial ?? '';
  let chain = Promise.resolve();
  const check = async () => {
    const next = effectiveDrill(stateDir, fromEnv);
    if (next.problem) {
      note(`failure drill unchanged: ${next.problem}`);
      return;
    }
    if ((next.value ?? '') === known) return;
    known = next.value ?? '';
    try {
      await apply(next.value || undefined);
      note(next.value ? `FAILURE DRILL: processors now fail event types ${next.value} on purpose (${path})` : `failure drill off: processors no longer fail on purpose (${path})`);
    } catch (error) {
      note(`could not apply the failure drill: ${(error as Error).message}`);
    }
  };
  watchFile(path, { interval: 250 }, (current, previous) => {
    if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size) chain = chain.then(check);
  });
  return () => unwatchFile(path);
}
