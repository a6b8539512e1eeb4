/**
 * Reads the settings that drive cost out of a synthesized CloudFormation template (JSON): each Lambda's
 * MemorySize, Architectures, TracingConfig and log retention; the event source mappings' BatchSize and
 * MaximumConcurrency; the ledger table's BillingMode and PITR; the verifier's claim-check threshold and ledger
 * retention (its environment); the claim-check bucket's lifecycle; the API stage's throttling and access log.
 * Pure: template in, settings out. CloudFormation's own defaults apply where a property is absent.
 */
import type {
  Architecture, BillingMode, CostSettings, FixedSettings, FunctionSettings, ProcessorSettings, TracingMode,
} from './model.ts';

export class StackTemplateError extends Error {
  override readonly name = 'StackTemplateError';
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export interface TemplateFunction extends FunctionSettings {
  readonly logicalId: string;
}

export interface TemplateProcessor extends ProcessorSettings {
  readonly logicalId: string;
  readonly providerId: string;
  /** REPLAY_PROTECTION_DAYS: set for providers that sign no timestamp, whose ledger entries live that long. */
  readonly ledgerEntryDays: number | undefined;
}

export interface StackSettings {
  readonly verifier: TemplateFunction;
  readonly processors: readonly TemplateProcessor[];
  readonly table: CostSettings['table'];
  readonly claimCheckThresholdBytes: number;
  readonly maxBodyBytes: number | undefined;
  readonly ledgerRetentionDays: number;
  readonly claimCheckStorageDays: number;
  /** Days an archive object is stored (the `archive/` lifecycle rule + the noncurrent days); undefined: no such rule. */
  readonly archiveStorageDays: number | undefined;
  readonly accessLog: CostSettings['accessLog'];
  readonly throttle: CostSettings['throttle'];
  readonly fixed: FixedSettings;
  /** Settings that were missing and got a default instead. */
  readonly warnings: readonly string[];
}

/** docs/architecture.md defaults, used (with a warning) when the verifier's environment does not say. */
const DEFAULT_THRESHOLD_BYTES = 245_760;
const DEFAULT_LEDGER_RETENTION_DAYS = 30;
const FALLBACK_BODY_STORAGE_DAYS = 365;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The logical ID an intrinsic points at: {Ref: id} or {"Fn::GetAtt": [id, attr]}. */
function target(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value['Ref'] === 'string') return value['Ref'];
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

function literalNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function readSettings(template: unknown): StackSettings {
  if (!isObject(template) || !isObject(template['Resources'])) throw new StackTemplateError('not a CloudFormation template: no Resources');
  const resources = template['Resources'] as Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const props = (id: string | undefined): Record<string, unknown> | undefined => (id ? resources[id]?.Properties : undefined);
  const warnings: string[] = [];

  const env = (p: Record<string, unknown>): Record<string, unknown> => {
    const environment = p['Environment'];
    return isObject(environment) && isObject(environment['Variables']) ? environment['Variables'] : {};
  };

  const retentionOf = (logGroupId: string | undefined): number | undefined => literalNumber(props(logGroupId)?.['RetentionInDays']);

  const functionSettings = (id: string, p: Record<string, unknown>): TemplateFunction => {
    const architectures = p['Architectures'];
    const architecture: Architecture = Array.isArray(architectures) && architectures[0] === 'arm64' ? 'arm64' : 'x86_64';
    const tracingConfig = p['TracingConfig'];
    const tracing: TracingMode = isObject(tracingConfig) && tracingConfig['Mode'] === 'Active' ? 'Active' : 'PassThrough';
    const loggingConfig = p['LoggingConfig'];
    const logGroupId = isObject(loggingConfig) ? target(loggingConfig['LogGroup']) : undefined;
    const logRetentionDays = retentionOf(logGroupId);
    if (logRetentionDays === undefined) warnings.push(`${id}: no log group with RetentionInDays found; logs counted as never expiring`);
    return {
      logicalId: id,
      memoryMb: literalNumber(p['MemorySize']) ?? 128,
      architecture,
      tracing,
      logRetentionDays,
    };
  };

  const functions = ofType('AWS::Lambda::Function');
  const verifiers = functions.filter(([, r]) => {
    const vars = env(r.Properties ?? {});
    return vars['POWERTOOLS_SERVICE_NAME'] === 'verifier' || vars['CLAIM_CHECK_THRESHOLD_BYTES'] !== undefined;
  });
  if (verifiers.length !== 1) {
    throw new StackTemplateError(`expected one verifier function (POWERTOOLS_SERVICE_NAME=verifier), found ${verifiers.length}`);
  }
  const [verifierId, verifierResource] = verifiers[0]!;
  const verifierProps = verifierResource.Properties ?? {};
  const verifierEnv = env(verifierProps);
  const verifier = functionSettings(verifierId, verifierProps);

  // Event source mappings name the function, or the `live` alias of it when provisioned concurrency is on.
  const functionOfMapping = (p: Record<string, unknown>): string | undefined => {
    const id = target(p['FunctionName']);
    const resource = id ? resources[id] : undefined;
    if (resource?.Type === 'AWS::Lambda::Alias') return target(resource.Properties?.['FunctionName']);
    return id;
  };
  const mappings = ofType('AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties ?? {});
  const sqsMappings = mappings.filter((p) => resources[target(p['EventSourceArn']) ?? '']?.Type === 'AWS::SQS::Queue');

  const processors: TemplateProcessor[] = [];
  for (const [id, resource] of functions) {
    const p = resource.Properties ?? {};
    const providerId = env(p)['PROVIDER_ID'];
    if (typeof providerId !== 'string') continue;
    const mapping = sqsMappings.find((m) => functionOfMapping(m) === id);
    if (!mapping) throw new StackTemplateError(`${id} (processor of ${providerId}) has no SQS event source mapping`);
    const scaling = mapping['ScalingConfig'];
    processors.push({
      ...functionSettings(id, p),
      providerId,
      // CloudFormation's default for an SQS source is 10.
      batchSize: literalNumber(mapping['BatchSize']) ?? 10,
      ledgerEntryDays: literalNumber(env(p)['REPLAY_PROTECTION_DAYS']),
      maxConcurrency: isObject(scaling) ? literalNumber(scaling['MaximumConcurrency']) : undefined,
    });
  }
  if (processors.length === 0) throw new StackTemplateError('no processor function (PROVIDER_ID in its environment) found');

  const tableId = target(verifierEnv['LEDGER_TABLE']) ?? (ofType('AWS::DynamoDB::Table').length === 1 ? ofType('AWS::DynamoDB::Table')[0]![0] : undefined);
  const tableProps = props(tableId);
  if (!tableProps) throw new StackTemplateError('ledger table not found (verifier LEDGER_TABLE or the only AWS::DynamoDB::Table)');
  const pitr = tableProps['PointInTimeRecoverySpecification'];
  const table = {
    // CloudFormation's default billing mode is PROVISIONED.
    billingMode: (tableProps['BillingMode'] === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED') as BillingMode,
    pointInTimeRecovery: isObject(pitr) && pitr['PointInTimeRecoveryEnabled'] === true,
  };

  let claimCheckThresholdBytes = literalNumber(verifierEnv['CLAIM_CHECK_THRESHOLD_BYTES']);
  if (claimCheckThresholdBytes === undefined) {
    warnings.push(`verifier CLAIM_CHECK_THRESHOLD_BYTES not set: using ${DEFAULT_THRESHOLD_BYTES}`);
    claimCheckThresholdBytes = DEFAULT_THRESHOLD_BYTES;
  }
  let ledgerRetentionDays = literalNumber(verifierEnv['LEDGER_RETENTION_DAYS']);
  if (ledgerRetentionDays === undefined) {
    warnings.push(`verifier LEDGER_RETENTION_DAYS not set: using ${DEFAULT_LEDGER_RETENTION_DAYS}`);
    ledgerRetentionDays = DEFAULT_LEDGER_RETENTION_DAYS;
  }

  // Claim-check bodies: kept until the lifecycle expires them, then one more noncurrent period (versioning).
  const bucketProps = props(target(verifierEnv['CLAIM_CHECK_BUCKET']));
  const lifecycle = bucketProps?.['LifecycleConfiguration'];
  const enabled = (isObject(lifecycle) && Array.isArray(lifecycle['Rules']) ? lifecycle['Rules'] : [])
    .filter((r): r is Record<string, unknown> => isObject(r) && r['Status'] === 'Enabled');
  // The event archive has a rule of its own (Prefix archive/); the bodies' rule covers the whole bucket.
  const rules = enabled.filter((r) => r['Prefix'] === undefined);
  const archiveRule = enabled.find((r) => r['Prefix'] === 'archive/');
  const archiveExpiration = archiveRule ? literalNumber(archiveRule['ExpirationInDays']) : undefined;
  const archiveNoncurrent = archiveRule && isObject(archiveRule['NoncurrentVersionExpiration'])
    ? (literalNumber((archiveRule['NoncurrentVersionExpiration'] as Record<string, unknown>)['NoncurrentDays']) ?? 0) : 0;
  const archiveStorageDays = archiveExpiration === undefined ? undefined : archiveExpiration + archiveNoncurrent;
  const expiration = Math.max(...rules.map((r) => literalNumber(r['ExpirationInDays']) ?? -1), -1);
  let claimCheckStorageDays: number;
  if (expiration < 0) {
    warnings.push(`claim-check bucket has no expiration rule: bodies counted for ${FALLBACK_BODY_STORAGE_DAYS} days`);
    claimCheckStorageDays = FALLBACK_BODY_STORAGE_DAYS;
  } else {
    const versioning = bucketProps?.['VersioningConfiguration'];
    const versioned = isObject(versioning) && versioning['Status'] === 'Enabled';
    const noncurrent = Math.max(0, ...rules.map((r) => {
      const n = r['NoncurrentVersionExpiration'];
      return isObject(n) ? (literalNumber(n['NoncurrentDays']) ?? 0) : 0;
    }));
    claimCheckStorageDays = expiration + (versioned ? noncurrent : 0);
  }

  const stages = ofType('AWS::ApiGatewayV2::Stage').map(([, r]) => r.Properties ?? {});
  if (stages.length > 1) warnings.push(`${stages.length} API stages: reading the first`);
  const stage = stages[0];
  const routeSettings = stage?.['DefaultRouteSettings'];
  const rateLimit = isObject(routeSettings) ? literalNumber(routeSettings['ThrottlingRateLimit']) : undefined;
  const burstLimit = isObject(routeSettings) ? literalNumber(routeSettings['ThrottlingBurstLimit']) : undefined;
  const accessLogSettings = stage?.['AccessLogSettings'];
  const accessLog = isObject(accessLogSettings) && typeof accessLogSettings['Format'] === 'string'
    ? { format: accessLogSettings['Format'], retentionDays: retentionOf(target(accessLogSettings['DestinationArn'])) }
    : undefined;

  const alarmMetrics = ofType('AWS::CloudWatch::Alarm').reduce((sum, [, r]) => {
    const metrics = r.Properties?.['Metrics'];
    return sum + (Array.isArray(metrics) ? metrics.filter((m) => isObject(m) && m['MetricStat'] !== undefined).length : 1);
  }, 0);

  return {
    verifier,
    processors,
    table,
    claimCheckThresholdBytes,
    maxBodyBytes: literalNumber(verifierEnv['MAX_BODY_BYTES']),
    ledgerRetentionDays,
    claimCheckStorageDays,
    archiveStorageDays,
    accessLog,
    throttle: rateLimit !== undefined && burstLimit !== undefined ? { rateLimit, burstLimit } : undefined,
    fixed: {
      kmsKeys: ofType('AWS::KMS::Key').length,
      secrets: ofType('AWS::SecretsManager::Secret').length,
      alarmMetrics,
      dashboards: ofType('AWS::CloudWatch::Dashboard').length,
      sqsEventSources: sqsMappings.length,
      providers: processors.length,
    },
    warnings,
  };
}

/** The model's input for one provider's pipeline (default: the first processor in the template). */
export function costSettings(stack: StackSettings, providerId?: string): CostSettings {
  const processor = providerId === undefined ? stack.processors[0] : stack.processors.find((p) => p.providerId === providerId);
  if (!processor) {
    throw new StackTemplateError(`no processor for provider '${providerId}' (template has ${stack.processors.map((p) => p.providerId).join(', ')})`);
  }
  return {
    verifier: stack.verifier,
    processor,
    table: stack.table,
    claimCheckThresholdBytes: stack.claimCheckThresholdBytes,
    ledgerRetentionDays: stack.ledgerRetentionDays,
    ...(processor.ledgerEntryDays !== undefined ? { ledgerEntryDays: processor.ledgerEntryDays } : {}),
    claimCheckStorageDays: stack.claimCheckStorageDays,
    ...(stack.archiveStorageDays !== undefined ? { archiveStorageDays: stack.archiveStorageDays } : {}),
    accessLog: stack.accessLog,
    throttle: stack.throttle,
    fixed: stack.fixed,
  };
}

/** Processors whose cost-driving settings differ from the one priced (they would price differently). */
export function differingProcessors(stack: StackSettings, priced: ProcessorSettings): string[] {
  const key = (p: ProcessorSettings) => [p.memoryMb, p.architecture, p.tracing, p.logRetentionDays, p.batchSize, p.maxConcurrency].join('|');
  return stack.processors.filter((p) => key(p) !== key(priced)).map((p) => p.providerId);
}
