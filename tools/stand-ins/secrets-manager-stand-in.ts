/**
 * A minimal Secrets Manager for machines without moto_server (JSON protocol, `X-Amz-Target:
 * secretsmanager.<Operation>`), secrets in memory, loaded from the secrets file:
 * - `GetSecretValue` by SecretId (name or ARN) and VersionStage or VersionId, answering VersionId,
 *   VersionStages, CreatedDate and SecretString, or ResourceNotFoundException, the way the verifier's
 *   unchanged SDK client expects;
 * - for `ops secret --local` (rotation drills), the version-stage operations as AWS documents them:
 *   `PutSecretValue` (a new version, AWSCURRENT by default; the replaced current becomes AWSPREVIOUS),
 *   `UpdateSecretVersionStage` (move or remove a label; moving AWSCURRENT moves AWSPREVIOUS too),
 *   `DescribeSecret` (VersionIdsToStages) and `ListSecretVersionIds` (versions with labels, or all with
 *   IncludeDeprecated). No secret text ever appears in an error message.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackHttpServer } from './loopback.ts';

interface Version {
  readonly id: string;
  readonly value: string;
  readonly createdAt: Date;
  stages: string[];
}

interface Secret {
  readonly name: string;
  readonly arn: string;
  versions: Version[];
}

/** The request fields the operations read. */
interface Input {
  readonly SecretId?: unknown;
  readonly VersionId?: unknown;
  readonly VersionStage?: unknown;
  readonly SecretString?: unknown;
  readonly ClientRequestToken?: unknown;
  readonly VersionStages?: unknown;
  readonly RemoveFromVersionId?: unknown;
  readonly MoveToVersionId?: unknown;
  readonly IncludeDeprecated?: unknown;
}

const JSON_TYPE = 'application/x-amz-json-1.1';
const MAX_REQUEST_BYTES = 64 * 1024;

export class SecretsManagerStandIn extends LoopbackHttpServer {
  readonly #secrets = new Map<string, Secret>();
  constructor(private readonly region: string, private readonly account: string) {
    super();
  }

  protected handle(req: IncomingMessage, res: ServerResponse): void {
    void this.#handle(req, res);
  }

  /**
   * Stores a new AWSCURRENT version, as PutSecretValue does: the replaced current version becomes
   * AWSPREVIOUS, unless `previous` is given, which then becomes AWSPREVIOUS itself. Returns the ARN.
   */
  put(name: string, current: string, previous?: string): string {
    let secret = this.#secrets.get(name);
    if (!secret) {
      const suffix = randomUUID().replaceAll('-', '').slice(0, 6);
      secret = { name, arn: `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${suffix}`, versions: [] };
      this.#secrets.set(name, secret);
    }
    const replaced = secret.versions.find((v) => v.stages.includes('AWSCURRENT'));
    if (replaced?.value === current && (previous === undefined || secret.versions.some((v) => v.stages.includes('AWSPREVIOUS') && v.value === previous))) {
      return secret.arn; // nothing changed
    }
    for (const version of secret.versions) version.stages = [];
    const now = Date.now();
    const versions: Version[] = [];
    const previousValue = previous ?? replaced?.value;
    if (previousValue !== undefined) {
      // Created before the current version: the grace window of the previous secret starts at the current's creation.
      versions.push({ id: randomUUID(), value: previousValue, createdAt: new Date(replaced?.value === previousValue ? replaced.createdAt : now - 1000), stages: ['AWSPREVIOUS'] });
    }
    versions.push({ id: randomUUID(), value: current, createdAt: new Date(now), stages: ['AWSCURRENT'] });
    secret.versions = versions;
    return secret.arn;
  }

  #find(secretId: string): Secret | undefined {
    return this.#secrets.get(secretId) ?? [...this.#secrets.values()].find((s) => s.arn === secretId);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) return this.#error(res, 413, 'InvalidRequestException', 'request too large');
      chunks.push(chunk);
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method !== 'POST' || !target.startsWith('secretsmanager.')) {
      return this.#error(res, 400, 'UnknownOperationException', 'only the JSON protocol is served here');
    }
    const operation = target.slice('secretsmanager.'.length);
    const handler = this.#operations[operation];
    if (!handler) {
      return this.#error(res, 400, 'UnknownOperationException', `${operation} is not supported by the local stand-in (${Object.keys(this.#operations).join(', ')})`);
    }
    let input: Input;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Input;
    } catch {
      return this.#error(res, 400, 'SerializationException', 'request is not JSON');
    }
    if (typeof input !== 'object' || input === null || typeof input.SecretId !== 'string') return this.#error(res, 400, 'InvalidParameterException', 'SecretId is required');
    const secret = this.#find(input.SecretId);
    if (!secret) return this.#error(res, 400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    handler(secret, input, res);
  }

  readonly #operations: Readonly<Record<string, (secret: Secret, input: Input, res: ServerResponse) => void>> = {
    GetSecretValue: (secret, input, res) => this.#getSecretValue(secret, input, res),
    PutSecretValue: (secret, input, res) => this.#putSecretValue(secret, input, res),
    UpdateSecretVersionStage: (secret, input, res) => this.#updateSecretVersionStage(secret, input, res),
    DescribeSecret: (secret, _input, res) => this.#json(res, 200, {
      ARN: secret.arn,
      Name: secret.name,
      VersionIdsToStages: Object.fromEntries(secret.versions.filter((v) => v.stages.length > 0).map((v) => [v.id, v.stages])),
      CreatedDate: (secret.versions[0]?.createdAt.getTime() ?? Date.now()) / 1000,
    }),
    ListSecretVersionIds: (secret, input, res) => this.#json(res, 200, {
      ARN: secret.arn,
      Name: secret.name,
      Versions: secret.versions
        .filter((v) => input.IncludeDeprecated === true || v.stages.length > 0)
        .map((v) => ({ VersionId: v.id, VersionStages: v.stages, CreatedDate: v.createdAt.getTime() / 1000 })),
    }),
  };

  /** Removes `stage` from every version but `keep`. */
  #detach(secret: Secret, stage: string, keep?: Version): void {
    for (const version of secret.versions) if (version !== keep) version.stages = version.stages.filter((s) => s !== stage);
  }

  /** Attaches `stage` to `version` alone; moving AWSCURRENT moves AWSPREVIOUS to the version that had it. */
  #attach(secret: Secret, stage: string, version: Version): void {
    const holder = secret.versions.find((v) => v.stages.includes(stage));
    this.#detach(secret, stage, version);
    if (!version.stages.includes(stage)) version.stages.push(stage);
    if (stage === 'AWSCURRENT' && holder && holder !== version) {
      this.#detach(secret, 'AWSPREVIOUS', holder);
      if (!holder.stages.includes('AWSPREVIOUS')) holder.stages.push('AWSPREVIOUS');
    }
  }

  #putSecretValue(secret: Secret, input: Input, res: ServerResponse): void {
    if (typeof input.SecretString !== 'string' || input.SecretString === '') return this.#error(res, 400, 'InvalidParameterException', 'SecretString is required (SecretBinary is not supported here)');
    const id = typeof input.ClientRequestToken === 'string' && input.ClientRequestToken !== '' ? input.ClientRequestToken : randomUUID();
    const stages = Array.isArray(input.VersionStages) && input.VersionStages.every((s) => typeof s === 'string') ? input.VersionStages as string[] : ['AWSCURRENT'];
    const existing = secret.versions.find((v) => v.id === id);
    if (existing) {
      // Idempotent retry of the same request; another value under the same token is an error, as in AWS.
      if (existing.value !== input.SecretString) return this.#error(res, 400, 'ResourceExistsException', `a version with ClientRequestToken ${id} already exists with another value`);
      return this.#json(res, 200, { ARN: secret.arn, Name: secret.name, VersionId: id, VersionStages: existing.stages });
    }
    const version: Version = { id, value: input.SecretString, createdAt: new Date(), stages: [] };
    secret.versions.push(version);
    for (const stage of stages) this.#attach(secret, stage, version);
    this.#json(res, 200, { ARN: secret.arn, Name: secret.name, VersionId: id, VersionStages: version.stages });
  }

  #updateSecretVersionStage(secret: Secret, input: Input, res: ServerResponse): void {
    const stage = input.VersionStage;
    if (typeof stage !== 'string' || stage === '') return this.#error(res, 400, 'InvalidParameterException', 'VersionStage is required');
    const removeFrom = typeof input.RemoveFromVersionId === 'string' ? input.RemoveFromVersionId : undefined;
    const moveTo = typeof input.MoveToVersionId === 'string' ? input.MoveToVersionId : undefined;
    const holder = secret.versions.find((v) => v.stages.includes(stage));
    if (removeFrom !== undefined && !secret.versions.find((v) => v.id === removeFrom)?.stages.includes(stage)) {
      return this.#error(res, 400, 'InvalidParameterException', `the staging label ${stage} is not attached to version ${removeFrom}`);
    }
    if (moveTo !== undefined) {
      const version = secret.versions.find((v) => v.id === moveTo);
      if (!version) return this.#error(res, 400, 'ResourceNotFoundException', `Secrets Manager can't find the specified secret version: ${moveTo}`);
      if (holder && holder !== version && removeFrom !== holder.id) {
        return this.#error(res, 400, 'InvalidParameterException', `The staging label ${stage} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`);
      }
      this.#attach(secret, stage, version);
    } else if (removeFrom !== undefined) {
      if (stage === 'AWSCURRENT') return this.#error(res, 400, 'InvalidParameterException', 'AWSCURRENT can only be moved to another version (MoveToVersionId), not removed');
      this.#detach(secret, stage);
    } else {
      return this.#error(res, 400, 'InvalidParameterException', 'give RemoveFromVersionId, MoveToVersionId or both');
    }
    this.#json(res, 200, { ARN: secret.arn, Name: secret.name });
  }

  #getSecretValue(secret: Secret, input: Input, res: ServerResponse): void {
    const stage = typeof input.VersionStage === 'string' ? input.VersionStage : undefined;
    const versionId = typeof input.VersionId === 'string' ? input.VersionId : undefined;
    const version = versionId !== undefined
      ? secret.versions.find((v) => v.id === versionId && (stage === undefined || v.stages.includes(stage)))
      : secret.versions.find((v) => v.stages.includes(stage ?? 'AWSCURRENT'));
    if (!version) {
      return this.#error(res, 400, 'ResourceNotFoundException', `Secrets Manager can't find the specified secret value for ${stage ? `staging label: ${stage}` : `VersionId: ${versionId}`}`);
    }
    this.#json(res, 200, {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      SecretString: version.value,
      VersionStages: version.stages,
      CreatedDate: version.createdAt.getTime() / 1000,
    });
  }

  #json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
    const body = JSON.stringify(value);
    res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': randomUUID(), ...headers });
    res.end(body);
  }

  #error(res: ServerResponse, status: number, type: string, message: string): void {
    this.#json(res, status, { __type: type, message }, { 'x-amzn-errortype': type });
  }
}
