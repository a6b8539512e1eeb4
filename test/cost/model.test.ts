/**
 * The pure cost model (tools/cost/model.ts): each line item moves with the setting that drives it, and
 * nothing else does; the total is the sum of the items. Fixed inputs, exact arithmetic.
 */
import { describe, expect, it } from 'vitest';
import {
  accessLogLineBytes, capacity, DEFAULT_ASSUMPTIONS, estimate, fixedMonthly, verdict, writeUnits,
  type Assumptions, type CostSettings, type Estimate, type Workload,
} from '../../tools/cost/model.ts';
import { PRICES } from '../../tools/cost/prices.ts';

const SETTINGS: CostSettings = {
  verifier: { memoryMb: 512, architecture: 'arm64', tracing: 'Active', logRetentionDays: 30 },
  processor: { memoryMb: 256, architecture: 'arm64', tracing: 'Active', logRetentionDays: 30, batchSize: 10, maxConcurrency: 5 },
  table: { billingMode: 'PAY_PER_REQUEST', pointInTimeRecovery: true },
  claimCheckThresholdBytes: 245_760,
  ledgerRetentionDays: 30,
  claimCheckStorageDays: 31,
  accessLog: { format: '{"requestId":"$context.requestId","status":"$context.status"}', retentionDays: 30 },
  throttle: { rateLimit: 100, burstLimit: 200 },
};
const A = DEFAULT_ASSUMPTIONS;
const TWO_KB: Workload = { bodyBytes: 2_048, inlineMessageBytes: 2_500, claimCheckMessageBytes: 530 };

const item = (e: Estimate, id: string): number => {
  const found = e.items.find((i) => i.id === id);
  if (!found) throw new Error(`no line item ${id}`);
  return found.usdPerMillion;
};
const run = (settings: Partial<CostSettings> = {}, workload: Workload = TWO_KB, assumptions: Assumptions = A) =>
  estimate({ ...SETTINGS, ...settings }, workload, assumptions, PRICES);
const withProcessor = (p: Partial<CostSettings['processor']>) => ({ processor: { ...SETTINGS.processor, ...p } });
const withVerifier = (v: Partial<CostSettings['verifier']>) => ({ verifier: { ...SETTINGS.verifier, ...v } });
/** The part of a Lambda line item that is duration (GB-seconds), per million. */
const verifierCompute = (e: Estimate) => item(e, 'verifier') - PRICES.lambdaPerMillionRequests;

describe('totals', () => {
  it.each([
    ['2 KB on-demand', {}, TWO_KB],
    ['200 KB provisioned', { table: { billingMode: 'PROVISIONED' as const, pointInTimeRecovery: true } }, { bodyBytes: 204_800, inlineMessageBytes: 208_791 }],
    ['400 KB claim-checked', {}, { bodyBytes: 409_600, inlineMessageBytes: 417_000, claimCheckMessageBytes: 530 }],
  ])('%s: the total is the sum of the line items', (_name, settings, workload) => {
    const e = run(settings, workload);
    expect(e.items.length).toBeGreaterThan(10);
    expect(e.totalPerMillion).toBeCloseTo(e.items.reduce((sum, i) => sum + i.usdPerMillion, 0), 10);
    expect(e.totalPerMillion).toBeGreaterThan(0);
  });

  it('prices the 2 KB reference case line by line', () => {
    const e = run();
    expect(item(e, 'apigateway')).toBeCloseTo(1.0, 10);
    expect(item(e, 'dynamodb-writes')).toBeCloseTo(2.5, 10); // 4 WRU × $0.625/M
    expect(item(e, 'sqs')).toBeCloseTo(0.48, 10); // (1 + 2/10) × $0.40/M
    expect(item(e, 'dynamodb-reads')).toBe(0);
    expect(item(e, 's3')).toBe(0);
    expect(item(e, 'kms')).toBe(0);
    expect(item(e, 'xray')).toBeCloseTo(0.05 * 1.1 * 5, 10);
  });
});

describe('Lambda line items follow memory, architecture and batch size', () => {
  it('doubling the verifier memory doubles its GB-seconds and nothing else', () => {
    const base = run();
    const big = run(withVerifier({ memoryMb: 1024 }));
    expect(verifierCompute(big)).toBeCloseTo(2 * verifierCompute(base), 10);
    for (const id of ['processor', 'apigateway', 'dynamodb-writes', 'sqs', 'logs-ingestion']) expect(item(big, id)).toBe(item(base, id));
  });

  it('doubling the processor memory doubles its GB-seconds', () => {
    const compute = (e: Estimate) => item(e, 'processor') - PRICES.lambdaPerMillionRequests / 10;
    expect(compute(run(withProcessor({ memoryMb: 512 })))).toBeCloseTo(2 * compute(run()), 10);
  });

  it('x86_64 costs the x86 GB-second price', () => {
    const ratio = verifierCompute(run(withVerifier({ architecture: 'x86_64' }))) / verifierCompute(run());
    expect(ratio).toBeCloseTo(PRICES.lambdaGbSecondX86 / PRICES.lambdaGbSecondArm64, 6);
  });

  it('a batch of 1 pays a processor request per event instead of a tenth', () => {
    const one = run(withProcessor({ batchSize: 1 }));
    const ten = run();
    expect(one.batchSize).toBe(1);
    // Requests alone: $0.20/M vs $0.02/M; duration per event also rises (the per-batch base is not shared).
    expect(item(one, 'processor')).toBeGreaterThan(item(ten, 'processor') + 0.18 - 1e-9);
    expect(item(one, 'sqs')).toBeCloseTo(3 * 0.4, 10); // 1 send + 1 receive + 1 delete
    expect(item(one, 'xray')).toBeCloseTo(0.05 * 2 * 5, 10); // one processor trace per event
  });

  it('an average batch below BatchSize (light traffic) is priced as such, never above BatchSize', () => {
    const light = run({}, TWO_KB, { ...A, processor: { ...A.processor, averageBatchSize: 2 } });
    expect(light.batchSize).toBe(2);
    expect(item(light, 'sqs')).toBeCloseTo((1 + 2 / 2) * 0.4, 10);
    expect(run({}, TWO_KB, { ...A, processor: { ...A.processor, averageBatchSize: 50 } }).batchSize).toBe(10);
  });

  it('X-Ray is free when tracing is PassThrough', () => {
    const e = run({ ...withVerifier({ tracing: 'PassThrough' }), ...withProcessor({ tracing: 'PassThrough' }) });
    expect(item(e, 'xray')).toBe(0);
    expect(item(run(withProcessor({ tracing: 'PassThrough' })), 'xray')).toBeCloseTo(0.05 * 5, 10);
  });
});

describe('size thresholds', () => {
  const headers = A.requestHeaderBytes;

  it('API Gateway meters a request in 512 KB increments', () => {
    const fits = run({}, { bodyBytes: 512 * 1024 - headers, claimCheckMessageBytes: 530 });
    const over = run({}, { bodyBytes: 512 * 1024 - headers + 1, claimCheckMessageBytes: 530 });
    expect(item(fits, 'apigateway')).toBeCloseTo(1, 10);
    expect(item(over, 'apigateway')).toBeCloseTo(2, 10);
  });

  it('SQS bills each 64 KB chunk of a message as a request', () => {
    const high = { claimCheckThresholdBytes: 10_000_000 };
    const fits = run(high, { bodyBytes: 60_000, inlineMessageBytes: 64 * 1024 });
    const over = run(high, { bodyBytes: 60_000, inlineMessageBytes: 64 * 1024 + 1 });
    expect(fits.messageBytes).toBe(65_536);
    expect(item(fits, 'sqs')).toBeCloseTo((1 + (10 + 1) / 10) * 0.4, 10); // receive: 10 chunks for 10 messages
    expect(item(over, 'sqs')).toBeCloseTo((2 + (11 + 1) / 10) * 0.4, 10);
  });

  it('a message above the claim-check threshold goes through S3 and the SQS message shrinks', () => {
    const under = run({}, { bodyBytes: 200_000, inlineMessageBytes: 245_760, claimCheckMessageBytes: 530 });
    const over = run({}, { bodyBytes: 200_000, inlineMessageBytes: 245_761, claimCheckMessageBytes: 530 });
    expect(under.claimChecked).toBe(false);
    expect(item(under, 's3')).toBe(0);
    expect(over.claimChecked).toBe(true);
    expect(over.messageBytes).toBe(530);
    expect(item(over, 'sqs')).toBeCloseTo(0.48, 10);
    const storage = (200_000 / 1024 ** 3) * (31 / (365.25 / 12)) * PRICES.s3StandardGbMonth * 1e6;
    expect(item(over, 's3')).toBeCloseTo(5 + 0.4 + storage, 8); // PUT $0.005/1000 + GET $0.0004/1000 + storage
    expect(item(over, 'verifier')).toBeGreaterThan(item(under, 'verifier')); // the PutObject adds duration
  });

  it('the claim-check threshold comes from the settings, not a constant', () => {
    const workload = { bodyBytes: 150_000, inlineMessageBytes: 153_000, claimCheckMessageBytes: 530 };
    expect(run({}, workload).claimChecked).toBe(false);
    expect(run({ claimCheckThresholdBytes: 100_000 }, workload).claimChecked).toBe(true);
  });

  it('an item over 1 KB costs two write units per write', () => {
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    const big = run({}, TWO_KB, { ...A, dynamodb: { ...A.dynamodb, ledgerItemBytes: 1_500 } });
    expect(item(big, 'dynamodb-writes')).toBeCloseTo((3 * 2 + 1) * 0.625, 10);
  });
});

describe('ledger time index (GSI byReceivedAt)', () => {
  it('one index write per event at the claim, and its small item kept as long as the entry', () => {
    const e = run();
    const storage = ((200 + 100) / 1024 ** 3) * (SETTINGS.ledgerRetentionDays / (365.25 / 12)) * PRICES.dynamodbStorageGbMonth * 1e6;
    expect(item(e, 'dynamodb-index')).toBeCloseTo(0.625 + storage, 6); // 1 WRU × $0.625/M + storage
    expect(item(e, 'dynamodb-writes')).toBeCloseTo(2.5, 10); // the table's own writes unchanged
  });
});

describe('DynamoDB billing mode', () => {
  const provisionedWrites = (4 / (3600 * 0.7)) * PRICES.dynamodbProvisionedWcuHour * 1e6;

  it('the PROVISIONED alternative prices 4 WRU per event at 70% utilization of WCU-hours', () => {
    const onDemand = run();
    const provisioned = estimate(SETTINGS, TWO_KB, A, PRICES, { billingMode: 'PROVISIONED' });
    expect(provisioned.billingMode).toBe('PROVISIONED');
    expect(item(provisioned, 'dynamodb-writes')).toBeCloseTo(provisionedWrites, 10);
    // The time index's write is priced the same way (1 WRU: its own line, dynamodb-index).
    const indexDelta = item(onDemand, 'dynamodb-index') - item(provisioned, 'dynamodb-index');
    expect(indexDelta).toBeCloseTo(0.625 - provisionedWrites / 4, 10);
    expect(onDemand.totalPerMillion - provisioned.totalPerMillion).toBeCloseTo(2.5 - provisionedWrites + indexDelta, 10);
    for (const id of ['apigateway', 'verifier', 'processor', 'sqs', 'dynamodb-storage', 'logs-ingestion']) {
      expect(item(provisioned, id)).toBe(item(onDemand, id));
    }
  });

  it('a PROVISIONED table in the template is priced as provisioned by default', () => {
    const e = run({ table: { billingMode: 'PROVISIONED', pointInTimeRecovery: true } });
    expect(item(e, 'dynamodb-writes')).toBeCloseTo(provisionedWrites, 10);
  });

  it('PITR and the ledger TTL drive the storage line', () => {
    const base = item(run(), 'dynamodb-storage');
    expect(item(run({ table: { billingMode: 'PAY_PER_REQUEST', pointInTimeRecovery: false } }), 'dynamodb-storage'))
      .toBeCloseTo((base * PRICES.dynamodbStorageGbMonth) / (PRICES.dynamodbStorageGbMonth + PRICES.dynamodbPitrGbMonth), 10);
    expect(item(run({ ledgerRetentionDays: 60 }), 'dynamodb-storage')).toBeCloseTo(2 * base, 10);
  });
});

describe('logs', () => {
  it('log retention drives storage, not ingestion', () => {
    const longer = run({
      ...withVerifier({ logRetentionDays: 60 }), ...withProcessor({ logRetentionDays: 60 }),
      accessLog: { ...SETTINGS.accessLog!, retentionDays: 60 },
    });
    expect(item(longer, 'logs-storage')).toBeCloseTo(2 * item(run(), 'logs-storage'), 10);
    expect(item(longer, 'logs-ingestion')).toBe(item(run(), 'logs-ingestion'));
  });

  it('the access log line is sized from the stage format', () => {
    const format = '{"a":"$context.requestId","b":"$context.status"}';
    expect(accessLogLineBytes(format, 10)).toBe(format.length - '$context.requestId'.length - '$context.status'.length + 20 + 1);
    const without = run({ accessLog: undefined });
    const withLog = run();
    const bytes = accessLogLineBytes(SETTINGS.accessLog!.format, A.logs.accessLogValueBytes);
    expect(item(withLog, 'logs-ingestion') - item(without, 'logs-ingestion')).toBeCloseTo((bytes / 1024 ** 3) * 0.5 * 1e6, 10);
  });
});

describe('fixed monthly cost', () => {
  it('counts keys, secrets, alarm metrics, dashboards, metrics and idle polling', () => {
    const items = fixedMonthly({ kmsKeys: 2, secrets: 8, alarmMetrics: 76, dashboards: 1, sqsEventSources: 8, providers: 8 }, A, PRICES);
    const by = Object.fromEntries(items.map((i) => [i.id, i.usdPerMonth]));
    expect(by['kms-keys']).toBeCloseTo(2, 10);
    expect(by['secrets']).toBeCloseTo(3.2, 10);
    expect(by['alarms']).toBeCloseTo(7.6, 10);
    expect(by['dashboards']).toBeCloseTo(3, 10);
    expect(by['custom-metrics']).toBeCloseTo(8 * 4 * 0.3, 10);
    expect(by['sqs-idle']).toBeCloseTo((8 * 5 * ((365.25 / 12) * 86_400) / 20) * 0.4e-6, 10);
  });
});

describe('capacity arithmetic', () => {
  const rows = capacity(SETTINGS, A, { rates: [1_000, 10_000], workload: TWO_KB });
  const row = (prefix: string) => {
    const found = rows.find((r) => r.limit.startsWith(prefix));
    if (!found) throw new Error(`no row ${prefix}`);
    return found;
  };

  it('Lambda concurrency is rate × duration (verifier) plus the processors, against 1,000', () => {
    const verifierSeconds = (30 + 0.06 * 2 + 0.005 * 700) / 1000;
    const batchSeconds = (40 + 10 * (2 + 0.03 * 2)) / 1000;
    const at1000 = 1_000 * verifierSeconds + Math.min((1_000 / 10) * batchSeconds, 5);
    expect(row('Lambda concurrency').cells[0]!.share).toBeCloseTo(at1000 / 1_000, 10);
    const at10000 = 10_000 * verifierSeconds + 5; // the ESM's maximumConcurrency caps the processor
    expect(row('Lambda concurrency').cells[1]!.share).toBeCloseTo(at10000 / 1_000, 10);
  });

  it('compares with the stage throttle, the HTTP API quota and the DynamoDB table quota', () => {
    expect(row('API stage throttle').cells.map((c) => c.share)).toEqual([10, 100]);
    expect(row('HTTP API account throttle').cells.map((c) => c.share)).toEqual([0.1, 1]);
    expect(row('DynamoDB table writes').cells.map((c) => c.share)).toEqual([0.1, 1]); // 4 WRU × rate / 40,000
    expect(row('Ledger partition key').cells[1]!.share).toBeCloseTo((10_000 * 3) / 16 / 1_000, 10);
    expect(row('State partition key').cells[0]!.share).toBeCloseTo(1, 10);
  });

  it('the processor drain rate follows maxConcurrency and batch size', () => {
    const batchSeconds = (40 + 10 * (2 + 0.03 * 2)) / 1000;
    expect(row('Processor drain rate').cells[0]!.share).toBeCloseTo(1_000 / ((5 * 10) / batchSeconds), 10);
    const spread = capacity(SETTINGS, A, { rates: [1_000], workload: TWO_KB, busyProviders: 8 });
    expect(spread.find((r) => r.limit.startsWith('Processor drain rate'))!.cells[0]!.share).toBeCloseTo(125 / ((5 * 10) / batchSeconds), 10);
  });

  it('classifies shares', () => {
    expect([verdict(0.5), verdict(0.8), verdict(1), verdict(1.01)]).toEqual(['ok', 'near', 'near', 'over']);
  });
});

describe('event archive (one S3 PUT per processor batch, lines kept for the archive lifecycle)', () => {
  const storage = (bytes: number, days: number) => (bytes / 1024 ** 3) * (days / (365.25 / 12)) * PRICES.s3StandardGbMonth * 1e6;
  const wait = (batch: number) => ((256 / 1024) * 0.025 * PRICES.lambdaGbSecondArm64 * 1e6) / batch;

  it('2 KB at full batches: a tenth of a PUT, the line stored 31 d, the wait for the PUT: at most $0.60 per million', () => {
    const e = run({ archiveStorageDays: 31 });
    const line = Math.ceil(2_048 * 1.02) + A.archive.lineOverheadBytes;
    expect(item(e, 'archive')).toBeCloseTo(PRICES.s3PutPer1000 * 1000 / 10 + storage(line, 31) + wait(10), 10);
    expect(item(e, 'archive')).toBeLessThanOrEqual(0.6);
  });

  it('scales with batches, keeps a claim-checked event as a reference, and defaults to ledgerRetentionDays + 1', () => {
    expect(item(run({ archiveStorageDays: 31, ...withProcessor({ batchSize: 1 }) }), 'archive')).toBeGreaterThan(5);
    const big = run({ archiveStorageDays: 31 }, { bodyBytes: 400_000 });
    expect(big.claimChecked).toBe(true);
    expect(item(big, 'archive')).toBeCloseTo(PRICES.s3PutPer1000 * 1000 / 10 + storage(A.archive.claimCheckLineBytes, 31) + wait(10), 10);
    expect(item(run({ ledgerRetentionDays: 60 }), 'archive')).toBeCloseTo(item(run({ archiveStorageDays: 61 }), 'archive'), 10);
  });
});
