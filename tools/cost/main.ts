/**
 * `npm run cost [-- --template <path>] [-- --provider <id>] [-- --out <path>]`: the cost per million webhooks
 * from the settings of the synthesized stack. Without --template it runs `cdk synth` (offline, cdk.json
 * context) into a temporary directory and reads the stack's template from there.
 *
 * Prints, per body size, the line items with DynamoDB on-demand (the stack's billing mode) and the
 * provisioned alternative, the total against the $3-per-million target, the fixed monthly cost, the
 * assumptions, and the capacity arithmetic for 1,000 and 10,000 webhooks/s; writes it all to bench/cost.json.
 * The model is tools/cost/model.ts (pure), the prices tools/cost/prices.ts.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clinicalNoteEvent } from '../../bench/payload.ts';
import { claimCheckKey, claimCheckMessage, inlineMessage, messageBytes, type EventToEnqueue } from '../../lambdas/verifier/enqueue.ts';
import {
  capacity, DEFAULT_ASSUMPTIONS, estimate, fixedMonthly, verdict, type Assumptions, type CostSettings, type Estimate, type Workload,
} from './model.ts';
import { PRICES } from './prices.ts';
import { costSettings, differingProcessors, readSettings, StackTemplateError } from './stack-settings.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** issue 3: "target ≤ $3 per million 2 KB webhooks". */
const TARGET_USD_PER_MILLION = 3;
const TARGET_BODY_BYTES = 2_048;
const RATES = [1_000, 10_000];

const SIZES = [
  { label: '2 KB', bytes: 2_048 },
  { label: '200 KB', bytes: 204_800 },
  { label: '400 KB (extra: above the claim-check threshold)', bytes: 409_600 },
];

const USAGE = `usage: npm run cost [-- --template <path>] [-- --provider <id>] [-- --out <path>]

  --template <path>  a synthesized template (JSON); default: run \`cdk synth\` into a temporary directory
  --provider <id>    price this provider's processor settings (default: the first in the template)
  --out <path>       where to write the results (default bench/cost.json)`;

interface Args {
  template?: string;
  provider?: string;
  out: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { out: join(ROOT, 'bench', 'cost.json') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new CostUsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--') continue;
    else if (arg === '--template') args.template = resolve(value());
    else if (arg === '--provider') args.provider = value();
    else if (arg === '--out') args.out = resolve(value());
    else if (arg === '--help' || arg === '-h') throw new CostUsageError('');
    else throw new CostUsageError(`unknown argument '${arg}'`);
  }
  return args;
}

class CostUsageError extends Error {}

/** `cdk synth --quiet -o <tmp>` with cdk.json's context; returns the one stack template's path. */
function synthesize(dir: string): string {
  try {
    execFileSync('npx', ['cdk', 'synth', '--quiet', '-o', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    process.stderr.write(`${e.stdout ?? ''}${e.stderr ?? ''}`);
    throw new Error('cdk synth failed (output above)');
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
  if (stacks.length !== 1) throw new Error(`expected one stack in the cloud assembly, found ${stacks.map(([id]) => id).join(', ')}`);
  const [id, artifact] = stacks[0]!;
  return join(dir, artifact.properties?.templateFile ?? `${id}.template.json`);
}

/** Message sizes from the verifier's own serializer, on the benchmark's clinical-note body. */
function workloadFor(bytes: number, provider: string): Workload {
  const payload = clinicalNoteEvent(`${bytes} B`, bytes, 1_732_364_848);
  const receivedAt = Date.UTC(2026, 0, 1);
  const event: EventToEnqueue = {
    provider,
    queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/queue',
    eventType: payload.eventType,
    dedupeKey: `${payload.eventId}-0001`,
    receivedAt,
    signedTimestamp: '1732364848',
    bodySha256: createHash('sha256').update(payload.bytes).digest('hex'),
    body: payload.bytes,
  };
  const pointer = { bucket: 'webhookreceiver-dev-claimcheckbucket-0a1b2c3d4e5f', key: claimCheckKey(provider, receivedAt, event.dedupeKey) };
  return {
    bodyBytes: bytes,
    inlineMessageBytes: messageBytes(inlineMessage(event)),
    claimCheckMessageBytes: messageBytes(claimCheckMessage(event, pointer)),
  };
}

const usd = (n: number) => (n === 0 ? '0' : n < 0.001 ? '<0.001' : n.toFixed(3));
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const padStart = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

function table(headers: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (align[i] === 'r' ? padStart(c, widths[i]!) : pad(c, widths[i]!))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function costTable(onDemand: Estimate, provisioned: Estimate): string {
  const rows = onDemand.items.map((item, i) => {
    const alt = provisioned.items[i]!;
    const label = item.id === 'dynamodb-writes' && alt.label !== item.label
      ? `DynamoDB writes (on-demand | provisioned at ${Math.round(DEFAULT_ASSUMPTIONS.dynamodb.provisionedUtilization * 100)}%)`
      : item.label;
    return [label,
      usd(item.usdPerMillion), usd(alt.usdPerMillion), item.basis];
  });
  rows.push(['TOTAL per million', usd(onDemand.totalPerMillion), usd(provisioned.totalPerMillion), '']);
  return table(['line item', 'on-demand', 'provisioned', 'per event'], rows, ['l', 'r', 'r', 'l']);
}

function assumptionLines(s: CostSettings, a: Assumptions): string[] {
  const v = a.verifier;
  const p = a.processor;
  const d = a.dynamodb;
  const l = a.logs;
  return [
    `prices: ${PRICES.region} list prices compiled ${PRICES.asOf} (tools/cost/prices.ts); free tiers, Savings Plans and volume tiers ignored`,
    `verifier duration: ${v.warmBaseMs} ms warm for a 2 KB body (3 sequential calls) + ${v.msPerKb} ms/KB + ${v.claimCheckPutMs} ms S3 PutObject when claim-checked; ${v.coldStartShare * 100}% cold starts × ${v.initMs} ms INIT (billed since 2025-08-01)`,
    `processor duration per batch: ${p.batchBaseMs} ms + per record (${p.perRecordMs} ms + ${p.perRecordMsPerKb} ms/KB) + ${p.claimCheckGetMs} ms S3 GetObject when claim-checked; ${p.coldStartShare * 100}% cold × ${p.initMs} ms`,
    `batches: ${p.averageBatchSize === undefined ? `full (BatchSize ${s.processor.batchSize} from the template: steady load)` : `${p.averageBatchSize} records on average`}`,
    `DynamoDB: ${d.ledgerWritesPerEvent} ledger writes (claim, enqueued, processed) of a ${d.ledgerItemBytes} B item + ${d.stateWritesPerEvent} state write of ${d.stateItemBytes} B; ${d.readsPerEvent} reads on the new-event path; storage ${d.stateRecordsPerEvent} state record per event (upper bound) + ${d.itemOverheadBytes} B overhead per item for the ${s.ledgerRetentionDays}-day TTL; provisioned alternative at ${d.provisionedUtilization * 100}% utilization`,
    `SQS message: measured with the verifier's serializer on the benchmark clinical note (bench/payload.ts); claim check when it exceeds ${s.claimCheckThresholdBytes} B (template); ESM receive billed per 64 KB of the batch, 1 DeleteMessageBatch per batch`,
    `logs per event: verifier ${l.verifierAppBytes} B (outcome line + EMF, measured 917 B locally) + ${l.platformBytesPerInvocation} B platform lines; processor ${l.processorAppBytesPerEvent} B per record + (${l.processorEmfBytesPerBatch} B EMF + ${l.platformBytesPerInvocation} B platform) per batch; access log line from the stage's format with ${l.accessLogValueBytes} B per $context value; stored at ${l.storageCompression} of ingested size for the log retention`,
    `X-Ray: ${a.xraySampledShare * 100}% of verifier invocations and processor batches traced; the default rule's 1/s reservoir per function adds ~1/rate on top (${((1 + a.xraySampledShare * ((s.throttle?.rateLimit ?? 100) - 1)) / (s.throttle?.rateLimit ?? 100) * 100).toFixed(2)}% of verifier invocations at ${s.throttle?.rateLimit ?? 100} rps, all of them at ≤ 1 rps)`,
    `request headers ${a.requestHeaderBytes} B (API metering), response ${a.responseBytes} B (data transfer out)`,
    'KMS, Secrets Manager: ~0 per event (data keys reused 1 h on SQS, DynamoDB key caching, S3 Bucket Key; secrets cached 5 min per container)',
    'not counted: retries and duplicates (a duplicate costs an API request, a verifier invocation and 1 conditional write), failures and DLQ redrives, NAT (none: no VPC), the Lambda and X-Ray free tiers',
  ];
}

function main(): void {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CostUsageError) {
      if (error.message) console.error(error.message);
      console.error(USAGE);
      process.exit(error.message ? 2 : 0);
    }
    throw error;
  }

  let tempDir: string | undefined;
  let templatePath = args.template;
  try {
    if (!templatePath) {
      tempDir = mkdtempSync(join(tmpdir(), 'webhook-cost-'));
      process.stderr.write('synthesizing the stack (cdk synth, offline) ...\n');
      templatePath = synthesize(tempDir);
    }
    const template = JSON.parse(readFileSync(templatePath, 'utf8')) as unknown;
    const stack = readSettings(template);
    const settings = costSettings(stack, args.provider);
    const provider = args.provider ?? stack.processors[0]!.providerId;
    const a = DEFAULT_ASSUMPTIONS;
    const shownTemplate = tempDir ? 'synthesized from cdk.json (cdk synth)' : relative(ROOT, templatePath) || templatePath;

    const out: string[] = [];
    const print = (line = '') => out.push(line);
    print(`Cost per million new webhooks, ${PRICES.region} list prices of ${PRICES.asOf} (template: ${shownTemplate})`);
    print();
    print('Settings read from the template:');
    const v = settings.verifier;
    const p = settings.processor;
    print(`  verifier   ${v.memoryMb} MB, ${v.architecture}, tracing ${v.tracing}, logs ${v.logRetentionDays ?? 'never expire'} d`);
    print(`  processor  ${p.memoryMb} MB, ${p.architecture}, tracing ${p.tracing}, logs ${p.logRetentionDays ?? 'never expire'} d, BatchSize ${p.batchSize}, MaximumConcurrency ${p.maxConcurrency ?? 'unset'} (${provider}; ${stack.processors.length} processors)`);
    print(`  ledger     ${settings.table.billingMode}, PITR ${settings.table.pointInTimeRecovery ? 'on' : 'off'}, TTL ${settings.ledgerRetentionDays} d`);
    print(`  claim check above ${settings.claimCheckThresholdBytes} B, bodies kept ${settings.claimCheckStorageDays} d; archive kept ${settings.archiveStorageDays ?? `${settings.ledgerRetentionDays + 1} (no archive rule found)`} d; access log ${settings.accessLog ? `on, ${settings.accessLog.retentionDays ?? 'never expire'} d` : 'off'}; stage throttle ${settings.throttle ? `${settings.throttle.rateLimit} rps, burst ${settings.throttle.burstLimit}` : 'unset'}`);
    const differing = differingProcessors(stack, settings.processor);
    if (differing.length > 0) print(`  note: processors of ${differing.join(', ')} have other settings; price them with --provider`);
    for (const warning of stack.warnings) print(`  warning: ${warning}`);

    const results = SIZES.map((size) => {
      const workload = workloadFor(size.bytes, provider);
      const onDemand = estimate(settings, workload, a, PRICES, { billingMode: 'PAY_PER_REQUEST' });
      const provisioned = estimate(settings, workload, a, PRICES, { billingMode: 'PROVISIONED' });
      const lightTraffic = estimate(settings, workload, { ...a, processor: { ...a.processor, averageBatchSize: 1 } }, PRICES);
      return { size, workload, onDemand, provisioned, lightTraffic };
    });

    for (const r of results) {
      print();
      print(`${r.size.label} body: SQS message ${r.onDemand.messageBytes} B${r.onDemand.claimChecked ? ' (claim check: the body goes to S3)' : ' (inline, no claim check)'}; the stack as synthesized is ${settings.table.billingMode === 'PAY_PER_REQUEST' ? 'on-demand' : 'provisioned'}`);
      print(costTable(r.onDemand, r.provisioned));
      const stackTotal = settings.table.billingMode === 'PAY_PER_REQUEST' ? r.onDemand.totalPerMillion : r.provisioned.totalPerMillion;
      if (r.size.bytes === TARGET_BODY_BYTES) {
        const pass = (t: number) => (t <= TARGET_USD_PER_MILLION ? 'PASS' : 'NOT MET');
        print(`target ≤ $${TARGET_USD_PER_MILLION.toFixed(2)} per million 2 KB webhooks: as synthesized $${stackTotal.toFixed(2)} → ${pass(stackTotal)}; with provisioned writes $${r.provisioned.totalPerMillion.toFixed(2)} → ${pass(r.provisioned.totalPerMillion)}`);
        const top = [...r.onDemand.items].sort((x, y) => y.usdPerMillion - x.usdPerMillion).slice(0, 3);
        print(`largest items: ${top.map((i) => `${i.label} $${i.usdPerMillion.toFixed(2)}`).join(', ')}`);
      }
      print(`light traffic (1 record per processor batch): $${r.lightTraffic.totalPerMillion.toFixed(2)} per million as synthesized`);
    }

    const monthly = fixedMonthly(stack.fixed, a, PRICES);
    const monthlyTotal = monthly.reduce((sum, item) => sum + item.usdPerMonth, 0);
    print();
    print('Fixed monthly cost (no traffic; from the template\'s resource counts):');
    print(table(['item', '$/month', 'basis'], [
      ...monthly.map((m) => [m.label, m.usdPerMonth.toFixed(2), m.basis]),
      ['TOTAL per month', monthlyTotal.toFixed(2), ''],
    ], ['l', 'r', 'l']));

    const capacityWorkload = results[0]!.workload;
    const rows = capacity(settings, a, { rates: RATES, workload: capacityWorkload });
    print();
    print('Capacity at 1,000 and 10,000 new 2 KB webhooks/s, all on one provider (worst case for per-provider limits), default quotas:');
    print(table(['limit', 'quota', ...RATES.map((r) => `${r.toLocaleString('en-US')}/s`), 'note'], rows.map((row) => [
      row.limit, row.quota,
      ...row.cells.map((c) => (row.limit.startsWith('SQS') ? `${c.demand}: ok` : `${c.demand} (${Math.round(c.share * 100)}%) ${verdict(c.share)}`)),
      row.note,
    ]), ['l', 'l', 'r', 'r', 'l']));

    print();
    print('Assumptions (tools/cost/model.ts DEFAULT_ASSUMPTIONS):');
    for (const line of assumptionLines(settings, a)) print(`  - ${line}`);
    console.log(out.join('\n'));

    const json = {
      generatedBy: 'npm run cost (tools/cost/main.ts)',
      template: shownTemplate,
      prices: PRICES,
      target: { usdPerMillion: TARGET_USD_PER_MILLION, bodyBytes: TARGET_BODY_BYTES },
      settings: { ...settings, pricedProvider: provider, warnings: stack.warnings },
      assumptions: a,
      results: results.map((r) => ({
        label: r.size.label,
        bodyBytes: r.size.bytes,
        messageBytes: r.onDemand.messageBytes,
        claimChecked: r.onDemand.claimChecked,
        batchSize: r.onDemand.batchSize,
        onDemand: { items: r.onDemand.items, totalPerMillion: r.onDemand.totalPerMillion },
        provisioned: { items: r.provisioned.items, totalPerMillion: r.provisioned.totalPerMillion },
        lightTrafficTotalPerMillion: r.lightTraffic.totalPerMillion,
        ...(r.size.bytes === TARGET_BODY_BYTES
          ? { meetsTarget: { asSynthesized: (settings.table.billingMode === 'PAY_PER_REQUEST' ? r.onDemand : r.provisioned).totalPerMillion <= TARGET_USD_PER_MILLION, provisioned: r.provisioned.totalPerMillion <= TARGET_USD_PER_MILLION } }
          : {}),
      })),
      fixedMonthly: { items: monthly, totalPerMonth: monthlyTotal },
      capacity: { bodyBytes: capacityWorkload.bodyBytes, busyProviders: 1, rows },
    };
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, `${JSON.stringify(json, null, 2)}\n`);
    process.stderr.write(`wrote ${relative(ROOT, args.out) || args.out}\n`);
  } catch (error) {
    if (error instanceof StackTemplateError) {
      console.error(`cannot read the template: ${error.message}`);
      process.exit(1);
    }
    throw error;
  } finally {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

main();
