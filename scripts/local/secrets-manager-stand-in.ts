/**
 * A minimal Secrets Manager for machines without moto_server: only `GetSecretValue` (JSON protocol,
 * `X-Amz-Target: secretsmanager.GetSecretValue`) by SecretId (name or ARN) and VersionStage or VersionId,
 * answering VersionId, VersionStages, CreatedDate and SecretString, or ResourceNotFoundException, the
 * way the verifier's unchanged SDK client expects. Secrets live in memory, loaded from the secrets file.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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

const JSON_TYPE = 'application/x-amz-json-1.1';
const MAX_REQUEST_BYTES = 64 * 1024;

export class SecretsManagerStandIn {
  readonly #secrets = new Map<string, Secret>();
  readonly #server: Server;
  #endpoint = '';

  constructor(private readonly region: string, private readonly account: string) {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  get endpoint(): string {
    return this.#endpoint;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#endpoint = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.#endpoint;
  }

  stop(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
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
    if (target !== 'secretsmanager.GetSecretValue') {
      return this.#error(res, 400, 'UnknownOperationException', `${target.slice('secretsmanager.'.length)} is not supported by the local stand-in (GetSecretValue only)`);
    }
    let input: { SecretId?: unknown; VersionId?: unknown; VersionStage?: unknown };
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as typeof input;
    } catch {
      return this.#error(res, 400, 'SerializationException', 'request is not JSON');
    }
    if (typeof input.SecretId !== 'string') return this.#error(res, 400, 'InvalidParameterException', 'SecretId is required');
    const secret = this.#find(input.SecretId);
    if (!secret) return this.#error(res, 400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
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
