/**
 * The verifier as Lambda runs it: bundled by esbuild with lib/bundling.ts's options, the ones the stack's
 * code asset is built with (ESM, require banner, minified, SDK inlined, split),
 * imported from the bundle, and driven against the stand-ins. Catches what source-level tests cannot:
 * ESM/CommonJS interop of middy, Powertools and the SDK, and the lazily imported claim-check chunk.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { build, type Metafile } from 'esbuild';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSizes, ENTRY_FILE, lambdaBundleOptions } from '../../lib/bundling.ts';
import { captureOutput, emfMetrics, type Captured } from './support/output.ts';
import { apiEvent, lambdaContext } from './support/requests.ts';
import { motoSecrets } from './support/secrets.ts';
import { SECRETS, signPairs } from './support/signers.ts';
import { adminClientConfig, createLedgerTable, motoOnPath, startDynalite, startMoto, startSqs, type StandIn } from '../support/stand-ins.ts';
import { setVerifierEnvironment } from './support/environment.ts';

const HAS_MOTO = motoOnPath();
if (!HAS_MOTO) console.warn('[test/verifier] moto_server is not on PATH: the bundled-handler test is SKIPPED (it needs Secrets Manager).');

const CLAIM_CHECK_THRESHOLD = 4_096;

describe.skipIf(!HAS_MOTO)('the esbuild bundle of lambdas/verifier/handler.ts', () => {
  let outdir: string;
  let dynaliteServer: StandIn;
  let sqsServer: StandIn;
  let moto: StandIn;
  let sqs: SQSClient;
  let queueUrl: string;
  let output: Captured;
  let metafile: Metafile;
  let handler: (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; body: string }>;

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'verifier-bundle-'));
    ({ metafile } = await build({ ...lambdaBundleOptions('lambdas/verifier/handler.ts', outdir), logLevel: 'silent' }));

    [dynaliteServer, sqsServer, moto] = await Promise.all([startDynalite(), startSqs(), startMoto()]);
    await createLedgerTable(new DynamoDBClient(adminClientConfig(dynaliteServer.endpoint)), 'ledger');
    sqs = new SQSClient(adminClientConfig(sqsServer.endpoint));
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'sully-events' }))).QueueUrl!;
    await new S3Client(adminClientConfig(moto.endpoint)).send(new CreateBucketCommand({ Bucket: 'claim-checks' }));
    const secretArn = await motoSecrets(moto.endpoint).create('sully', SECRETS.sully.current);
    setVerifierEnvironment({
      endpoints: { dynamodb: dynaliteServer.endpoint, sqs: sqsServer.endpoint, secretsManager: moto.endpoint, s3: moto.endpoint },
      providers: { sully: { secretArn, queueUrl } },
      extra: { CLAIM_CHECK_THRESHOLD_BYTES: String(CLAIM_CHECK_THRESHOLD) },
    });
    output = captureOutput();
    ({ handler } = (await import(pathToFileURL(join(outdir, ENTRY_FILE)).href)) as { handler: typeof handler });
  });

  afterAll(async () => {
    output?.stop();
    await Promise.all([dynaliteServer?.stop(), sqsServer?.stop(), moto?.stop()]);
    if (outdir) await rm(outdir, { recursive: true, force: true });
  });

  it('accepts, deduplicates and refuses like the sources do, and emits EMF with the provider dimension only', async () => {
    // Prepare
    const body = JSON.stringify({ type: 'note_generation.succeeded', data: { id: `note_${randomUUID()}` } });
    const event = apiEvent({ provider: 'sully', body, headers: signPairs('x-sully-signature', SECRETS.sully.current, body, Math.floor(Date.now() / 1000)) });
    const forged = apiEvent({ provider: 'sully', body, headers: signPairs('x-sully-signature', 'whsec_forged', body, Math.floor(Date.now() / 1000)) });

    // Act
    const first = await handler(event, lambdaContext());
    const again = await handler(event, lambdaContext());
    const refused = await handler(forged, lambdaContext());
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));

    // Assess
    expect([first.statusCode, again.statusCode, refused.statusCode]).toEqual([202, 200, 401]);
    expect(received.Messages).toHaveLength(1);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: received.Messages![0]!.ReceiptHandle! }));
    const metrics = emfMetrics(output.lines);
    expect(metrics.map((m) => m.name)).toEqual(expect.arrayContaining(['Accepted', 'Duplicate', 'SignatureFailure']));
    // {provider}, and {provider, secretVersionId} for the one metric that names the matching secret version.
    expect(new Set(metrics.map((m) => JSON.stringify(m.dimensionNames)))).toEqual(new Set(['[["provider"]]', '[["provider","secretVersionId"]]']));
  });

  it('takes only the declarations from providers/: no processor handlers, samples or notes', () => {
    const inputs = new Set(Object.values(metafile.outputs).flatMap((o) => Object.keys(o.inputs)));
    const fromProviders = [...inputs].filter((input) => input.startsWith('providers/'));
    expect(fromProviders).toContain('providers/index.ts');
    expect(fromProviders.filter((input) => input !== 'providers/index.ts' && !/^providers\/[a-z0-9-]+\/declaration\.ts$/.test(input))).toEqual([]);
    expect([...inputs].filter((input) => input.startsWith('lambdas/processor/'))).toEqual([]);
  });

  it('keeps the S3 client out of the cold start: a chunk imported on the first claim check', () => {
    const lazy = Object.keys(metafile.outputs).filter((file) => /chunks\/claim-check-store-[^/]+\.mjs$/.test(file));
    expect(lazy).toHaveLength(1);
    const s3Inputs = (file: string) => Object.keys(metafile.outputs[file]!.inputs).filter((input) => input.includes('@aws-sdk/client-s3/'));
    expect(s3Inputs(lazy[0]!).length).toBeGreaterThan(0);
    const sizes = bundleSizes(metafile);
    expect(sizes.totalBytes - sizes.coldStartBytes).toBeGreaterThanOrEqual(metafile.outputs[lazy[0]!]!.bytes);
    for (const file of Object.keys(metafile.outputs).filter((f) => f.endsWith('.mjs') && f !== lazy[0])) {
      expect(s3Inputs(file), `${file} carries S3 client code`).toEqual([]);
    }
  });

  it('stores a body above the threshold in S3 through the lazily imported chunk, and enqueues the pointer', async () => {
    // Prepare
    const note = 'x'.repeat(CLAIM_CHECK_THRESHOLD * 2);
    const body = JSON.stringify({ type: 'note_generation.succeeded', data: { id: `note_${randomUUID()}`, note } });
    const event = apiEvent({ provider: 'sully', body, headers: signPairs('x-sully-signature', SECRETS.sully.current, body, Math.floor(Date.now() / 1000)) });

    // Act
    const answer = await handler(event, lambdaContext());
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));

    // Assess
    expect(answer.statusCode).toBe(202);
    expect(received.Messages).toHaveLength(1);
    const envelope = JSON.parse(received.Messages![0]!.Body!) as { claimCheck?: { bucket: string; key: string } };
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: received.Messages![0]!.ReceiptHandle! }));
    expect(envelope.claimCheck?.bucket).toBe('claim-checks');
    const stored = await new S3Client(adminClientConfig(moto.endpoint)).send(new GetObjectCommand({ Bucket: 'claim-checks', Key: envelope.claimCheck!.key }));
    expect(await stored.Body!.transformToString()).toBe(body);
  });

  it('builds and serves with Powertools Tracer wired in (lambdas/verifier/traced-handler.ts, traceVerifierAwsCalls)', async () => {
    // Prepare: the same options, the traced entry; no X-Ray daemon here, so the tracer itself stays off.
    const tracedDir = join(outdir, 'traced');
    const built = await build({ ...lambdaBundleOptions('lambdas/verifier/traced-handler.ts', tracedDir), logLevel: 'silent' });
    const inputs = Object.values(built.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
    process.env['POWERTOOLS_TRACE_ENABLED'] = 'false';
    const traced = (await import(pathToFileURL(join(tracedDir, ENTRY_FILE)).href)) as { handler: typeof handler };
    const body = JSON.stringify({ type: 'note_generation.succeeded', data: { id: `note_${randomUUID()}` } });
    const event = apiEvent({ provider: 'sully', body, headers: signPairs('x-sully-signature', SECRETS.sully.current, body, Math.floor(Date.now() / 1000)) });

    // Act
    const answer = await traced.handler(event, lambdaContext());
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));

    // Assess
    expect(inputs.some((input) => input.includes('node_modules/aws-xray-sdk-core/'))).toBe(true);
    expect(Object.keys(metafile.outputs).flatMap((f) => Object.keys(metafile.outputs[f]!.inputs)).some((input) => input.includes('aws-xray-sdk-core'))).toBe(false);
    expect(answer.statusCode).toBe(202);
    expect(received.Messages).toHaveLength(1);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: received.Messages![0]!.ReceiptHandle! }));
  });
});
