/**
 * The cost model: settings read from the synthesized template plus documented assumptions in, line items
 * out. Pure (no I/O, no clock): `npm run cost` (tools/cost/main.ts) feeds it and prints the result, and
 * test/cost pins how each line item responds to the settings.
 *
 * Per new event (docs/architecture.md): API Gateway request → verifier (claim PutItem, SendMessage, mark
 * enqueued UpdateItem; S3 PutObject first when the serialized message exceeds the claim-check threshold) →
 * SQS → processor, one invocation per batch (state-record UpdateItem + ledger UpdateItem per record; S3
 * GetObject for a claim-checked body; one archive PutObject per batch, lambdas/processor/archive.ts).
 */
import type { PriceTable } from './prices.ts';

export type Architecture = 'arm64' | 'x86_64';
export type TracingMode = 'Active' | 'PassThrough';
export type BillingMode = 'PAY_PER_REQUEST' | 'PROVISIONED';

export interface FunctionSettings {
  readonly memoryMb: number;
  readonly architecture: Architecture;
  readonly tracing: TracingMode;
  /** Days the function's log group keeps events; undefined = never expire. */
  readonly logRetentionDays: number | undefined;
}

export interface ProcessorSettings extends FunctionSettings {
  /** Event source mapping BatchSize (messages per invocation, at most). */
  readonly batchSize: number;
  /** Event source mapping ScalingConfig.MaximumConcurrency; undefined = no limit set. */
  readonly maxConcurrency: number | undefined;
}

/** Counts behind the fixed monthly cost (paid whether or not a webhook arrives). */
export interface FixedSettings {
  readonly kmsKeys: number;
  readonly secrets: number;
  /** Metrics across all alarms: a metric math alarm is billed per metric in it. */
  readonly alarmMetrics: number;
  readonly dashboards: number;
  /** SQS event source mappings, each long-polling its queue while idle. */
  readonly sqsEventSources: number;
  readonly providers: number;
}

/** What the template says, reduced to what drives cost. */
export interface CostSettings {
  readonly verifier: FunctionSettings;
  readonly processor: ProcessorSettings;
  readonly table: { readonly billingMode: BillingMode; readonly pointInTimeRecovery: boolean };
  /** Serialized messages above this go through the S3 claim check (verifier env CLAIM_CHECK_THRESHOLD_BYTES). */
  readonly claimCheckThresholdBytes: number;
  /** Ledger and state records live this long (TTL on expiresAt). */
  readonly ledgerRetentionDays: number;
  /**
   * Ledger entries of this provider live this long: longer than ledgerRetentionDays when the provider signs
   * no timestamp (REPLAY_PROTECTION_DAYS in its processor's environment: the entry refuses replays). @default ledgerRetentionDays
   */
  readonly ledgerEntryDays?: number;
  /** Days a claim-checked body is stored: lifecycle expiration plus noncurrent-version expiration. */
  readonly claimCheckStorageDays: number;
  /**
   * Days an archive object is stored (lifecycle rule ExpireArchive plus the noncurrent day).
   * @default ledgerRetentionDays + 1
   */
  readonly archiveStorageDays?: number;
  /** The API stage's access log; undefined when access logging is off. */
  readonly accessLog: { readonly format: string; readonly retentionDays: number | undefined } | undefined;
  /** Stage default route throttling; undefined when unset (account limits only). */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number } | undefined;
  readonly fixed?: FixedSettings;
}

/** Everything the template cannot say. Each value is a stated guess; change them and rerun. */
export interface Assumptions {
  /** Request headers counted with the body for HTTP API metering (signature, ids, user agent). */
  readonly requestHeaderBytes: number;
  /** Response headers + body sent back to the sender (data transfer out). */
  readonly responseBytes: number;
  readonly verifier: {
    /** Warm invocation, 2 KB body: three sequential in-region calls (PutItem, SendMessage, UpdateItem) + verify. */
    readonly warmBaseMs: number;
    /** Extra per KB of body: hashing, HMAC, JSON escaping, and the larger SendMessage upload. */
    readonly msPerKb: number;
    /** Extra when the body goes to S3 first (PutObject). */
    readonly claimCheckPutMs: number;
    /** Share of invocations that are cold starts (INIT is billed since 2025-08-01). */
    readonly coldStartShare: number;
    readonly initMs: number;
  };
  readonly processor: {
    /** Per batch invocation: middleware, then two sequential UpdateItems (records run in parallel). */
    readonly batchBaseMs: number;
    /** CPU per record (envelope parse, SHA-256 check, JSON.parse, handler), not overlapped. */
    readonly perRecordMs: number;
    readonly perRecordMsPerKb: number;
    /** Extra per batch when bodies come from S3 (GetObject, in parallel across the batch). */
    readonly claimCheckGetMs: number;
    readonly coldStartShare: number;
    readonly initMs: number;
    /** Records per invocation on average; undefined = full batches (BatchSize), i.e. steady load. */
    readonly averageBatchSize: number | undefined;
  };
  readonly dynamodb: {
    /** A ledger entry after the processor's update (no body: ids, hashes, times). */
    readonly ledgerItemBytes: number;
    /** A resource state record. */
    readonly stateItemBytes: number;
    /** DynamoDB's per-item storage overhead. */
    readonly itemOverheadBytes: number;
    /** Ledger writes per new event: claim PutItem, mark-enqueued UpdateItem, mark-processed UpdateItem. */
    readonly ledgerWritesPerEvent: number;
    /** State-record UpdateItems per event. */
    readonly stateWritesPerEvent: number;
    /** Reads on the new-event path (the claim's condition does the dedupe; no GetItem). */
    readonly readsPerEvent: number;
    /** State records kept per event (1 = every event touches a new resource: an upper bound). */
    readonly stateRecordsPerEvent: number;
    /** Average use of provisioned write capacity, for the PROVISIONED alternative. */
    readonly provisionedUtilization: number;
    /**
     * The time index byReceivedAt (`ops events`, `ops replay --since`): one index write per new event, at the
     * claim; the later status updates change no indexed or projected attribute, so they cost none.
     */
    readonly timeIndexWritesPerEvent: number;
    /** An index item: pk, sk (the dedupe key), receivedAt, eventType. */
    readonly timeIndexItemBytes: number;
  };
  readonly sqs: {
    /** Envelope and attributes around an inline body: serialized bytes ≈ body × (1 + growth) + overhead. */
    readonly messageOverheadBytes: number;
    readonly escapeGrowth: number;
    /** A claim-check message (pointer, no body). */
    readonly claimCheckMessageBytes: number;
    /** Long-polling pollers per idle event source mapping, each waiting 20 s per ReceiveMessage. */
    readonly idlePollers: number;
  };
  readonly logs: {
    /** Verifier: the one outcome line + the EMF metrics line, per event. */
    readonly verifierAppBytes: number;
    /** Processor: the one outcome line per record. */
    readonly processorAppBytesPerEvent: number;
    /** Processor: the EMF line per batch. */
    readonly processorEmfBytesPerBatch: number;
    /** Lambda's own platform.start + platform.report lines (JSON format, with X-Ray ids) per invocation. */
    readonly platformBytesPerInvocation: number;
    /** Average length of one `$context` value in the access log line. */
    readonly accessLogValueBytes: number;
    /** Stored (compressed) bytes per ingested byte. */
    readonly storageCompression: number;
    /** Months counted for a log group that never expires. */
    readonly neverExpireMonths: number;
  };
  readonly archive: {
    /** Facts around an inline body in its archive line (provider, dedupe key, type, times, digest). */
    readonly lineOverheadBytes: number;
    /** The archive line of a claim-checked event (a reference, no body). */
    readonly claimCheckLineBytes: number;
    /** The processor waits for the batch's archive PutObject before processing it. */
    readonly putMs: number;
  };
  /** X-Ray: share of traces recorded at steady load (default rule: 1/s reservoir, then 5%). */
  readonly xraySampledShare: number;
  /** EMF metrics emitted per provider in steady state (Accepted, SecretCurrentMatched, BodyBytes, Processed). */
  readonly steadyMetricsPerProvider: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  requestHeaderBytes: 1_200,
  responseBytes: 300,
  verifier: { warmBaseMs: 30, msPerKb: 0.06, claimCheckPutMs: 25, coldStartShare: 0.005, initMs: 700 },
  processor: {
    batchBaseMs: 40, perRecordMs: 2, perRecordMsPerKb: 0.03, claimCheckGetMs: 25, coldStartShare: 0.01, initMs: 700,
    averageBatchSize: undefined,
  },
  dynamodb: {
    ledgerItemBytes: 600, stateItemBytes: 450, itemOverheadBytes: 100, ledgerWritesPerEvent: 3, stateWritesPerEvent: 1,
    readsPerEvent: 0, stateRecordsPerEvent: 1, provisionedUtilization: 0.7, timeIndexWritesPerEvent: 1, timeIndexItemBytes: 200,
  },
  sqs: { messageOverheadBytes: 480, escapeGrowth: 0.02, claimCheckMessageBytes: 700, idlePollers: 5 },
  logs: {
    // Measured on the local stack (npm start, 50 Stripe events): 917 B per verifier event and 690 B per processor
    // record; a deployed function adds a real ARN (twice) and the X-Ray trace id.
    verifierAppBytes: 1_100,
    processorAppBytesPerEvent: 800,
    processorEmfBytesPerBatch: 300,
    platformBytesPerInvocation: 700,
    accessLogValueBytes: 18,
    storageCompression: 0.2,
    neverExpireMonths: 12,
  },
  archive: { lineOverheadBytes: 350, claimCheckLineBytes: 450, putMs: 25 },
  xraySampledShare: 0.05,
  steadyMetricsPerProvider: 4,
};

/** One body size to price, with the serialized message sizes when they were measured. */
export interface Workload {
  readonly bodyBytes: number;
  /** Serialized inline message (body + envelope + attributes); default: estimated from the assumptions. */
  readonly inlineMessageBytes?: number;
  /** Serialized claim-check message; default: the assumption. */
  readonly claimCheckMessageBytes?: number;
}

export interface LineItem {
  readonly id: string;
  readonly label: string;
  readonly usdPerMillion: number;
  /** The arithmetic, per event, in words. */
  readonly basis: string;
}

export interface Estimate {
  readonly bodyBytes: number;
  readonly messageBytes: number;
  readonly claimChecked: boolean;
  readonly billingMode: BillingMode;
  readonly batchSize: number;
  readonly items: readonly LineItem[];
  readonly totalPerMillion: number;
}

const MILLION = 1_000_000;
/** AWS pricing pages count a GB as 2^30 bytes. */
const GB = 1024 ** 3;
const DAYS_PER_MONTH = 365.25 / 12;
const KB = 1024;

export function chunks(bytes: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(bytes / chunkBytes));
}

/** DynamoDB write units for one write of an item this large (1 KB per unit, rounded up). */
export function writeUnits(itemBytes: number): number {
  return Math.max(1, Math.ceil(itemBytes / KB));
}

function gbSecondPrice(architecture: Architecture, prices: PriceTable): number {
  return architecture === 'arm64' ? prices.lambdaGbSecondArm64 : prices.lambdaGbSecondX86;
}

function months(days: number | undefined, neverExpireMonths: number): number {
  return days === undefined ? neverExpireMonths : days / DAYS_PER_MONTH;
}

/** Access log line length: the format with each `$context...` variable replaced by an average value. */
export function accessLogLineBytes(format: string, valueBytes: number): number {
  const variables = format.match(/\$context\.[A-Za-z0-9_.]+/g) ?? [];
  const fixed = variables.reduce((length, v) => length - v.length, Buffer.byteLength(format));
  return fixed + variables.length * valueBytes + 1;
}

export function inlineMessageEstimate(bodyBytes: number, a: Assumptions): number {
  return Math.ceil(bodyBytes * (1 + a.sqs.escapeGrowth)) + a.sqs.messageOverheadBytes;
}

export function effectiveBatchSize(settings: CostSettings, a: Assumptions): number {
  const configured = Math.max(1, settings.processor.batchSize);
  const average = a.processor.averageBatchSize ?? configured;
  return Math.min(configured, Math.max(1, average));
}

/** Warm duration of one verifier invocation, ms. */
export function verifierWarmMs(bodyBytes: number, claimChecked: boolean, a: Assumptions): number {
  return a.verifier.warmBaseMs + (a.verifier.msPerKb * bodyBytes) / KB + (claimChecked ? a.verifier.claimCheckPutMs : 0);
}

/** Warm duration of one processor invocation carrying `batch` records, ms. */
export function processorBatchMs(bodyBytes: number, claimChecked: boolean, batch: number, a: Assumptions): number {
  const perRecord = a.processor.perRecordMs + (a.processor.perRecordMsPerKb * bodyBytes) / KB;
  return a.processor.batchBaseMs + batch * perRecord + (claimChecked ? a.processor.claimCheckGetMs : 0);
}

/** Cost of one million new webhooks of one body size, line by line. */
export function estimate(
  settings: CostSettings,
  workload: Workload,
  a: Assumptions,
  prices: PriceTable,
  options: { billingMode?: BillingMode } = {},
): Estimate {
  const billingMode = options.billingMode ?? settings.table.billingMode;
  const { bodyBytes } = workload;
  const inlineBytes = workload.inlineMessageBytes ?? inlineMessageEstimate(bodyBytes, a);
  const claimChecked = inlineBytes > settings.claimCheckThresholdBytes;
  const messageBytes = claimChecked ? (workload.claimCheckMessageBytes ?? a.sqs.claimCheckMessageBytes) : inlineBytes;
  const batch = effectiveBatchSize(settings, a);
  const items: LineItem[] = [];
  const add = (id: string, label: string, perEventUsd: number, basis: string) =>
    items.push({ id, label, usdPerMillion: perEventUsd * MILLION, basis });

  // API Gateway HTTP API: one request per 512 KB of request.
  const apiRequests = chunks(bodyBytes + a.requestHeaderBytes, prices.httpApiMeteringBytes);
  add('apigateway', 'API Gateway HTTP API', (apiRequests * prices.httpApiPerMillionRequests) / MILLION,
    `${apiRequests} metered request(s) (512 KB increments) × $${prices.httpApiPerMillionRequests}/M`);

  // Verifier: one invocation per event.
  const v = settings.verifier;
  const vWarm = Math.ceil(verifierWarmMs(bodyBytes, claimChecked, a));
  const vBilledMs = vWarm + a.verifier.coldStartShare * a.verifier.initMs;
  const vGbS = (v.memoryMb / 1024) * (vBilledMs / 1000);
  add('verifier', `Verifier Lambda (${v.memoryMb} MB, ${v.architecture})`,
    prices.lambdaPerMillionRequests / MILLION + vGbS * gbSecondPrice(v.architecture, prices),
    `1 request + ${vWarm} ms warm (+${(a.verifier.coldStartShare * 100).toFixed(1)}% cold × ${a.verifier.initMs} ms INIT) = ${vGbS.toFixed(5)} GB-s`);

  // Processor: one invocation per batch.
  const p = settings.processor;
  const pBatchMs = Math.ceil(processorBatchMs(bodyBytes, claimChecked, batch, a));
  const pGbSPerBatch = (p.memoryMb / 1024) * ((pBatchMs + a.processor.coldStartShare * a.processor.initMs) / 1000);
  add('processor', `Processor Lambda (${p.memoryMb} MB, ${p.architecture}, batch ${batch})`,
    (prices.lambdaPerMillionRequests / MILLION + pGbSPerBatch * gbSecondPrice(p.architecture, prices)) / batch,
    `1/${batch} request + ${pBatchMs} ms per batch / ${batch} = ${(pGbSPerBatch / batch).toFixed(5)} GB-s`);

  // DynamoDB writes (and reads, none on the new-event path).
  const d = a.dynamodb;
  const wru = d.ledgerWritesPerEvent * writeUnits(d.ledgerItemBytes) + d.stateWritesPerEvent * writeUnits(d.stateItemBytes);
  const writeBasis = `${d.ledgerWritesPerEvent} ledger × ${writeUnits(d.ledgerItemBytes)} + ${d.stateWritesPerEvent} state × ${writeUnits(d.stateItemBytes)} = ${wru} WRU`;
  if (billingMode === 'PAY_PER_REQUEST') {
    add('dynamodb-writes', 'DynamoDB writes (on-demand)', (wru * prices.dynamodbOnDemandPerMillionWriteUnits) / MILLION,
      `${writeBasis} × $${prices.dynamodbOnDemandPerMillionWriteUnits}/M`);
  } else {
    const wcuHours = wru / (3600 * d.provisionedUtilization);
    add('dynamodb-writes', `DynamoDB writes (provisioned, ${Math.round(d.provisionedUtilization * 100)}% utilized)`,
      wcuHours * prices.dynamodbProvisionedWcuHour,
      `${writeBasis}/s ÷ 3600 ÷ ${d.provisionedUtilization} = ${(wcuHours * MILLION).toFixed(0)} WCU-h per M × $${prices.dynamodbProvisionedWcuHour}`);
  }
  add('dynamodb-reads', 'DynamoDB reads', (d.readsPerEvent * prices.dynamodbOnDemandPerMillionReadUnits) / MILLION,
    `${d.readsPerEvent} reads: the conditional claim dedupes without a GetItem`);

  const ledgerBytes = d.ledgerItemBytes + d.itemOverheadBytes;
  const stateBytes = d.stateRecordsPerEvent * (d.stateItemBytes + d.itemOverheadBytes);
  const entryDays = Math.max(settings.ledgerRetentionDays, settings.ledgerEntryDays ?? 0);
  const entryMonths = entryDays / DAYS_PER_MONTH;
  const tableMonths = settings.ledgerRetentionDays / DAYS_PER_MONTH;
  const tableGbMonths = (ledgerBytes / GB) * entryMonths + (stateBytes / GB) * tableMonths;
  const storagePrice = prices.dynamodbStorageGbMonth + (settings.table.pointInTimeRecovery ? prices.dynamodbPitrGbMonth : 0);
  const ttl = entryDays === settings.ledgerRetentionDays ? `${entryDays} d TTL` : `ledger entries ${entryDays} d (replay protection), state ${settings.ledgerRetentionDays} d`;
  add('dynamodb-storage', `DynamoDB storage${settings.table.pointInTimeRecovery ? ' + PITR' : ''} (${ttl})`,
    tableGbMonths * storagePrice,
    entryDays === settings.ledgerRetentionDays
      ? `${ledgerBytes + stateBytes} B kept ${tableMonths.toFixed(2)} months × $${storagePrice.toFixed(2)}/GB-month`
      : `${ledgerBytes} B kept ${entryMonths.toFixed(2)} + ${stateBytes} B kept ${tableMonths.toFixed(2)} months × $${storagePrice.toFixed(2)}/GB-month`);

  // The ledger's time index (GSI byReceivedAt): written once per event by the claim; stored as long as the entry.
  const indexWru = d.timeIndexWritesPerEvent * writeUnits(d.timeIndexItemBytes);
  const indexGbMonths = ((d.timeIndexItemBytes + d.itemOverheadBytes) / GB) * entryMonths;
  const indexWrites = billingMode === 'PAY_PER_REQUEST'
    ? (indexWru * prices.dynamodbOnDemandPerMillionWriteUnits) / MILLION
    : (indexWru / (3600 * d.provisionedUtilization)) * prices.dynamodbProvisionedWcuHour;
  add('dynamodb-index', 'DynamoDB time index byReceivedAt (GSI)', indexWrites + indexGbMonths * prices.dynamodbStorageGbMonth,
    `${indexWru} WRU at the claim (status updates touch no indexed attribute) + ${d.timeIndexItemBytes + d.itemOverheadBytes} B kept ${entryMonths.toFixed(2)} months`);

  // SQS: send per event; receive (by 64 KB chunk of the batch's payload) and delete per batch.
  const send = chunks(messageBytes, prices.sqsChunkBytes);
  const receive = chunks(batch * messageBytes, prices.sqsChunkBytes);
  const sqsRequests = send + (receive + 1) / batch;
  add('sqs', 'SQS', (sqsRequests * prices.sqsStandardPerMillionRequests) / MILLION,
    `${send} send + (${receive} receive + 1 delete)/${batch} = ${sqsRequests.toFixed(2)} requests (64 KB chunks of a ${messageBytes} B message)`);

  // S3 claim check: only above the threshold.
  if (claimChecked) {
    const gbMonths = (bodyBytes / GB) * (settings.claimCheckStorageDays / DAYS_PER_MONTH);
    add('s3', `S3 claim check (${settings.claimCheckStorageDays} d)`,
      prices.s3PutPer1000 / 1000 + prices.s3GetPer1000 / 1000 + gbMonths * prices.s3StandardGbMonth,
      `1 PUT + 1 GET + ${bodyBytes} B stored ${settings.claimCheckStorageDays} d`);
  } else {
    add('s3', 'S3 claim check', 0,
      `not used: the ${inlineBytes} B message fits under the ${settings.claimCheckThresholdBytes} B threshold`);
  }

  // Event archive (ops replay): one PutObject per batch, before processing, the lines kept for the archive's
  // lifecycle; a claim-checked event's line is a reference (its body is the claim-check object, priced above).
  // KMS: SSE-KMS with an S3 Bucket Key, so no KMS request per object (see the kms item).
  const archiveDays = settings.archiveStorageDays ?? settings.ledgerRetentionDays + 1;
  const lineBytes = claimChecked ? a.archive.claimCheckLineBytes : Math.ceil(bodyBytes * (1 + a.sqs.escapeGrowth)) + a.archive.lineOverheadBytes;
  const archiveGbMonths = (lineBytes / GB) * (archiveDays / DAYS_PER_MONTH);
  const archivePutGbS = (p.memoryMb / 1024) * (a.archive.putMs / 1000);
  add('archive', `Event archive, S3 (PUT per batch of ${batch}, ${archiveDays} d)`,
    prices.s3PutPer1000 / 1000 / batch + archiveGbMonths * prices.s3StandardGbMonth + (archivePutGbS * gbSecondPrice(p.architecture, prices)) / batch,
    `1/${batch} PUT + ${lineBytes} B line stored ${archiveDays} d + ${a.archive.putMs} ms processor wait per batch; KMS via Bucket Key`);

  // CloudWatch Logs: ingestion and storage per log group.
  const l = a.logs;
  const groups: { bytes: number; retentionDays: number | undefined }[] = [
    { bytes: l.verifierAppBytes + l.platformBytesPerInvocation, retentionDays: v.logRetentionDays },
    { bytes: l.processorAppBytesPerEvent + (l.processorEmfBytesPerBatch + l.platformBytesPerInvocation) / batch, retentionDays: p.logRetentionDays },
  ];
  const accessBytes = settings.accessLog ? accessLogLineBytes(settings.accessLog.format, l.accessLogValueBytes) : 0;
  if (settings.accessLog) groups.push({ bytes: accessBytes, retentionDays: settings.accessLog.retentionDays });
  const ingested = groups.reduce((sum, g) => sum + g.bytes, 0);
  add('logs-ingestion', 'CloudWatch Logs ingestion', (ingested / GB) * prices.logsIngestionPerGb,
    `${Math.round(groups[0]!.bytes)} B verifier + ${Math.round(groups[1]!.bytes)} B processor + ${accessBytes} B access log = ${Math.round(ingested)} B`);
  const storedGbMonths = groups.reduce((sum, g) => sum + (g.bytes * l.storageCompression / GB) * months(g.retentionDays, l.neverExpireMonths), 0);
  const retentions = [...new Set(groups.map((g) => (g.retentionDays === undefined ? 'never' : `${g.retentionDays} d`)))].join('/');
  add('logs-storage', `CloudWatch Logs storage (${retentions})`, storedGbMonths * prices.logsStorageGbMonth,
    `${Math.round(ingested)} B × ${l.storageCompression} compressed, kept for the retention`);

  // X-Ray: one trace per verifier invocation and one per processor batch, when Active.
  const verifierTraces = v.tracing === 'Active' ? a.xraySampledShare : 0;
  const processorTraces = p.tracing === 'Active' ? a.xraySampledShare / batch : 0;
  add('xray', 'X-Ray traces', ((verifierTraces + processorTraces) * prices.xrayPerMillionTracesRecorded) / MILLION,
    `${(a.xraySampledShare * 100).toFixed(0)}% of (${v.tracing === 'Active' ? 1 : 0} verifier + ${p.tracing === 'Active' ? `1/${batch}` : 0} processor) traces`);

  add('data-transfer', 'Data transfer out (responses)', (a.responseBytes / GB) * prices.dataTransferOutPerGb,
    `${a.responseBytes} B per answer × $${prices.dataTransferOutPerGb}/GB`);

  // KMS: SQS reuses a data key for an hour per principal and queue, DynamoDB caches the table key per caller,
  // and S3 uses a Bucket Key: KMS requests scale with containers and hours, not events.
  add('kms', 'KMS requests', 0, 'SQS data key reuse (1 h), DynamoDB key caching, S3 Bucket Key (claim checks, archive): ~0 per event');

  const totalPerMillion = items.reduce((sum, item) => sum + item.usdPerMillion, 0);
  return { bodyBytes, messageBytes, claimChecked, billingMode, batchSize: batch, items, totalPerMillion };
}

export interface MonthlyItem {
  readonly id: string;
  readonly label: string;
  readonly usdPerMonth: number;
  readonly basis: string;
}

/** What the stack costs per month with no traffic at all. */
export function fixedMonthly(fixed: FixedSettings, a: Assumptions, prices: PriceTable): MonthlyItem[] {
  const secondsPerMonth = DAYS_PER_MONTH * 86_400;
  const idleReceives = fixed.sqsEventSources * a.sqs.idlePollers * (secondsPerMonth / 20);
  const metrics = fixed.providers * a.steadyMetricsPerProvider;
  return [
    {
      id: 'kms-keys', label: 'KMS customer managed keys', usdPerMonth: fixed.kmsKeys * prices.kmsKeyMonth,
      basis: `${fixed.kmsKeys} × $${prices.kmsKeyMonth} (yearly rotation adds $1 per key for each of the first 2 rotations)`,
    },
    { id: 'secrets', label: 'Secrets Manager secrets', usdPerMonth: fixed.secrets * prices.secretMonth, basis: `${fixed.secrets} × $${prices.secretMonth}` },
    { id: 'alarms', label: 'CloudWatch alarms', usdPerMonth: fixed.alarmMetrics * prices.alarmMetricMonth, basis: `${fixed.alarmMetrics} alarm metrics × $${prices.alarmMetricMonth}` },
    { id: 'dashboards', label: 'CloudWatch dashboards', usdPerMonth: fixed.dashboards * prices.dashboardMonth, basis: `${fixed.dashboards} × $${prices.dashboardMonth}` },
    { id: 'custom-metrics', label: 'Custom metrics (EMF)', usdPerMonth: metrics * prices.customMetricMonth, basis: `${fixed.providers} providers × ${a.steadyMetricsPerProvider} metrics × $${prices.customMetricMonth}` },
    {
      id: 'sqs-idle', label: 'SQS idle long polling', usdPerMonth: (idleReceives * prices.sqsStandardPerMillionRequests) / MILLION,
      basis: `${fixed.sqsEventSources} event sources × ${a.sqs.idlePollers} pollers × one 20 s receive`,
    },
  ];
}

/** Default AWS quotas the capacity arithmetic compares against (per account and region unless stated). */
export interface Quotas {
  readonly lambdaConcurrency: number;
  readonly httpApiAccountRps: number;
  readonly dynamodbTableWriteUnitsPerSecond: number;
  readonly partitionWriteUnitsPerSecond: number;
  /** Ledger partition keys per provider (EVT#<provider>#<0..f>). */
  readonly ledgerShardsPerProvider: number;
}

export const DEFAULT_QUOTAS: Quotas = {
  lambdaConcurrency: 1_000,
  httpApiAccountRps: 10_000,
  dynamodbTableWriteUnitsPerSecond: 40_000,
  partitionWriteUnitsPerSecond: 1_000,
  ledgerShardsPerProvider: 16,
};

export interface CapacityCell {
  readonly rate: number;
  /** Demand as a share of the limit (0.5 = half); Infinity when the limit is zero, 0 when there is none. */
  readonly share: number;
  readonly demand: string;
}

export interface CapacityRow {
  readonly limit: string;
  readonly quota: string;
  readonly cells: readonly CapacityCell[];
  readonly note: string;
}

export type Verdict = 'ok' | 'near' | 'over';

export function verdict(share: number): Verdict {
  return share > 1 ? 'over' : share >= 0.8 ? 'near' : 'ok';
}

/**
 * Capacity arithmetic at each rate (new webhooks per second, all on `busyProviders` providers evenly).
 * Concurrency = rate × duration; DynamoDB write units per second = rate × WRU per event.
 */
export function capacity(
  settings: CostSettings,
  a: Assumptions,
  options: { rates: readonly number[]; workload: Workload; busyProviders?: number; quotas?: Quotas },
): CapacityRow[] {
  const q = options.quotas ?? DEFAULT_QUOTAS;
  const busy = Math.max(1, options.busyProviders ?? 1);
  const { bodyBytes } = options.workload;
  const claimChecked = (options.workload.inlineMessageBytes ?? inlineMessageEstimate(bodyBytes, a)) > settings.claimCheckThresholdBytes;
  const batch = effectiveBatchSize(settings, a);
  const vSeconds = (verifierWarmMs(bodyBytes, claimChecked, a) + a.verifier.coldStartShare * a.verifier.initMs) / 1000;
  const batchSeconds = processorBatchMs(bodyBytes, claimChecked, batch, a) / 1000;
  const maxConcurrency = settings.processor.maxConcurrency;
  const d = a.dynamodb;
  const ledgerWru = d.ledgerWritesPerEvent * writeUnits(d.ledgerItemBytes);
  const stateWru = d.stateWritesPerEvent * writeUnits(d.stateItemBytes);
  const cell = (rate: number, demand: number, limit: number, text: string): CapacityCell => ({
    rate, share: limit > 0 ? demand / limit : Infinity, demand: text,
  });
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n >= 10 ? 0 : 1));
  const rows: CapacityRow[] = [];

  if (settings.throttle) {
    const t = settings.throttle;
    rows.push({
      limit: 'API stage throttle (template)',
      quota: `${fmt(t.rateLimit)} rps, burst ${fmt(t.burstLimit)}`,
      cells: options.rates.map((r) => cell(r, r, t.rateLimit, `${fmt(r)} rps`)),
      note: 'config throttle.rateLimit / burstLimit; excess gets 429',
    });
  }
  rows.push({
    limit: 'HTTP API account throttle',
    quota: `${fmt(q.httpApiAccountRps)} rps`,
    cells: options.rates.map((r) => cell(r, r, q.httpApiAccountRps, `${fmt(r)} rps`)),
    note: 'adjustable (Service Quotas)',
  });

  const processorConcurrency = (r: number) => {
    const needed = (r / busy / batch) * batchSeconds;
    return busy * (maxConcurrency === undefined ? needed : Math.min(needed, maxConcurrency));
  };
  rows.push({
    limit: 'Lambda concurrency (region)',
    quota: fmt(q.lambdaConcurrency),
    cells: options.rates.map((r) => {
      const verifier = r * vSeconds;
      const processors = processorConcurrency(r);
      const capped = maxConcurrency !== undefined && processors >= busy * maxConcurrency;
      return cell(r, verifier + processors, q.lambdaConcurrency,
        `${fmt(verifier)} verifier + ${fmt(processors)} processor${capped ? ' (capped)' : ''}`);
    }),
    note: `rate × duration (${(vSeconds * 1000).toFixed(0)} ms verifier, ${(batchSeconds * 1000).toFixed(0)} ms per batch of ${batch})`,
  });
  if (maxConcurrency !== undefined) {
    const ceiling = (maxConcurrency * batch) / batchSeconds;
    rows.push({
      limit: 'Processor drain rate per provider',
      quota: `${fmt(ceiling)} events/s`,
      cells: options.rates.map((r) => cell(r, r / busy, ceiling, `${fmt(r / busy)} events/s`)),
      note: `ESM maximumConcurrency ${maxConcurrency} × ${batch} / ${(batchSeconds * 1000).toFixed(0)} ms (template + assumption)`,
    });
  }
  rows.push({
    limit: 'DynamoDB table writes (on-demand)',
    quota: `${fmt(q.dynamodbTableWriteUnitsPerSecond)} WRU/s`,
    cells: options.rates.map((r) => cell(r, r * (ledgerWru + stateWru), q.dynamodbTableWriteUnitsPerSecond, `${fmt(r * (ledgerWru + stateWru))} WRU/s`)),
    note: 'table-level default, adjustable; a new on-demand table starts warm at 4,000 WRU/s',
  });
  rows.push({
    limit: 'Ledger partition key (EVT#provider#shard)',
    quota: `${fmt(q.partitionWriteUnitsPerSecond)} WCU/s each`,
    cells: options.rates.map((r) => {
      const perKey = (r / busy) * ledgerWru / q.ledgerShardsPerProvider;
      return cell(r, perKey, q.partitionWriteUnitsPerSecond, `${fmt(perKey)} WCU/s`);
    }),
    note: `${ledgerWru} WRU per event over ${q.ledgerShardsPerProvider} shard keys per provider`,
  });
  rows.push({
    limit: 'State partition key (STATE#provider#type)',
    quota: `${fmt(q.partitionWriteUnitsPerSecond)} WCU/s each`,
    cells: options.rates.map((r) => {
      const perKey = (r / busy) * stateWru;
      return cell(r, perKey, q.partitionWriteUnitsPerSecond, `${fmt(perKey)} WCU/s`);
    }),
    note: 'one key per provider and resource type; only split-for-heat on the sort key relieves it',
  });
  rows.push({
    limit: 'SQS standard queue',
    quota: 'nearly unlimited',
    cells: options.rates.map((r) => cell(r, 0, 1, `${fmt(r / busy)} msg/s per queue`)),
    note: 'in-flight limit 120,000 messages per queue',
  });
  return rows;
}
