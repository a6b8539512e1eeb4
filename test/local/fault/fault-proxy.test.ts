/**
 * The fault-injection hook of the local runner (local/fault-proxy.ts), without a stack: off unless
 * LOCAL_FAULTS=1, strict about what it accepts, and each mode doing what the fault tests rely on, against a
 * tiny upstream that stands in for a stand-in.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationOf, parseFault, startFaultInjection, type FaultInjection } from '../../../local/fault-proxy.ts';
import { readSettings, SettingsError } from '../../../local/settings.ts';

describe('LOCAL_FAULTS', () => {
  it('is off by default and takes only 1/0/true/false', () => {
    expect(readSettings([], {}).faults).toBeUndefined();
    expect(readSettings([], { LOCAL_FAULTS: '0' }).faults).toBeUndefined();
    expect(readSettings([], { LOCAL_FAULTS: '1' }).faults).toBe(true);
    expect(() => readSettings([], { LOCAL_FAULTS: 'yes' })).toThrow(SettingsError);
  });
});

describe('fault requests', () => {
  it('parse a mode name or an object, with defaults', () => {
    expect(parseFault('down')).toEqual({ scope: 'all', fault: { mode: 'down', rate: 1, delayMs: 5_000, where: 'request', status: 500 } });
    expect(parseFault({ mode: 'slow', delayMs: 12_000, where: 'response', scope: 'verifier', operations: ['SendMessage'], rate: 0.1 })).toEqual({
      scope: 'verifier',
      fault: { mode: 'slow', rate: 0.1, operations: ['SendMessage'], delayMs: 12_000, where: 'response', status: 500 },
    });
  });

  it.each([
    [{ mode: 'melt' }, /mode must be one of/],
    [{ mode: 'down', rate: 2 }, /rate must be a number from 0 to 1/],
    [{ mode: 'down', scope: 'everyone' }, /scope must be/],
    [{ mode: 'slow', where: 'later' }, /where must be/],
    [{ mode: 'error', status: 200 }, /status must be/],
    [{ mode: 'down', operations: 'SendMessage' }, /operations must be a list/],
    [{ mode: 'down', extra: 1 }, /unknown fault field/],
    [42, /a fault is a mode name or an object/],
  ])('refuse %j', (value, message) => {
    expect(() => parseFault(value)).toThrow(message);
  });

  it('name operations from X-Amz-Target, or from S3\'s method and path', () => {
    const op = (method: string, url: string, target?: string) => operationOf({ method, url, headers: target ? { 'x-amz-target': target } : {} });
    expect(op('POST', '/', 'DynamoDB_20120810.PutItem')).toBe('PutItem');
    expect(op('POST', '/', 'AmazonSQS.SendMessage')).toBe('SendMessage');
    expect(op('PUT', '/bucket/stripe/2026-11-23/abc')).toBe('PutObject');
    expect(op('GET', '/bucket/key?x-id=GetObject')).toBe('GetObject');
    expect(op('PUT', '/bucket')).toBe('CreateBucket');
  });
});

describe('the proxies', () => {
  let upstream: Server;
  let seen = 0;
  let faults: FaultInjection;
  let recycled = 0;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      seen++;
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ MessageId: `m-${seen}` }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    faults = await startFaultInjection({ dynamodb: url, sqs: url, s3: url, secretsManager: url }, { recycleVerifier: async () => void recycled++ });
  });

  afterAll(async () => {
    await faults.stop();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  /** A SendMessage through the verifier's SQS proxy: the status, or the socket error. */
  const sendMessage = (timeoutMs = 5_000) => new Promise<{ status?: number; error?: string; ms: number }>((resolve) => {
    const started = Date.now();
    const endpoint = new URL(faults.endpoints('verifier').sqs);
    const body = JSON.stringify({ QueueUrl: 'q', MessageBody: 'PHI never printed', MessageAttributes: { provider: { DataType: 'String', StringValue: 'sully' }, dedupeKey: { DataType: 'String', StringValue: 'k1' } } });
    const req = request({ host: endpoint.hostname, port: endpoint.port, method: 'POST', path: '/', headers: { 'x-amz-target': 'AmazonSQS.SendMessage', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Date.now() - started }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message, ms: Date.now() - started }));
    req.end(body);
  });

  it('pass through when up, and note the SendMessage ids (never the body)', async () => {
    await faults.apply({ reset: true, clearStats: true });
    expect((await sendMessage()).status).toBe(200);
    expect(faults.enqueued).toEqual([expect.objectContaining({ scope: 'verifier', provider: 'sully', dedupeKey: 'k1', messageId: expect.stringMatching(/^m-/), answered: true })]);
    expect(JSON.stringify(faults.state())).not.toContain('PHI');
  });

  it('down: the connection is reset and the stand-in never sees the request', async () => {
    const before = seen;
    await faults.apply({ reset: true, sqs: { mode: 'down', scope: 'verifier' } });
    expect((await sendMessage()).error).toMatch(/ECONNRESET|socket hang up/);
    expect(seen).toBe(before);
  });

  it('error: HTTP 500 InternalFailure; other scopes and operations are untouched', async () => {
    await faults.apply({ reset: true, sqs: { mode: 'error', scope: 'processor' }, dynamodb: { mode: 'error', operations: ['PutItem'] } });
    expect((await sendMessage()).status).toBe(200);
    await faults.apply({ reset: true, sqs: { mode: 'error', scope: 'verifier' } });
    expect((await sendMessage()).status).toBe(500);
  });

  it('slow at the request: a caller that gives up first is never forwarded; slow at the response: stored, answered late', async () => {
    await faults.apply({ reset: true, clearStats: true, sqs: { mode: 'slow', delayMs: 600, where: 'request', scope: 'verifier' } });
    const before = seen;
    expect((await sendMessage(200)).error).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(seen).toBe(before);
    await faults.apply({ sqs: { mode: 'slow', delayMs: 600, where: 'response', scope: 'verifier' } });
    expect((await sendMessage(200)).error).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(seen).toBe(before + 1);
    expect(faults.enqueued.at(-1)).toMatchObject({ answered: false });
    const late = await sendMessage(2_000);
    expect(late.status).toBe(200);
    expect(late.ms).toBeGreaterThanOrEqual(550);
  });

  it('crash: ends the verifier\'s environments, then resets the connection', async () => {
    await faults.apply({ reset: true, sqs: { mode: 'crash', scope: 'verifier', operations: ['SendMessage'] } });
    const before = recycled;
    expect((await sendMessage()).error).toBeDefined();
    expect(recycled).toBe(before + 1);
  });

  it('counts calls per scope, service and operation', async () => {
    await faults.apply({ reset: true, clearStats: true });
    await sendMessage();
    await sendMessage();
    expect((faults.state()['calls'] as Record<string, Record<string, unknown>>)['verifier']!['sqs']).toEqual({ SendMessage: { calls: 2, faulted: 0 } });
  });
});
