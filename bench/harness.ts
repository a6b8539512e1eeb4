/**
 * A tiny interleaved throughput harness. Each case returns whether its verification succeeded; the
 * harness counts successes (which also keeps results alive) and throws if any call in a timed loop did
 * not succeed.
 *
 * Two schedules:
 * - runInterleaved: every round times every case for the same fixed duration, in a rotated order, so
 *   machine noise (thermal, neighbours, GC) lands on all cases alike.
 * - runPaired: every round times each case in a short slice right next to a slice of its baseline (the
 *   order within the pair alternates), and keeps the ratio of the two. On a shared machine the load
 *   changes from second to second; two adjacent slices see nearly the same load, so the median of these
 *   per-pair ratios is far steadier than a ratio of two medians taken seconds apart.
 *
 * Time is wall-clock. (Process CPU time was tried: it counts every thread of the process, GC helpers
 * included, and in a worker thread its per-pair ratios scattered more than wall time's.)
 */
import { performance } from 'node:perf_hooks';

export interface Case {
  readonly key: string;
  /** One verification; true when it accepted the request. */
  readonly run: () => boolean;
}

export interface Measured {
  readonly median: number;
  readonly samples: number[];
}

export interface PairedMeasured extends Measured {
  /** Per pair of adjacent slices: this case's ops/s divided by its baseline's (empty for a baseline). */
  readonly ratios: number[];
  /** Median of `ratios`; 1 for a baseline. */
  readonly ratio: number;
}

const BATCH_MS = 2;

function timeFor(c: Case, durationMs: number, batch: number): { opsPerSec: number; msPerOp: number } {
  let ops = 0;
  let ok = 0;
  const start = performance.now();
  const end = start + durationMs;
  let now = start;
  do {
    for (let i = 0; i < batch; i++) if (c.run()) ok++;
    ops += batch;
    now = performance.now();
  } while (now < end);
  if (ok !== ops) throw new Error(`${c.key}: ${ops - ok} of ${ops} verifications failed inside the timed loop`);
  const elapsed = now - start;
  return { opsPerSec: (ops * 1000) / elapsed, msPerOp: elapsed / ops };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Warms every case up and sizes its batch so that one batch takes about BATCH_MS (clock reads then cost nothing measurable). */
function sizeBatches(cases: readonly Case[], warmupMs: number): Map<string, number> {
  const batch = new Map<string, number>();
  for (const c of cases) {
    let size = 1;
    for (;;) {
      const { msPerOp } = timeFor(c, warmupMs, size);
      const want = Math.max(1, Math.floor(BATCH_MS / msPerOp));
      if (want <= size * 2) {
        batch.set(c.key, want);
        break;
      }
      size = want;
    }
  }
  return batch;
}

/** Warms every case up (and sizes its batch), then runs `rounds` interleaved rounds. */
export function runInterleaved(
  cases: readonly Case[],
  options: { rounds: number; msPerCase: number; warmupMs: number; onRound?: (round: number) => void },
): Map<string, Measured> {
  const batch = sizeBatches(cases, options.warmupMs);
  const samples = new Map<string, number[]>(cases.map((c) => [c.key, []]));
  for (let round = 0; round < options.rounds; round++) {
    const shift = (round * 7) % cases.length;
    const order = [...cases.slice(shift), ...cases.slice(0, shift)];
    if (round % 2 === 1) order.reverse();
    for (const c of order) samples.get(c.key)!.push(timeFor(c, options.msPerCase, batch.get(c.key)!).opsPerSec);
    options.onRound?.(round + 1);
  }
  return new Map([...samples].map(([key, s]) => [key, { median: median(s), samples: s.map(Math.round) }]));
}

/**
 * Warms every case up (and sizes its batch), then runs `rounds` rounds in which every non-baseline case
 * is timed for `msPerCase` right before or right after its baseline (alternating), in a rotated order.
 * `baselineOf(key)` names the baseline case; a case that is its own baseline is only timed in pairs.
 */
export function runPaired(
  cases: readonly Case[],
  baselineOf: (key: string) => string,
  options: {
    rounds: number;
    msPerCase: number;
    warmupMs: number;
    /** Called, untimed, before every slice: a full GC, so that no slice pays for another case's garbage. */
    beforeSlice?: () => void;
    onRound?: (round: number) => void;
  },
): Map<string, PairedMeasured> {
  const byKey = new Map(cases.map((c) => [c.key, c]));
  const batch = sizeBatches(cases, options.warmupMs);
  const samples = new Map<string, number[]>(cases.map((c) => [c.key, []]));
  const ratios = new Map<string, number[]>(cases.map((c) => [c.key, []]));
  const others = cases.filter((c) => baselineOf(c.key) !== c.key);
  const time = (c: Case) => {
    options.beforeSlice?.();
    const ops = timeFor(c, options.msPerCase, batch.get(c.key)!).opsPerSec;
    samples.get(c.key)!.push(ops);
    return ops;
  };
  for (let round = 0; round < options.rounds; round++) {
    const shift = (round * 7) % others.length;
    const order = [...others.slice(shift), ...others.slice(0, shift)];
    if (round % 2 === 1) order.reverse();
    order.forEach((c, i) => {
      const base = byKey.get(baselineOf(c.key));
      if (!base) throw new Error(`${c.key}: no baseline case ${baselineOf(c.key)}`);
      let ops: number;
      let baseOps: number;
      if ((round + i) % 2 === 0) {
        baseOps = time(base);
        ops = time(c);
      } else {
        ops = time(c);
        baseOps = time(base);
      }
      ratios.get(c.key)!.push(ops / baseOps);
    });
    options.onRound?.(round + 1);
  }
  return new Map(
    cases.map((c) => {
      const s = samples.get(c.key)!;
      const r = ratios.get(c.key)!;
      return [c.key, { median: median(s), samples: s.map(Math.round), ratios: r, ratio: r.length ? median(r) : 1 }];
    }),
  );
}
