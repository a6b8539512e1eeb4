/**
 * us-east-1 list prices (USD) the cost model uses. Free tiers, Savings Plans, reserved capacity and volume
 * tiers beyond the first are ignored on purpose: the model answers "what does one more million cost at list
 * price". Each price names its page; the table was compiled on `asOf` from those pages, not fetched live, so
 * re-check them before quoting a number to anyone.
 */
export interface PriceTable {
  readonly region: string;
  readonly asOf: string;
  /** API Gateway HTTP API, per million requests (first 300 M a month). */
  readonly httpApiPerMillionRequests: number;
  /** HTTP API requests are metered in increments of this many bytes. */
  readonly httpApiMeteringBytes: number;
  readonly lambdaPerMillionRequests: number;
  readonly lambdaGbSecondArm64: number;
  readonly lambdaGbSecondX86: number;
  readonly dynamodbOnDemandPerMillionWriteUnits: number;
  readonly dynamodbOnDemandPerMillionReadUnits: number;
  readonly dynamodbProvisionedWcuHour: number;
  readonly dynamodbStorageGbMonth: number;
  readonly dynamodbPitrGbMonth: number;
  readonly sqsStandardPerMillionRequests: number;
  /** SQS bills every 64 KB chunk of a request's payload as one request. */
  readonly sqsChunkBytes: number;
  readonly s3PutPer1000: number;
  readonly s3GetPer1000: number;
  readonly s3StandardGbMonth: number;
  readonly logsIngestionPerGb: number;
  readonly logsStorageGbMonth: number;
  readonly xrayPerMillionTracesRecorded: number;
  readonly dataTransferOutPerGb: number;
  readonly kmsPer10000Requests: number;
  readonly kmsKeyMonth: number;
  readonly secretMonth: number;
  readonly alarmMetricMonth: number;
  readonly dashboardMonth: number;
  readonly customMetricMonth: number;
}

export const PRICES: PriceTable = {
  region: 'us-east-1',
  asOf: '2026-11-23',

  // https://aws.amazon.com/api-gateway/pricing/ — HTTP APIs: $1.00 per million for the first 300 million
  // requests a month ($0.90 above); "HTTP API requests are metered in 512 KB increments".
  httpApiPerMillionRequests: 1.0,
  httpApiMeteringBytes: 512 * 1024,

  // https://aws.amazon.com/lambda/pricing/ — requests $0.20 per million; duration per GB-second, first tier
  // (6 billion GB-s a month): Arm $0.0000133334, x86 $0.0000166667. Since 2025-08-01 the INIT phase of
  // on-demand functions is billed as duration too.
  lambdaPerMillionRequests: 0.2,
  lambdaGbSecondArm64: 0.0000133334,
  lambdaGbSecondX86: 0.0000166667,

  // https://aws.amazon.com/dynamodb/pricing/on-demand/ — Standard table class, after the 2024-11-01 price cut:
  // $0.625 per million write request units, $0.125 per million read request units.
  dynamodbOnDemandPerMillionWriteUnits: 0.625,
  dynamodbOnDemandPerMillionReadUnits: 0.125,
  // https://aws.amazon.com/dynamodb/pricing/provisioned/ — $0.00065 per WCU-hour.
  dynamodbProvisionedWcuHour: 0.00065,
  // https://aws.amazon.com/dynamodb/pricing/on-demand/ — storage $0.25 per GB-month (first 25 GB free, ignored);
  // continuous backups (PITR) $0.20 per GB-month of table size.
  dynamodbStorageGbMonth: 0.25,
  dynamodbPitrGbMonth: 0.2,

  // https://aws.amazon.com/sqs/pricing/ — standard queues $0.40 per million requests (1–100 billion a month);
  // "each 64 KB chunk of a payload is billed as 1 request".
  sqsStandardPerMillionRequests: 0.4,
  sqsChunkBytes: 64 * 1024,

  // https://aws.amazon.com/s3/pricing/ — S3 Standard: PUT $0.005 per 1,000, GET $0.0004 per 1,000,
  // storage $0.023 per GB-month (first 50 TB); expiration lifecycle actions are free.
  s3PutPer1000: 0.005,
  s3GetPer1000: 0.0004,
  s3StandardGbMonth: 0.023,

  // https://aws.amazon.com/cloudwatch/pricing/ — logs: ingestion $0.50 per GB (standard class; Lambda logs
  // are billed as vended logs since 2025-05-01, whose first tier up to 10 TB a month is also $0.50), storage
  // (archival, compressed) $0.03 per GB-month. Alarms $0.10 per standard-resolution metric per month (a metric
  // math alarm is billed per metric in it), dashboards $3.00 per month, custom metrics $0.30 per metric-month
  // (first 10,000; prorated by the hour).
  logsIngestionPerGb: 0.5,
  logsStorageGbMonth: 0.03,
  alarmMetricMonth: 0.1,
  dashboardMonth: 3.0,
  customMetricMonth: 0.3,

  // https://aws.amazon.com/xray/pricing/ — $5.00 per million traces recorded (first 100,000 a month free, ignored).
  xrayPerMillionTracesRecorded: 5.0,

  // https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer — to the internet, first 10 TB a month:
  // $0.09 per GB (the first 100 GB a month free, ignored). Inbound is free.
  dataTransferOutPerGb: 0.09,

  // https://aws.amazon.com/kms/pricing/ — $1.00 per customer managed key-month, $0.03 per 10,000 requests.
  kmsPer10000Requests: 0.03,
  kmsKeyMonth: 1.0,

  // https://aws.amazon.com/secrets-manager/pricing/ — $0.40 per secret-month ($0.05 per 10,000 API calls).
  secretMonth: 0.4,
};
