/**
 * A tiny interleaved throughput harness: every round times every case for the same fixed duration, in a
 * rotated order, so machine noise (thermal, neighbours, GC) lands on all cases alike. Each case returns
 * whether its verification succeeded; the harness counts successes (which also keeps results alive) and
 * throws if any call in a timed loop did not succeed.
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

/** Warms every case up (and sizes its batch), then runs `rounds` interleaved rounds. */
export function runInterleaved(
  cases: readonly Case[],
  options: { rounds: number; msPerCase: number; warmupMs: number; onRound?: (round: number) => void },
): Map<string, Measured> {
  const batch = new Map<string, number>();
  for (const c of cases) {
    let size = 1;
    // Grow the batch until one batch takes about BATCH_MS, so clock reads cost nothing measurable.
    for (;;) {
      const { msPerOp } = timeFor(c, options.warmupMs, size);
      const want = Math.max(1, Math.floor(BATCH_MS / msPerOp));
      if (want <= size * 2) {
        batch.set(c.key, want);
        break;
      }
      size = want;
    }
  }
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
