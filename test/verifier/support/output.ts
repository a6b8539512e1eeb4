/**
 * Captures what the function writes to stdout/stderr: Powertools Logger and Metrics write JSON lines to
 * process.stdout through their own Console (not through vitest's console), so the stream is tapped.
 */
export interface Captured {
  /** Every line written since `start`. */
  readonly lines: string[];
  /** Lines written since the last `mark()`. */
  sinceMark(): string[];
  mark(): void;
  stop(): void;
}

export function captureOutput(): Captured {
  const lines: string[] = [];
  let marked = 0;
  let partial = '';
  const originals = { out: process.stdout.write, err: process.stderr.write };
  const tap = (chunk: unknown): boolean => {
    const text = partial + (typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter((line) => line !== ''));
    return true;
  };
  process.stdout.write = tap as typeof process.stdout.write;
  process.stderr.write = tap as typeof process.stderr.write;
  return {
    lines,
    sinceMark: () => lines.slice(marked),
    mark: () => {
      marked = lines.length;
    },
    stop: () => {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
}

export interface EmfMetric {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly namespace: string;
  readonly dimensionNames: readonly (readonly string[])[];
  readonly dimensions: Readonly<Record<string, string>>;
}

/** The metrics in CloudWatch Embedded Metric Format lines. */
export function emfMetrics(lines: readonly string[]): EmfMetric[] {
  const found: EmfMetric[] = [];
  for (const line of lines) {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const aws = record._aws as { CloudWatchMetrics?: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] } | undefined;
    for (const directive of aws?.CloudWatchMetrics ?? []) {
      const dimensions = Object.fromEntries(directive.Dimensions.flat().map((name) => [name, String(record[name])]));
      for (const metric of directive.Metrics) {
        const raw = record[metric.Name];
        const values = Array.isArray(raw) ? (raw as number[]) : [raw as number];
        for (const value of values) {
          found.push({ name: metric.Name, unit: metric.Unit, value, namespace: directive.Namespace, dimensionNames: directive.Dimensions, dimensions });
        }
      }
    }
  }
  return found;
}

/** name → summed value, for the metrics of one provider. */
export function metricTotals(lines: readonly string[], provider: string): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const metric of emfMetrics(lines)) {
    if (metric.dimensions.provider !== provider) continue;
    totals[metric.name] = (totals[metric.name] ?? 0) + metric.value;
  }
  return totals;
}

/** Parsed JSON log lines (Powertools Logger records), EMF lines excluded. */
export function logRecords(lines: readonly string[]): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (const line of lines) {
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      if (!('_aws' in record)) records.push(record);
    } catch {
      // not JSON (SDK warnings)
    }
  }
  return records;
}
