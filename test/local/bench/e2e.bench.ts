/**
 * `npm run bench:e2e`: the whole local pipeline under load, the verifier bundle against an SDK-only baseline,
 * and the AWS calls per event. A report, not a test: it exits 0 whatever the numbers (1 only if something
 * breaks), prints tables and writes bench/results-e2e.json. It lives under test/local/ because it drives the
 * local emulator (local/) through the e2e and fault test helpers: deleting the emulator deletes it too.
 *
 * 1. Throughput: the local stack (`npm start`'s runner, stand-ins, bundled handlers, as deployed; no fault
 *    injection) driven with freshly signed sample events over all providers by closed-loop clients at
 *    increasing concurrency. Per level: webhooks/s (2xx answers per second), p50/p99/max latency, non-2xx
 *    answers, and after the queues drain, losses (accepted but not processed exactly once), plus the CPU the
 *    runner process (stand-ins + functions; also by thread: main, verifier, processors, V8/libuv) and the
 *    load generator spent per webhook.
 * 2. Bundles: the verifier built as the stack builds it (lib/bundling.ts: split into lazily imported
 *    chunks) against test/local/bench/e2e/sdk-baseline.ts (the same three clients and commands) bundled as any
 *    function would bundle it (one file), the same baseline split like the verifier, and diagnosis bundles:
 *    the verifier with Powertools Tracer (lambdas/verifier/traced-handler.ts, `traceVerifierAwsCalls`) and as one file (S3 client in
 *    the cold start). Sizes of the cold-start
 *    code (entry + static chunks) and of all files, the largest packages in the verifier's cold start, and
 *    cold import times: each bundle imported in fresh node processes, interleaved runs, median, with
 *    --enable-source-maps as the deployed functions run and without.
 * 3. AWS calls per new event, per duplicate, and per claim-checked event, counted by the fault-injection
 *    proxies (LOCAL_FAULTS=1, everything up) of a second stack.
 *
 * Knobs: BENCH_E2E_LEVELS (default 1,8,32,64), BENCH_E2E_SECONDS per level (default 15),
 * BENCH_E2E_VERIFIER_CONCURRENCY (default 4, the runner's default), BENCH_E2E_IMPORT_RUNS (default 11), BENCH_E2E_SKIP
 * (comma list of throughput, bundles, calls).
 */
import { build, stop, type BuildOptions, type Metafile } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleSizes, coldStartFiles, ENTRY_FILE, lambdaBundleOptions } from '../../../lib/bundling.ts';
import { HANDLER_ENTRIES } from '../../../local/build.ts';
import { runtimeEnvironment, verifierEnvironment } from '../../../local/function-environment.ts';
import { CLAIM_CHECK_BUCKET, LEDGER_TABLE, loadAppConfig, PROJECT_ROOT } from '../../../local/settings.ts';
import { eventually } from '../e2e/support/local-stack.ts';
import { signedRequest, type SignedRequest } from '../e2e/support/webhooks.ts';
import { Limiter, percentile, sleep, type Reply } from '../fault/support/http.ts';
import { eventId, FaultStack, type CallStats } from '../fault/support/stack.ts';
import { median } from '../../../bench/harness.ts';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const LEVELS = (process.env['BENCH_E2E_LEVELS'] ?? '1,8,32,64').split(',').map(Number);
const SECONDS = Number(process.env['BENCH_E2E_SECONDS'] ?? 15);
const VERIFIER_CONCURRENCY = Number(process.env['BENCH_E2E_VERIFIER_CONCURRENCY'] ?? 4);
const IMPORT_RUNS = Number(process.env['BENCH_E2E_IMPORT_RUNS'] ?? 11);
const SKIP = new Set((process.env['BENCH_E2E_SKIP'] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
const TARGETS = { webhooksPerSecond: 300, verifierBundleKb: 400, importRatio: 1.15 } as const;
const app = loadAppConfig();
const log = (line = '') => void process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------------------
// 1. Throughput

/** CPU seconds (user + system) a process has used, from /proc (Linux); undefined elsewhere. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds per group of the runner's threads (Linux /proc): its main thread (HTTP API, dynalite,
 * local-aws-sqs, event sources), the verifier and processor environments (worker threads the runner names
 * `verifier`, `p-<provider>`), and the rest (V8's compiler and GC threads, libuv's pool: LevelDB, files).
 * Threads that ended in between are missed (environments recycled by a timeout or crash).
 */
type ThreadGroup = 'main' | 'verifier' | 'processors' | 'v8AndLibuv';
function runnerThreadsCpuSeconds(pid: number): Record<ThreadGroup, number> | undefined {
  const groups: Record<ThreadGroup, number> = { main: 0, verifier: 0, processors: 0, v8AndLibuv: 0 };
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        const group: ThreadGroup = Number(tid) === pid ? 'main' : comm === 'verifier' ? 'verifier' : comm.startsWith('p-') ? 'processors' : 'v8AndLibuv';
        groups[group] += (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        // the thread ended meanwhile
      }
    }
    return groups;
  } catch {
    return undefined;
  }
}

interface Level {
  readonly concurrency: number;
  readonly seconds: number;
  readonly requests: number;
  readonly accepted: number;
  readonly non2xx: Record<string, number>;
  readonly webhooksPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  readonly drainMs: number;
  readonly processedOnce: number;
  readonly lost: number;
  readonly processedMoreThanOnce: number;
  readonly endToEndPerSecond: number;
  readonly runnerCpuMsPerWebhook?: number;
  /** runnerCpuMsPerWebhook by thread group (runnerThreadsCpuSeconds). */
  readonly runnerCpuMsPerWebhookByThread?: Record<ThreadGroup, number>;
  readonly loadGeneratorCpuMsPerWebhook: number;
}

async function runLevel(stack: FaultStack, concurrency: number, seconds: number, counted: Set<string>): Promise<Level> {
  const providers = stack.providers;
  let next = 0;
  const make = (): SignedRequest => {
    const id = providers[next++ % providers.length]!;
    return signedRequest(id, stack.secrets[id]!.current);
  };
  const replies: { request: SignedRequest; reply: Reply }[] = [];
  const pid = stack.stack.runtime.pid;
  const cpuBefore = processCpuSeconds(pid);
  const threadsBefore = runnerThreadsCpuSeconds(pid);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const request = make();
      const reply = await stack.client.send({ path: `/webhooks/${request.providerId}`, headers: request.headers, body: request.body, timeoutMs: 30_000 });
      replies.push({ request, reply });
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  const clientCpu = process.cpuUsage(clientBefore);
  const drainStarted = performance.now();
  await stack.drain(300_000);
  const accepted = replies.filter((r) => r.reply.status !== undefined && r.reply.status >= 200 && r.reply.status < 300);
  const keys = accepted.map((r) => eventId(r.request.providerId, r.request.dedupeKey));
  // The last processors' log lines land a moment after their queue empties.
  const processedCounts = await eventually('processor logs of the level', async () => {
    const { processed } = stack.processorLogs();
    return keys.every((k) => processed.has(k)) ? processed : undefined;
  }, 20_000, 250).catch(() => stack.processorLogs().processed);
  const drainMs = performance.now() - drainStarted;
  const cpuAfter = processCpuSeconds(pid);
  const threadsAfter = runnerThreadsCpuSeconds(pid);
  const non2xx: Record<string, number> = {};
  for (const { reply } of replies) {
    if (reply.status !== undefined && reply.status >= 200 && reply.status < 300) continue;
    const key = reply.status !== undefined ? String(reply.status) : reply.error ?? 'no answer';
    non2xx[key] = (non2xx[key] ?? 0) + 1;
  }
  const latencies = replies.map((r) => r.reply.ms).sort((a, b) => a - b);
  const processedOnce = keys.filter((k) => processedCounts.get(k) === 1).length;
  for (const k of keys) counted.add(k);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    concurrency,
    seconds: round(elapsed),
    requests: replies.length,
    accepted: accepted.length,
    non2xx,
    webhooksPerSecond: round(accepted.length / elapsed),
    latencyMs: { p50: round(percentile(latencies, 50)), p90: round(percentile(latencies, 90)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1) ?? NaN) },
    drainMs: Math.round(drainMs),
    processedOnce,
    lost: keys.filter((k) => !processedCounts.has(k)).length,
    processedMoreThanOnce: keys.filter((k) => (processedCounts.get(k) ?? 0) > 1).length,
    endToEndPerSecond: round(processedOnce / (elapsed + drainMs / 1000)),
    ...(cpuBefore !== undefined && cpuAfter !== undefined ? { runnerCpuMsPerWebhook: round(((cpuAfter - cpuBefore) * 1000) / Math.max(1, accepted.length)) } : {}),
    ...(threadsBefore && threadsAfter ? {
      runnerCpuMsPerWebhookByThread: Object.fromEntries((Object.keys(threadsAfter) as ThreadGroup[]).map((g) => [g, round(((threadsAfter[g] - threadsBefore[g]) * 1000) / Math.max(1, accepted.length))])) as Record<ThreadGroup, number>,
    } : {}),
    loadGeneratorCpuMsPerWebhook: round((clientCpu.user + clientCpu.system) / 1000 / Math.max(1, accepted.length)),
  };
}

/** test/local/bench/e2e/verifier-alone.ts in a child process against the stack in `stateDir`. */
function verifierAlone(stateDir: string, requests = 2_000): Promise<{ requests: number; accepted: number; cpuMsPerRequest: number; wallMsPerRequest: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'test', 'local', 'bench', 'e2e', 'verifier-alone.ts'), stateDir, String(requests)], {
      cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 300_000, maxBuffer: 16 * 1024 * 1024,
    }, (error, _stdout, stderr) => {
      const last = stderr.trim().split('\n').at(-1) ?? '';
      if (error || !last.startsWith('{')) return reject(new Error(`verifier-alone failed: ${stderr.slice(-1000)}`));
      resolve(JSON.parse(last) as { requests: number; accepted: number; cpuMsPerRequest: number; wallMsPerRequest: number });
    });
  });
}

async function throughput(): Promise<Record<string, unknown>> {
  log(`\n== throughput: the local stack, ${SECONDS} s per level, verifier concurrency ${VERIFIER_CONCURRENCY} ==`);
  const stack = await FaultStack.start({ faults: false, maxSockets: Math.max(...LEVELS) + 8, env: { LOCAL_VERIFIER_CONCURRENCY: String(VERIFIER_CONCURRENCY) } });
  try {
    const counted = new Set<string>();
    // Warm-up: every verifier environment started, secrets cached, JIT warm.
    const warm = await runLevel(stack, Math.min(32, VERIFIER_CONCURRENCY * 2), Math.min(8, SECONDS), counted);
    log(`warm-up: ${warm.requests} requests, ${warm.webhooksPerSecond}/s`);
    const levels: Level[] = [];
    for (const concurrency of LEVELS) {
      const level = await runLevel(stack, concurrency, SECONDS, counted);
      levels.push(level);
      log(`concurrency ${String(concurrency).padStart(3)}: ${String(level.webhooksPerSecond).padStart(6)} webhooks/s · p50 ${level.latencyMs.p50} ms · p99 ${level.latencyMs.p99} ms · ` +
        `non-2xx ${JSON.stringify(level.non2xx)} · lost ${level.lost} · processed twice ${level.processedMoreThanOnce} · drain ${level.drainMs} ms · ` +
        `runner CPU ${level.runnerCpuMsPerWebhook ?? '?'} ms/webhook` +
        (level.runnerCpuMsPerWebhookByThread ? ` (${Object.entries(level.runnerCpuMsPerWebhookByThread).map(([g, ms]) => `${g} ${ms}`).join(', ')})` : ''));
    }
    const alone = await verifierAlone(stack.stack.stateDir);
    log(`verifier alone (its bundle in one process, one request at a time, against the same stand-ins): ${alone.cpuMsPerRequest.toFixed(2)} ms CPU and ` +
      `${alone.wallMsPerRequest.toFixed(2)} ms wall per request → at most ${Math.round(1000 / alone.cpuMsPerRequest)} webhooks/s per core for the verifier's own work`);
    const best = levels.reduce((a, b) => (b.webhooksPerSecond > a.webhooksPerSecond ? b : a));
    const zeroLoss = levels.every((l) => l.lost === 0 && l.processedMoreThanOnce === 0 && Object.keys(l.non2xx).length === 0);
    return {
      settings: { verifierConcurrency: VERIFIER_CONCURRENCY, secondsPerLevel: SECONDS, secretsAndS3: stack.stack.runtime.secretsAndS3, providers: stack.providers.length, payload: 'ops/samples.ts sample events (~0.5-1 KB), round robin over the providers' },
      warmUp: warm,
      levels,
      verifierAlone: { ...alone, webhooksPerCoreUpperBound: Math.round(1000 / alone.cpuMsPerRequest) },
      best: { concurrency: best.concurrency, webhooksPerSecond: best.webhooksPerSecond },
      zeroLoss,
      target: `>= ${TARGETS.webhooksPerSecond} webhooks/s sustained with zero loss`,
      met: best.webhooksPerSecond >= TARGETS.webhooksPerSecond && zeroLoss,
    };
  } finally {
    await stack.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------
// 2. Bundles and cold import

interface BundleSpec {
  readonly key: string;
  readonly label: string;
  readonly entry: string;
  /** Changes to lib/bundling.ts's options for this row. */
  readonly options?: Partial<Omit<BuildOptions, 'metafile'>>;
}

const SDK_BASELINE = join(PROJECT_ROOT, 'test', 'local', 'bench', 'e2e', 'sdk-baseline.ts');
/** Any function's bundle: one file. */
const PLAIN = { splitting: false } as const;

const BUNDLES: readonly BundleSpec[] = [
  { key: 'verifier', label: 'verifier (as deployed)', entry: HANDLER_ENTRIES.verifier },
  { key: 'baseline', label: 'SDK-only baseline (3 clients, one file)', entry: SDK_BASELINE, options: PLAIN },
  { key: 'baseline-split', label: 'SDK-only baseline, split like the verifier', entry: SDK_BASELINE },
  { key: 'verifier-with-tracer', label: 'diagnosis: verifier + Powertools Tracer', entry: join(PROJECT_ROOT, 'lambdas', 'verifier', 'traced-handler.ts') },
  { key: 'verifier-one-file', label: 'diagnosis: verifier not split (S3 in cold start)', entry: HANDLER_ENTRIES.verifier, options: { splitting: false } },
];

/** The package a bundled input belongs to (`@scope/name`, `name`, or `project` for our own sources). */
function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return 'project (lambdas/)';
  const rest = input.slice(at + 'node_modules/'.length).split('/');
  return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
}

/** The largest packages in the files a cold start loads. */
function topPackages(metafile: Metafile, coldStartFiles: ReadonlySet<string>, count = 12): { package: string; kb: number }[] {
  const sizes = new Map<string, number>();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!coldStartFiles.has(file)) continue;
    for (const [input, info] of Object.entries(output.inputs)) sizes.set(packageOf(input), (sizes.get(packageOf(input)) ?? 0) + info.bytesInOutput);
  }
  return [...sizes].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, bytes]) => ({ package: name, kb: Math.round(bytes / 102.4) / 10 }));
}

function importOnce(bundle: string, env: Record<string, string>, sourceMaps: boolean): Promise<{ ms: number; heapMb: number }> {
  const script = 'const t = performance.now(); await import(process.env.BENCH_BUNDLE_URL); const ms = performance.now() - t; ' +
    'process.stdout.write(JSON.stringify({ ms, heapMb: process.memoryUsage().heapUsed / 1048576 }));';
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...(sourceMaps ? ['--enable-source-maps'] : []), '--input-type=module', '-e', script], {
      cwd: os.tmpdir(),
      env: { PATH: process.env['PATH'] ?? '', ...env, BENCH_BUNDLE_URL: pathToFileURL(bundle).href },
      encoding: 'utf8',
      timeout: 30_000,
    }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`importing ${bundle} failed: ${stderr.slice(0, 500)}`));
      resolve(JSON.parse(stdout) as { ms: number; heapMb: number });
    });
  });
}

async function bundles(): Promise<Record<string, unknown>> {
  log('\n== bundles: sizes and cold import ==');
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-e2e-bundles-'));
  try {
    const built: Record<string, { file: string; bytes: number; totalBytes: number; metafile: Metafile }> = {};
    for (const spec of BUNDLES) {
      const outdir = join(dir, spec.key);
      const result = await build({ ...lambdaBundleOptions(spec.entry, outdir), ...spec.options, logLevel: 'error' });
      const sizes = bundleSizes(result.metafile);
      built[spec.key] = { file: join(outdir, ENTRY_FILE), bytes: sizes.coldStartBytes, totalBytes: sizes.totalBytes, metafile: result.metafile };
    }
    await stop();

    // The verifier reads its configuration at import: give every bundle the same, valid environment.
    const resources = new Map(app.providers.map((p) => [p.id, {
      secretArn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:webhooks/bench/${p.id}-AbCdEf`,
      queueUrl: `https://sqs.us-east-1.amazonaws.com/123456789012/webhooks-${p.id}`,
    }]));
    const endpoints = { dynamodb: 'http://127.0.0.1:9', sqs: 'http://127.0.0.1:9', s3: 'http://127.0.0.1:9', secretsManager: 'http://127.0.0.1:9' };
    const env = { ...runtimeEnvironment('bench-import', app.verifier.memoryMb, endpoints, dir), ...verifierEnvironment(app, resources, LEDGER_TABLE, CLAIM_CHECK_BUCKET) };

    const samples: Record<string, Record<string, number[]>> = { sourceMaps: {}, plain: {} };
    const heap: Record<string, number[]> = {};
    for (const mode of ['sourceMaps', 'plain'] as const) {
      for (const spec of BUNDLES) samples[mode]![spec.key] = [];
      await importOnce(built['baseline']!.file, env, mode === 'sourceMaps'); // file cache warm for everyone
      for (let run = 0; run < IMPORT_RUNS; run++) {
        const order = run % 2 === 0 ? BUNDLES : [...BUNDLES].reverse();
        for (const spec of order) {
          const { ms, heapMb } = await importOnce(built[spec.key]!.file, env, mode === 'sourceMaps');
          samples[mode]![spec.key]!.push(Math.round(ms * 10) / 10);
          (heap[spec.key] ??= []).push(heapMb);
        }
      }
    }
    const kb = (bytes: number) => Math.round(bytes / 102.4) / 10;
    const rows = BUNDLES.map((spec) => {
      const withMaps = median(samples['sourceMaps']![spec.key]!);
      const plain = median(samples['plain']![spec.key]!);
      return {
        key: spec.key,
        label: spec.label,
        kb: kb(built[spec.key]!.bytes),
        bytes: built[spec.key]!.bytes,
        totalKb: kb(built[spec.key]!.totalBytes),
        importMedianMs: { withSourceMaps: Math.round(withMaps * 10) / 10, withoutSourceMaps: Math.round(plain * 10) / 10 },
        heapAfterImportMb: Math.round(median(heap[spec.key]!) * 10) / 10,
        samplesMs: { withSourceMaps: samples['sourceMaps']![spec.key]!, withoutSourceMaps: samples['plain']![spec.key]! },
      };
    });
    const row = (key: string) => rows.find((r) => r.key === key)!;
    const ratio = (key: string, mode: 'withSourceMaps' | 'withoutSourceMaps') => Math.round((row(key).importMedianMs[mode] / row('baseline').importMedianMs[mode]) * 100) / 100;
    for (const r of rows) {
      log(`${r.label.padEnd(52)} ${String(r.kb).padStart(7)} KB cold start (${String(r.totalKb).padStart(6)} KB in all) · import ${String(r.importMedianMs.withSourceMaps).padStart(6)} ms with source maps ` +
        `(${ratio(r.key, 'withSourceMaps')}×), ${String(r.importMedianMs.withoutSourceMaps).padStart(6)} ms without (${ratio(r.key, 'withoutSourceMaps')}×) · heap ${r.heapAfterImportMb} MB`);
    }
    const top = topPackages(built['verifier']!.metafile, coldStartFiles(built['verifier']!.metafile));
    log(`largest packages in the verifier's cold start: ${top.map((p) => `${p.package} ${p.kb} KB`).join(', ')}`);
    const verifierRatio = ratio('verifier', 'withSourceMaps');
    const sameOptions = (mode: 'withSourceMaps' | 'withoutSourceMaps') => Math.round((row('verifier').importMedianMs[mode] / row('baseline-split').importMedianMs[mode]) * 100) / 100;
    log(`verifier against the baseline with the same options (what the verifier adds to the same SDK, split the same way): ` +
      `${sameOptions('withSourceMaps')}× with source maps, ${sameOptions('withoutSourceMaps')}× without`);
    return {
      esbuild: 'lib/bundling.ts lambdaBundleOptions (node24, ESM, split, minified, keepNames, source maps, SDK bundled); the baseline row: one file',
      sizes: 'kb: the cold-start code (entry + statically imported chunks, no source maps); totalKb: every .mjs of the bundle',
      importRuns: IMPORT_RUNS,
      rows,
      ratios: Object.fromEntries(rows.map((r) => [r.key, { withSourceMaps: ratio(r.key, 'withSourceMaps'), withoutSourceMaps: ratio(r.key, 'withoutSourceMaps') }])),
      verifierAgainstSameOptionsBaseline: { withSourceMaps: sameOptions('withSourceMaps'), withoutSourceMaps: sameOptions('withoutSourceMaps') },
      verifierTopPackages: top,
      targets: { maxKb: TARGETS.verifierBundleKb, maxImportRatio: TARGETS.importRatio },
      met: { size: row('verifier').kb <= TARGETS.verifierBundleKb, importTime: verifierRatio <= TARGETS.importRatio && ratio('verifier', 'withoutSourceMaps') <= TARGETS.importRatio },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// 3. AWS calls per event

type Counts = Record<string, number>;

function flatten(calls: CallStats): Counts {
  const out: Counts = {};
  for (const [scope, services] of Object.entries(calls)) {
    for (const [service, ops] of Object.entries(services)) for (const [op, s] of Object.entries(ops)) out[`${scope} ${service} ${op}`] = s.calls;
  }
  return out;
}

function perEvent(before: Counts, after: Counts, events: number): Counts {
  const out: Counts = {};
  for (const [key, value] of Object.entries(after)) {
    const delta = value - (before[key] ?? 0);
    // Idle polling is a property of the event source, not of an event: reported apart.
    if (delta > 0 && !key.endsWith('ReceiveMessage')) out[key] = Math.round((delta / events) * 100) / 100;
  }
  return out;
}

async function awsCalls(): Promise<Record<string, unknown>> {
  log('\n== AWS calls per event (fault-injection proxies as counters) ==');
  // One verifier environment: once it has cached every provider's secret, Secrets Manager calls are cold-start costs only.
  const stack = await FaultStack.start({ env: { LOCAL_VERIFIER_CONCURRENCY: '1' } });
  try {
    const send = (r: SignedRequest) => stack.client.send({ path: `/webhooks/${r.providerId}`, headers: r.headers, body: r.body });
    const waitProcessed = async (requests: SignedRequest[]) => {
      await stack.drain(120_000);
      await eventually('all processed', async () => {
        const { processed } = stack.processorLogs();
        return requests.every((r) => processed.has(eventId(r.providerId, r.dedupeKey))) ? true : undefined;
      }, 30_000, 200);
    };
    // Warm: every provider once (cold starts and secret fetches are not per-event costs).
    const warm = stack.providers.map((id) => signedRequest(id, stack.secrets[id]!.current));
    for (const r of warm) await send(r);
    await waitProcessed(warm);
    const limiter = new Limiter(2);
    const run = async (requests: SignedRequest[], expected: number) => {
      const before = flatten(await stack.calls());
      const replies = await Promise.all(requests.map((r) => limiter.run(() => send(r))));
      if (replies.some((r) => r.status !== expected)) throw new Error(`expected ${expected} for every request, got ${JSON.stringify(replies.map((r) => r.status))}`);
      await waitProcessed(requests);
      await sleep(500);
      return perEvent(before, flatten(await stack.calls()), requests.length);
    };
    const N = 96;
    const fresh = Array.from({ length: N }, (_, i) => signedRequest(stack.providers[i % stack.providers.length]!, stack.secrets[stack.providers[i % stack.providers.length]!]!.current));
    const newEvent = await run(fresh, 202);
    const duplicate = await run(fresh, 200);
    const large = Array.from({ length: 8 }, () => signedRequest('stripe', stack.secrets['stripe']!.current, { eventType: 'invoice.paid', padBytes: 300_000 }));
    const claimChecked = await run(large, 202);
    const idlePolling = flatten(await stack.calls());
    for (const [label, counts] of [['new event', newEvent], ['duplicate', duplicate], ['claim-checked new event (300 KB)', claimChecked]] as const) {
      log(`${label.padEnd(34)} ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(' · ')}`);
    }
    const sum = (counts: Counts, scope: string) => Math.round(Object.entries(counts).filter(([k]) => k.startsWith(scope)).reduce((a, [, v]) => a + v, 0) * 100) / 100;
    return {
      events: { new: N, duplicate: N, claimChecked: large.length },
      perNewEvent: newEvent,
      perDuplicate: duplicate,
      perClaimCheckedEvent: claimChecked,
      totals: {
        verifierPerNew: sum(newEvent, 'verifier'),
        verifierPerDuplicate: sum(duplicate, 'verifier'),
        processorAndEventSourcePerNew: sum(newEvent, 'processor'),
      },
      notes: [
        '"processor sqs DeleteMessageBatch" is the event source mapping deleting processed messages (one call per batch of up to 10).',
        `ReceiveMessage is left out: the local event source polls a queue on a new message, after a full batch, when a message becomes visible again and every 1 s (${Object.entries(idlePolling).filter(([k]) => k.endsWith('ReceiveMessage')).reduce((a, [, v]) => a + v, 0)} calls in this run), where Lambda long-polls; see tools/cost for the deployed cost.`,
        'Secrets Manager calls are 0 per event once an environment has cached the secret (5 min): 2 per provider per cold environment (AWSCURRENT, AWSPREVIOUS).',
      ],
    };
  } finally {
    await stack.stop();
  }
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  log(`bench:e2e on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, node ${machine.node}; load average ${machine.loadAverageAtStart.join(' ')}`);
  const results: Record<string, unknown> = { generatedAt: new Date().toISOString(), command: 'npm run bench:e2e', machine, targets: TARGETS };
  if (!SKIP.has('bundles')) results['bundles'] = await bundles();
  if (!SKIP.has('calls')) results['awsCalls'] = await awsCalls();
  if (!SKIP.has('throughput')) results['throughput'] = await throughput();
  (results['machine'] as Record<string, unknown>)['loadAverageAtEnd'] = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const file = join(PROJECT_ROOT, 'bench', 'results-e2e.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nwrote ${file}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:e2e failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
