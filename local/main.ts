/**
 * `npm start`: the whole pipeline on this machine, with the same bundled handlers as deploy.
 *
 *   HTTP API (127.0.0.1:$PORT)  ──payload 2.0──▶  verifier bundle (worker threads)
 *        ──▶ dynalite (ledger) · local-aws-sqs (queues + DLQs) · Secrets Manager and S3 (moto or stand-ins)
 *   event source per provider queue  ──SQS batches──▶  processor bundle (one worker per provider)
 *   every 2 s (deployed: every minute)  ──▶  spool sweeper bundle: spooled messages (SQS was failing) to their queues
 *
 * Prints one line per event outcome, never a body; state persists in the state directory (`.local/`)
 * unless `--fresh`. See local/settings.ts for the options and environment.
 */
import { mkdirSync, rmSync, unwatchFile, watchFile } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import type { ProviderConfig } from '../lib/config/types.ts';
import { buildHandlers } from './build.ts';
import { clearStaleDrill, drillFile, ReplaceableFunction, watchDrill } from './drill.ts';
import { processorEnvironment, runtimeEnvironment, spoolSweeperEnvironment, verifierEnvironment, type Endpoints, type ProviderResources } from './function-environment.ts';
import { EventSource } from './event-source.ts';
import { InitError, LocalFunction } from './functions.ts';
import { startHttpApi, type HttpApi } from './http-api.ts';
import { startFaultInjection } from './fault-proxy.ts';
import { printStdout } from './report.ts';
import { runSpoolSchedule } from './schedule.ts';
import { queueName, queuesFile, restoreQueues, saveQueues } from './queue-keeper.ts';
import { statusRoute } from './status-route.ts';
import { ensureSecretsFile, LocalFileError, lockStateDir, readSecretsFile, removeRuntime, writeRuntime, type RuntimeInfo, type SecretsFile } from './runtime-files.ts';
import {
  CLAIM_CHECK_BUCKET, findOnPath, HOST, LEDGER_TABLE, LOCAL_REGION, parseArgs, PROJECT_ROOT, readSettings, SettingsError, USAGE,
  type RunnerSettings,
} from './settings.ts';
import {
  createBucket, createProviderQueues, ensureLedgerTable, motoSecrets, S3StandIn, SecretsManagerStandIn, standInSecrets, startDynalite, startMoto,
  startSqs, type ProviderQueues, type SecretStore,
} from './stand-ins.ts';

// The SDK is pinned (package.json); its notice about future releases needing node 22 is noise here.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const print = printStdout;
/** How often the local schedule runs the spool sweeper (deployed: every minute). */
const SPOOL_SWEEP_INTERVAL_MS = 2_000;
const note = (line: string) => void process.stderr.write(`${line}\n`);

/** Shown paths: relative to the project when inside it. */
function shown(path: string): string {
  const rel = relative(PROJECT_ROOT, path);
  return rel && !rel.startsWith('..') ? rel : path;
}

type Stopper = () => Promise<void>;

const portInUse = (port: number) => `port ${port} on ${HOST} is in use: stop what listens there, or set PORT (e.g. PORT=${port + 1} npm start)`;

/** Fails at once, before bundles are built and functions started, when the port is taken (PORT=0 picks a free one later). */
async function checkPortFree(port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new Error(portInUse(port)) : error.code === 'EACCES' ? new Error(`port ${port} on ${HOST} needs privileges: set PORT to 1024 or above`) : error);
    });
    server.listen({ port, host: HOST, exclusive: true }, () => server.close(() => resolve()));
  });
}

async function start(settings: RunnerSettings, stoppers: Stopper[]): Promise<{ info: RuntimeInfo }> {
  const { app, stateDir } = settings;
  const providerIds = app.providers.map((p) => p.id);
  mkdirSync(stateDir, { recursive: true });
  const unlock = lockStateDir(stateDir);
  stoppers.push(async () => unlock());
  await checkPortFree(settings.port);
  const dynamoDir = join(stateDir, 'dynamodb');
  if (settings.fresh) rmSync(dynamoDir, { recursive: true, force: true });
  // --fresh: no kept queue messages (queue-keeper.ts) and no failure drill file (drill.ts) either.
  if (settings.fresh) for (const file of [queuesFile(stateDir), drillFile(stateDir)]) rmSync(file, { force: true });

  const { secrets, added, created } = ensureSecretsFile(settings.secretsFile, providerIds);
  if (created) note(`created ${shown(settings.secretsFile)} with a random secret per provider (senders and \`ops send\` sign with them)`);
  else if (added.length > 0) note(`added random secrets for ${added.join(', ')} to ${shown(settings.secretsFile)}`);

  const buildStarted = Date.now();
  const bundles = await buildHandlers(stateDir);
  note(`built the verifier, processor and spool sweeper bundles (esbuild, as deploy) in ${Date.now() - buildStarted} ms`);

  let dynamo;
  try {
    dynamo = await startDynalite(dynamoDir);
  } catch (error) {
    const text = `${(error as Error).message}`;
    if (/lock/i.test(text)) throw new Error(`${shown(dynamoDir)} is in use: is another \`npm start\` running with this state directory?`);
    throw error;
  }
  stoppers.push(dynamo.stop);
  const table = await ensureLedgerTable(dynamo.endpoint, LEDGER_TABLE);

  const sqs = await startSqs();
  stoppers.push(sqs.stop);
  const queues = new Map<string, ProviderQueues>();
  for (const provider of app.providers) {
    queues.set(provider.id, await createProviderQueues(sqs.endpoint, provider.id, {
      maxReceiveCount: settings.maxReceiveCount.get(provider.id)!,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
    }));
  }
  // The queues survive a restart (queue-keeper.ts): restored now, before any processor polls; saved at stop,
  // after the event sources and functions stopped (stoppers run in reverse), before local-aws-sqs stops.
  const queueUrls = new Map([...queues.values()].flatMap((q) => [q.queueUrl, q.deadLetterQueueUrl]).map((url) => [queueName(url), url]));
  try {
    const restored = await restoreQueues(stateDir, sqs.endpoint, sqs.inventory, queueUrls);
    if (restored.total > 0) note(`restored ${restored.total} messages kept at the last stop (${describeKept(restored.counts)}) from ${shown(restored.file)}`);
    if (restored.unrestored) note(`messages of queues this stack no longer has are kept in ${shown(restored.unrestored)}`);
  } catch (error) {
    note(`queues not restored: ${(error as Error).message}`);
  }
  stoppers.push(async () => {
    try {
      const kept = saveQueues(stateDir, sqs.inventory, [...queueUrls.keys()]);
      note(kept.total > 0
        ? `kept ${kept.total} messages (${describeKept(kept.counts)}) in ${shown(kept.file)}: the next npm start restores them (--fresh drops them)`
        : 'queues and dead-letter queues empty: nothing to keep');
    } catch (error) {
      const lost = [...queueUrls.keys()].map((name) => sqs.inventory.stats(name).messages).reduce((a, b) => a + b, 0);
      note(`could not keep the ${lost} queued and dead-lettered messages (${(error as Error).name}): they are lost; ops events --status in-flight / failed lists their ledger entries`);
    }
  });

  const motoPath = settings.moto === 'off' ? undefined : findOnPath('moto_server');
  if (settings.moto === 'on' && !motoPath) throw new Error('LOCAL_USE_MOTO=1 but moto_server is not on PATH (pip install "moto[server]")');
  let secretStore: SecretStore;
  let s3Endpoint: string;
  if (motoPath) {
    const moto = await startMoto(motoPath, join(stateDir, 'logs', 'moto.log'));
    stoppers.push(moto.stop);
    // A crash must not leave moto_server running.
    process.once('exit', () => moto.child.kill('SIGKILL'));
    secretStore = motoSecrets(moto.endpoint);
    s3Endpoint = moto.endpoint;
  } else {
    const secretsManager = new SecretsManagerStandIn(LOCAL_REGION, '123456789012');
    await secretsManager.start();
    stoppers.push(() => secretsManager.stop());
    const s3 = new S3StandIn();
    s3Endpoint = await s3.start();
    stoppers.push(() => s3.stop());
    secretStore = standInSecrets(secretsManager);
  }
  await createBucket(s3Endpoint, CLAIM_CHECK_BUCKET);

  const resources = new Map<string, ProviderResources>();
  for (const id of providerIds) {
    const pair = secrets[id]!;
    const secretArn = await secretStore.put(`webhooks/local/${id}`, pair.current, pair.previous);
    resources.set(id, { secretArn, queueUrl: queues.get(id)!.queueUrl });
  }

  watchSecretsFile(settings.secretsFile, providerIds, secrets, secretStore, stoppers);

  const endpoints: Endpoints = { dynamodb: dynamo.endpoint, sqs: sqs.endpoint, s3: s3Endpoint, secretsManager: secretStore.endpoint };
  // LOCAL_FAULTS=1 only (tests): the functions reach the stand-ins through fault proxies (fault-proxy.ts).
  const faults = settings.faults ? await startFaultInjection(endpoints, { recycleVerifier: () => verifier.recycle() }) : undefined;
  if (faults) stoppers.push(() => faults.stop());
  const verifierEndpoints = faults?.endpoints('verifier') ?? endpoints;
  const processorEndpoints = faults?.endpoints('processor') ?? endpoints;
  // The SQS client sends to the queue URL's host, whatever AWS_ENDPOINT_URL_SQS says: the verifier gets proxied queue URLs.
  const verifierResources = faults ? new Map([...resources].map(([id, r]) => [id, { ...r, queueUrl: faults.via('verifier', 'sqs', r.queueUrl) }])) : resources;
  const logs = join(stateDir, 'logs');
  const echo = settings.verbose ? process.stderr : undefined;
  const verifier = new LocalFunction({
    name: 'local-verifier',
    bundle: bundles.verifier,
    environment: {
      ...runtimeEnvironment('local-verifier', app.verifier.memoryMb, verifierEndpoints, stateDir),
      ...verifierEnvironment(app, verifierResources, LEDGER_TABLE, CLAIM_CHECK_BUCKET),
    },
    memoryMb: app.verifier.memoryMb,
    timeoutSeconds: app.verifier.timeoutSeconds,
    maxConcurrency: settings.verifierConcurrency,
    logFile: join(logs, 'verifier.log'),
    ...(echo ? { echo } : {}),
  });
  stoppers.push(() => verifier.stop());
  // The sweeper sees AWS as the verifier does (same fault scope, same queue URLs: the ones it spools).
  const spoolSweeper = new LocalFunction({
    name: 'local-spool-sweeper',
    bundle: bundles.spoolSweeper,
    environment: {
      ...runtimeEnvironment('local-spool-sweeper', 256, verifierEndpoints, stateDir),
      ...spoolSweeperEnvironment(verifierResources, CLAIM_CHECK_BUCKET),
    },
    memoryMb: 256,
    timeoutSeconds: 50,
    maxConcurrency: 1,
    logFile: join(logs, 'spool-sweeper.log'),
    ...(echo ? { echo } : {}),
  });
  stoppers.push(() => spoolSweeper.stop());
  // The failure drill: --drill or PROCESSOR_FAIL_EVENT_TYPES, then <state dir>/drill.json, which may change while running (drill.ts).
  const stale = clearStaleDrill(stateDir);
  if (stale) note(`removed ${shown(drillFile(stateDir))} of an earlier run (it drilled ${stale}): a drill starts only with --drill or PROCESSOR_FAIL_EVENT_TYPES`);
  // The file of an earlier run is gone: at start the drill is the environment's (or --drill's).
  const drill = settings.failEventTypes;
  // Like the verifier's, the processors' queue URLs go through the fault proxies when they are on.
  const processorQueues = (id: string) => {
    const { queueUrl, deadLetterQueueUrl } = queues.get(id)!;
    return faults
      ? { queueUrl: faults.via('processor', 'sqs', queueUrl), deadLetterQueueUrl: faults.via('processor', 'sqs', deadLetterQueueUrl) }
      : { queueUrl, deadLetterQueueUrl };
  };
  const processorFunction = (provider: ProviderConfig, failEventTypes: string | undefined) => {
    const name = `local-processor-${provider.id}`;
    return new LocalFunction({
      name,
      bundle: bundles.processor,
      environment: {
        ...runtimeEnvironment(name, app.processor.memoryMb, processorEndpoints, stateDir),
        ...processorEnvironment(app, provider, LEDGER_TABLE, CLAIM_CHECK_BUCKET, processorQueues(provider.id), {
          retryBudgetSeconds: settings.retryBudgetSeconds,
          ...(failEventTypes ? { failEventTypes } : {}),
        }),
      },
      memoryMb: app.processor.memoryMb,
      timeoutSeconds: app.processor.timeoutSeconds,
      maxConcurrency: 1,
      logFile: join(logs, `processor-${provider.id}.log`),
      ...(echo ? { echo } : {}),
    });
  };
  const processors = app.providers.map((provider) => {
    const fn = new ReplaceableFunction(processorFunction(provider, drill));
    stoppers.push(() => fn.stop());
    return { provider, fn };
  });
  const initStarted = Date.now();
  await Promise.all([verifier.warm(), spoolSweeper.warm(), ...processors.map((p) => p.fn.warm())]);
  note(`initialized ${processors.length + 2} functions (cold starts) in ${Date.now() - initStarted} ms`);
  const stopSchedule = runSpoolSchedule(spoolSweeper, SPOOL_SWEEP_INTERVAL_MS, print);
  // The schedule stops before the sweeper it runs (stoppers run in reverse).
  stoppers.push(stopSchedule);

  for (const { provider, fn } of processors) {
    const queue = queues.get(provider.id)!;
    const source = new EventSource({
      providerId: provider.id,
      endpoint: processorEndpoints.sqs,
      queueUrl: queue.queueUrl,
      queueArn: queue.queueArn,
      batchSize: provider.batchSize,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
      maxReceiveCount: settings.maxReceiveCount.get(provider.id)!,
      processor: fn,
      print,
      activity: sqs.activity,
    });
    source.start();
    // Event sources stop before the functions they feed (stoppers run in reverse).
    stoppers.push(() => source.stop());
  }
  let drillNow = drill;
  const unwatchDrill = watchDrill(stateDir, settings.failEventTypes, drill, async (value) => {
    drillNow = value;
    await Promise.all(processors.map(({ provider, fn }) => fn.replace(processorFunction(provider, value))));
  }, note);
  stoppers.push(async () => unwatchDrill());

  let api: HttpApi;
  try {
    // GET /__local/status for `ops status --local` (status-route.ts); the fault switches with LOCAL_FAULTS=1.
    const admin = statusRoute(() => ({
      drill: drillNow ? drillNow : null,
      queues: Object.fromEntries([...queueUrls.keys()].map((name) => [name, sqs.inventory.stats(name)])),
    }), faults?.admin);
    api = await startHttpApi({ port: settings.port, host: HOST, verifier, print, admin });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(portInUse(settings.port));
    }
    throw error;
  }
  stoppers.push(() => api.stop());

  const url = `http://${HOST}:${api.port}`;
  const info: RuntimeInfo = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    url,
    port: api.port,
    region: LOCAL_REGION,
    endpoints,
    secretsAndS3: motoPath ? 'moto' : 'stand-ins',
    table: LEDGER_TABLE,
    bucket: CLAIM_CHECK_BUCKET,
    secretsFile: settings.secretsFile,
    providers: Object.fromEntries(providerIds.map((id) => [id, {
      queueUrl: queues.get(id)!.queueUrl,
      deadLetterQueueUrl: queues.get(id)!.deadLetterQueueUrl,
      secretArn: resources.get(id)!.secretArn,
      maxReceiveCount: settings.maxReceiveCount.get(id)!,
    }])),
  };
  writeRuntime(stateDir, info);
  stoppers.push(async () => removeRuntime(stateDir));

  const receives = [...new Set(settings.maxReceiveCount.values())].join('/');
  note([
    `local stack, stage ${app.stage} of cdk.json: ${providerIds.join(', ')}`,
    `  verifier    ${shown(bundles.verifier)} in worker threads (up to ${settings.verifierConcurrency} at once, ${app.verifier.timeoutSeconds} s timeout)`,
    `  spool       ${shown(bundles.spoolSweeper)} every ${SPOOL_SWEEP_INTERVAL_MS / 1000} s: messages spooled to ${CLAIM_CHECK_BUCKET}/spool/ while SQS failed go to their queues`,
    `  processors  ${shown(bundles.processor)}, one worker per provider, fed by an SQS event source (batch ${app.providers[0]?.batchSize ?? 10}, ` +
      `visibility ${settings.visibilityTimeoutSeconds} s, retries for ${settings.retryBudgetSeconds} s, DLQ after ${receives} receives at most)`,
    `  DynamoDB    dynalite ${dynamo.endpoint}, table ${LEDGER_TABLE} (${table === 'created' ? 'new' : 'kept'}; persisted in ${shown(dynamoDir)})`,
    `  SQS         local-aws-sqs ${sqs.endpoint} (in memory; kept in ${shown(queuesFile(stateDir))} from stop to start)`,
    motoPath
      ? `  Secrets/S3  moto_server ${secretStore.endpoint} (in memory)`
      : `  Secrets/S3  runner stand-ins: GetSecretValue ${secretStore.endpoint}, S3 ${s3Endpoint} (in memory)`,
    `  secrets     ${shown(settings.secretsFile)}; logs ${shown(logs)}/; runtime ${shown(join(stateDir, 'runtime.json'))}`,
    ...(faults ? ['  FAULT INJECTION (LOCAL_FAULTS=1): proxies before the stand-ins; POST /__local/faults switches faults (local/fault-proxy.ts)'] : []),
    drill
      ? `  FAILURE DRILL: processors fail event types ${drill} on purpose (--drill or PROCESSOR_FAIL_EVENT_TYPES; ${shown(drillFile(stateDir))} changes it)`
      : '  drill       off: processors fail nothing on purpose (npm start -- --drill <event types> rehearses a DLQ incident)',
  ].join('\n'));
  print(`listening on ${url} (POST ${url}/webhooks/<provider>; Ctrl-C stops)`);
  return { info };
}

/**
 * Editing the secrets file while the stack runs is a rotation: each changed provider gets a new
 * AWSCURRENT version, and AWSPREVIOUS becomes its "previous" or else the replaced current value, as
 * PutSecretValue does in AWS. The verifier picks it up on its next signature mismatch (early refresh).
 */
function watchSecretsFile(path: string, providerIds: readonly string[], initial: SecretsFile, store: SecretStore, stoppers: Stopper[]): void {
  let known = initial;
  let chain = Promise.resolve();
  const reload = async () => {
    let next: SecretsFile;
    try {
      next = readSecretsFile(path);
    } catch (error) {
      note(`secrets file not reloaded: ${(error as Error).message}`);
      return;
    }
    for (const id of providerIds) {
      const pair = next[id];
      const before = known[id];
      if (!pair || (before && before.current === pair.current && before.previous === pair.previous)) continue;
      try {
        await store.put(`webhooks/local/${id}`, pair.current, pair.previous);
        note(`secrets file changed: new AWSCURRENT for ${id}${pair.previous !== undefined || before ? ' (AWSPREVIOUS updated too)' : ''}`);
      } catch (error) {
        note(`could not store the new secret of ${id}: ${(error as Error).name}`);
      }
    }
    known = next;
  };
  watchFile(path, { interval: 500 }, (current, previous) => {
    if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size) chain = chain.then(reload);
  });
  stoppers.push(async () => unwatchFile(path));
}

/** `2 in webhooks-sully-dlq, 1 in webhooks-suki`: names and counts only. */
function describeKept(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts).map(([name, n]) => `${n} in ${name}`).join(', ');
}

async function stopAll(stoppers: Stopper[]): Promise<void> {
  for (const stop of stoppers.reverse()) {
    try {
      await stop();
    } catch (error) {
      note(`while stopping: ${(error as Error).name}: ${(error as Error).message}`);
    }
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let settings: RunnerSettings;
  try {
    if (parseArgs(argv).help) {
      print(USAGE);
      return 0;
    }
    settings = readSettings(argv);
  } catch (error) {
    if (error instanceof SettingsError) {
      note(`npm start: ${error.message}`);
      return 2;
    }
    throw error;
  }

  const stoppers: Stopper[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (signal: string) => {
    if (stopping) {
      note(`${signal} again: exiting at once`);
      process.exit(1);
    }
    note(`${signal}: stopping (HTTP API, event sources, functions, stand-ins)...`);
    stopping = stopAll(stoppers).then(() => {
      note('stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  try {
    await start(settings, stoppers);
  } catch (error) {
    const message = error instanceof InitError || error instanceof LocalFileError || error instanceof Error ? error.message : String(error);
    note(`npm start: could not start the local stack: ${message}`);
    await stopAll(stoppers);
    return 1;
  }
  return await new Promise<number>(() => undefined); // runs until a signal
}

process.exitCode = await main(process.argv.slice(2));
