/**
 * Captures everything the handler writes (Powertools Logger and Metrics write to process.stdout/stderr),
 * so tests can read the EMF metrics and prove that no line carries body content.
 */
import { vi } from 'vitest';

export interface CapturedOutput {
  /** Every line written so far, stdout and stderr. */
  lines(): string[];
  /** Sum of each metric's values over the EMF lines written so far. */
  metricCounts(): Record<string, number>;
  /** Namespace and dimension sets of every EMF line written so far. */
  metricDeclarations(): Array<{ Namespace: string; Dimensions: string[][] }>;
  /** Structured log lines (JSON with a `message`), excluding EMF metric lines. */
  logEntries(): Array<Record<string, unknown>>;
  clear(): void;
  restore(): void;
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function captureOutput(): CapturedOutput {
  let buffer = '';
  const record = (chunk: unknown): boolean => {
    buffer += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(record);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(record);
  const lines = () => buffer.split('\n').filter((line) => line.length > 0);
  return {
    lines,
    metricCounts() {
      const counts: Record<string, number> = {};
      for (const entry of lines().map(parseJson)) {
        const aws = entry?.['_aws'] as { CloudWatchMetrics?: Array<{ Metrics: Array<{ Name: string }> }> } | undefined;
        for (const { Name } of aws?.CloudWatchMetrics?.[0]?.Metrics ?? []) {
          const value = entry![Name];
          const values = Array.isArray(value) ? (value as number[]) : [value as number];
          counts[Name] = (counts[Name] ?? 0) + values.reduce((sum, v) => sum + v, 0);
        }
      }
      return counts;
    },
    metricDeclarations() {
      return lines()
        .map(parseJson)
        .flatMap((entry) => ((entry?.['_aws'] as { CloudWatchMetrics?: Array<{ Namespace: string; Dimensions: string[][] }> } | undefined)?.CloudWatchMetrics ?? []))
        .map(({ Namespace, Dimensions }) => ({ Namespace, Dimensions }));
    },
    logEntries() {
      return lines()
        .map(parseJson)
        .filter((entry): entry is Record<string, unknown> => entry !== undefined && !('_aws' in entry) && 'message' in entry);
    },
    clear() {
      buffer = '';
    },
    restore() {
      out.mockRestore();
      err.mockRestore();
    },
  };
}
