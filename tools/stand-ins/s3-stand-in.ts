/**
 * A minimal S3 for the claim-check bucket on machines without moto_server: path-style requests (the SDK
 * uses them for an IP endpoint) for CreateBucket, HeadBucket, ListObjectsV2 (the spool sweeper), PutObject,
 * GetObject, HeadObject and DeleteObject, objects in memory. Hand-written rather than a dependency: seven
 * operations, no signature checks needed locally, and nothing to install.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackHttpServer } from './loopback.ts';

interface StoredObject {
  readonly bytes: Buffer;
  readonly etag: string;
  readonly contentType: string;
  readonly lastModified: Date;
}

/** SQS's claim-check bodies are at most the verifier's MAX_BODY_BYTES (≤ 4 MiB); leave room. */
const MAX_OBJECT_BYTES = 16 * 1024 * 1024;

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Decodes an `aws-chunked` upload (`<hex size>[;chunk-signature=...]\r\n<bytes>\r\n ... 0\r\n<trailers>`). */
export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) throw new Error('truncated aws-chunked body');
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) throw new Error('bad aws-chunked chunk size');
    if (size === 0) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

export class S3StandIn extends LoopbackHttpServer {
  readonly #buckets = new Map<string, Map<string, StoredObject>>();

  protected handle(req: IncomingMessage, res: ServerResponse): void {
    void this.#handle(req, res).catch(() => this.#error(res, 500, 'InternalError', 'stand-in failure'));
  }

  createBucket(name: string): void {
    if (!this.#buckets.has(name)) this.#buckets.set(name, new Map());
  }

  async #body(req: IncomingMessage): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_OBJECT_BYTES) return undefined;
      chunks.push(chunk);
    }
    const raw = Buffer.concat(chunks);
    const encoding = String(req.headers['content-encoding'] ?? '');
    const sha = String(req.headers['x-amz-content-sha256'] ?? '');
    return encoding.includes('aws-chunked') || sha.startsWith('STREAMING-') ? decodeAwsChunked(raw) : raw;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const [, bucketName = '', ...keyParts] = url.pathname.split('/');
    const bucket = decodeURIComponent(bucketName);
    const key = keyParts.map(decodeURIComponent).join('/');
    const method = req.method ?? 'GET';
    if (!bucket) return this.#error(res, 501, 'NotImplemented', 'ListBuckets is not supported by the local stand-in');

    if (!key) {
      if (method === 'PUT') {
        await this.#body(req);
        this.createBucket(bucket);
        res.writeHead(200, { location: `/${bucket}` });
        return void res.end();
      }
      if (method === 'HEAD') {
        res.writeHead(this.#buckets.has(bucket) ? 200 : 404);
        return void res.end();
      }
      if (method === 'GET' && url.searchParams.get('list-type') === '2') return this.#list(res, bucket, url.searchParams);
      return this.#error(res, 501, 'NotImplemented', `${method} on a bucket is not supported by the local stand-in`);
    }

    const objects = this.#buckets.get(bucket);
    if (!objects) {
      if (req.readable) req.resume();
      return this.#error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist.', method === 'HEAD');
    }
    switch (method) {
      case 'PUT': {
        const bytes = await this.#body(req);
        if (!bytes) return this.#error(res, 400, 'EntityTooLarge', 'object too large for the local stand-in');
        const etag = `"${createHash('md5').update(bytes).digest('hex')}"`;
        objects.set(key, { bytes, etag, contentType: String(req.headers['content-type'] ?? 'binary/octet-stream'), lastModified: new Date() });
        res.writeHead(200, { etag });
        return void res.end();
      }
      case 'GET':
      case 'HEAD': {
        const object = objects.get(key);
        if (!object) return this.#error(res, 404, 'NoSuchKey', 'The specified key does not exist.', method === 'HEAD');
        res.writeHead(200, {
          'content-type': object.contentType,
          'content-length': object.bytes.length,
          etag: object.etag,
          'last-modified': object.lastModified.toUTCString(),
          'accept-ranges': 'bytes',
        });
        return void res.end(method === 'GET' ? object.bytes : undefined);
      }
      case 'DELETE':
        objects.delete(key);
        res.writeHead(204);
        return void res.end();
      default:
        return this.#error(res, 501, 'NotImplemented', `${method} is not supported by the local stand-in`);
    }
  }

  /** ListObjectsV2: keys in UTF-8 binary order, `prefix`, `max-keys` (≤ 1000) and `continuation-token` (the last key). */
  #list(res: ServerResponse, bucket: string, params: URLSearchParams): void {
    const objects = this.#buckets.get(bucket);
    if (!objects) return this.#error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist.');
    const prefix = params.get('prefix') ?? '';
    const maxKeys = Math.min(1_000, Math.max(0, Number(params.get('max-keys') ?? 1_000) || 0));
    const after = params.get('continuation-token') ?? params.get('start-after') ?? '';
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = keys.slice(0, maxKeys);
    const truncated = keys.length > page.length;
    const contents = page.map((k) => {
      const o = objects.get(k)!;
      return `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(o.etag)}</ETag><Size>${o.bytes.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    }).join('');
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEscape(bucket)}</Name>` +
      `<Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
      `${contents}${truncated ? `<NextContinuationToken>${xmlEscape(page[page.length - 1]!)}</NextContinuationToken>` : ''}</ListBucketResult>`;
    res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  #error(res: ServerResponse, status: number, code: string, message: string, headOnly = false): void {
    if (res.headersSent) return void res.end();
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>${randomUUID()}</RequestId></Error>`;
    res.writeHead(status, { 'content-type': 'application/xml', ...(headOnly ? {} : { 'content-length': Buffer.byteLength(body) }) });
    res.end(headOnly ? undefined : body);
  }
}
