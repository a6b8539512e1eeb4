/**
 * One run of the synthetic canary, hop by hop, shared by the scheduled function (handler.ts) and
 * `ops canary` (ops/commands/canary.ts): sign a `canary.ping` event with the `canary` provider's own
 * secret, POST it to `<url>webhooks/canary`, then read the event's ledger entry until it shows `processed`.
 * Pure: every effect (the secret, the HTTP call, the ledger read, the clock) comes in `deps`, so both callers
 * run exactly this code. Results carry ids, status codes, ledger statuses and the processor's short error
 * summary: never the secret, the signature or the body.
 */
import { randomBytes } from 'node:crypto';
import type { LedgerRecord } from '../contract/ledger-entry.ts';
import { SecretFormatError } from '../domain/keys.ts';
import { signRequest } from '../domain/signing.ts';
import { CANARY_EVENT_TYPE, CANARY_PROVIDER_ID } from '../../providers/canary/declaration.ts';
import { findProvider } from '../../providers/index.ts';

/** The hops in path order: the one named on a failure is where to start looking (docs/runbook.md#canary-failed). */
export const CANARY_HOPS = ['sign', 'post', 'received', 'enqueued', 'processed'] as const;
export type CanaryHop = (typeof CANARY_HOPS)[number];

export interface HopResult {
  readonly hop: CanaryHop;
  /** Reached: true; failed here: false; not reached because an earlier hop failed: undefined. */
  readonly ok: boolean | undefined;
  /** Milliseconds from the start of the run (the ledger's own times where it records them). */
  readonly atMs?: number;
  /** What was seen: a status code, a ledger status, an error name; never a secret or a body. */
  readonly detail: string;
}

export interface CanaryResult {
  readonly ok: boolean;
  /** The first hop that failed. */
  readonly failedHop?: CanaryHop;
  readonly hops: readonly HopResult[];
  /** From signing to the ledger's `processed`, for CanaryLatencyMs (successful runs only). */
  readonly latencyMs?: number;
  /** The event's `webhook-id`: its dedupe key and ledger sort key (`ops events --provider canary`). */
  readonly dedupeKey?: string;
}

/** The part of the ledger entry the canary reads (lambdas/canary/ledger.ts). */
export type CanaryLedgerEntry = Pick<LedgerRecord, 'status' | 'receivedAt' | 'enqueuedAt' | 'processedAt' | 'attempts' | 'outcome' | 'lastError'>;

export interface CanaryDeps {
  /** The base URL senders post to (the stack's ApiUrl: the custom domain when set), or the full /webhooks/canary URL. */
  readonly url: string;
  /** The `canary` provider's current signing secret. */
  readonly readSecret: () => Promise<string>;
  readonly post: (url: string, headers: Record<string, string>, body: Buffer) => Promise<{ status: number; text: string }>;
  /** The event's ledger entry, or undefined while there is none. */
  readonly readLedger: (dedupeKey: string) => Promise<CanaryLedgerEntry | undefined>;
  /** How long to wait for `processed` after the POST. */
  readonly waitMs: number;
  /** @default 250 */
  readonly pollMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** `<base>/webhooks/canary` unless the URL already ends with it. */
export function canaryUrl(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith(`/webhooks/${CANARY_PROVIDER_ID}`) ? trimmed : `${trimmed}/webhooks/${CANARY_PROVIDER_ID}`;
}

/** An error's name, and its message only for our own errors (AWS messages can echo request values). */
function errorText(error: unknown): string {
  if (error instanceof SecretFormatError) return `${error.name}: ${error.message}`;
  const e = error as { name?: string; code?: string; cause?: { code?: string } } | undefined;
  const code = e?.cause?.code ?? e?.code;
  return `${e?.name ?? 'Error'}${code ? ` (${code})` : ''}`;
}

/** Short printable JSON answers (the stack's own `{"error": ...}`) are shown; anything else is summarized. */
function answerText(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length <= 200 && /^\{[\x20-\x7e]*\}$/.test(trimmed)) return trimmed;
  return trimmed.length === 0 ? '' : `(${Buffer.byteLength(trimmed)}-byte answer)`;
}

const HTTP_HINTS: Readonly<Record<number, string>> = {
  401: 'the verifier rejected the signature: the canary signed with a secret the verifier does not hold',
  403: 'refused before verification (providers.canary.allowedSourceCidrs?)',
  404: 'no route /webhooks/canary: is the canary provider enabled (canary.enabled)?',
  429: 'throttled by the route (providers.canary.throttle)',
};

function answerDetail(status: number, text: string): string {
  const hint = HTTP_HINTS[status] ?? (status >= 500 ? 'the verifier failed or timed out' : '');
  return [`HTTP ${status}`, answerText(text), hint].filter(Boolean).join(' ');
}

export async function runCanary(deps: CanaryDeps): Promise<CanaryResult> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pollMs = deps.pollMs ?? 250;
  const started = now();
  const since = () => now() - started;
  const hops: HopResult[] = [];
  const fail = (hop: CanaryHop, detail: string, dedupeKey?: string): CanaryResult => {
    hops.push({ hop, ok: false, atMs: since(), detail });
    for (const rest of CANARY_HOPS.slice(CANARY_HOPS.indexOf(hop) + 1)) hops.push({ hop: rest, ok: undefined, detail: 'not reached' });
    return { ok: false, failedHop: hop, hops, ...(dedupeKey ? { dedupeKey } : {}) };
  };

  // 1. sign, with the canary provider's own secret.
  const provider = findProvider(CANARY_PROVIDER_ID);
  if (!provider) return fail('sign', `no '${CANARY_PROVIDER_ID}' provider in providers/index.ts`);
  const dedupeKey = `canary_${started}_${randomBytes(6).toString('hex')}`;
  const body = Buffer.from(JSON.stringify({
    type: CANARY_EVENT_TYPE,
    timestamp: new Date(started).toISOString(),
    data: { id: dedupeKey, note: 'Synthetic canary event: no patient data.' },
  }), 'utf8');
  let headers: Record<string, string>;
  try {
    const secret = await deps.readSecret();
    headers = { ...signRequest(provider, secret, body, { id: dedupeKey, timestamp: Math.floor(started / 1000) }), 'content-type': 'application/json', 'user-agent': 'webhook-receiver-canary' };
  } catch (error) {
    return fail('sign', `cannot read or use the canary secret: ${errorText(error)}`);
  }
  hops.push({ hop: 'sign', ok: true, atMs: since(), detail: `${CANARY_EVENT_TYPE}, webhook-id ${dedupeKey}` });

  // 2. POST to the public URL.
  const url = canaryUrl(deps.url);
  let answer: { status: number; text: string };
  try {
    answer = await deps.post(url, headers, body);
  } catch (error) {
    return fail('post', `no answer from ${url}: ${errorText(error)}`, dedupeKey);
  }
  if (answer.status < 200 || answer.status > 299) return fail('post', `${answerDetail(answer.status, answer.text)} (${url})`, dedupeKey);
  hops.push({ hop: 'post', ok: true, atMs: since(), detail: `${answerDetail(answer.status, answer.text)} (${url})` });

  // 3. the ledger: received (claimed), enqueued (or spooled, then sent by the sweeper), processed.
  const deadline = now() + deps.waitMs;
  const at = (iso: string | undefined) => {
    const t = iso ? Date.parse(iso) : Number.NaN;
    return Number.isFinite(t) ? Math.max(0, t - started) : since();
  };
  let entry: CanaryLedgerEntry | undefined;
  let readProblem: string | undefined;
  for (;;) {
    try {
      entry = await deps.readLedger(dedupeKey);
      readProblem = undefined;
    } catch (error) {
      readProblem = `cannot read the ledger: ${errorText(error)}`;
    }
    if (entry?.status === 'processed' || entry?.status === 'failed' || now() >= deadline) break;
    await sleep(Math.min(pollMs, Math.max(0, deadline - now())));
  }
  const waited = `after waiting ${Math.round(deps.waitMs / 1000)} s`;
  const summary = (e: CanaryLedgerEntry) => [
    `status ${e.status ?? '-'}`,
    e.attempts !== undefined ? `${e.attempts} attempt${e.attempts === 1 ? '' : 's'}` : '',
    e.lastError ? `last error: ${e.lastError}` : '',
  ].filter(Boolean).join(', ');
  if (!entry) return fail('received', `no ledger entry ${waited}${readProblem ? ` (${readProblem})` : ''}`, dedupeKey);
  hops.push({ hop: 'received', ok: true, atMs: at(entry.receivedAt), detail: `ledger entry, ${summary(entry)}` });
  const enqueued = entry.enqueuedAt !== undefined || entry.status === 'enqueued' || entry.status === 'processed' || entry.status === 'failed';
  if (!enqueued) return fail('enqueued', `${summary(entry)} ${waited}${entry.status === 'spooled' ? ' (SQS refused it: spooled for the sweeper)' : ''}`, dedupeKey);
  hops.push({ hop: 'enqueued', ok: true, atMs: at(entry.enqueuedAt), detail: entry.enqueuedAt ? 'on the canary queue' : `status ${entry.status}` });
  if (entry.status !== 'processed') {
    const why = entry.status === 'failed' ? 'the processor gave up (dead-lettered)' : `not processed ${waited}`;
    return fail('processed', `${why}: ${summary(entry)}`, dedupeKey);
  }
  const latencyMs = since();
  hops.push({ hop: 'processed', ok: true, atMs: at(entry.processedAt), detail: `outcome ${entry.outcome ?? '-'}` });
  return { ok: true, hops, latencyMs, dedupeKey };
}
