/**
 * The verifier as Lambda runs it: bundled by esbuild with the options of lib/constructs/webhook-function.ts
 * (ESM, require banner, minified, SDK inlined), imported from the bundle, and driven against the stand-ins.
 * Catches what source-level tests cannot: ESM/CommonJS interop of middy, Powertools and the SDK.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { build } from 'esbuild';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput, emfMetrics, type Captured } from './support/output.ts';
import { apiEvent, lambdaContext } from './support/requests.ts';
import { motoSecrets } from './support/secrets.ts';
import { SECRETS, signPairs } from './support/signers.ts';
import { adminClientConfig, createLedgerTable, motoOnPath, startDynalite, startMoto, startSqs, type StandIn } from './support/stand-ins.ts';
import { setVerifierEnvironment } from './support/environment.ts';

const HAS_MOTO = motoOnPath();
if (!HAS_MOTO) console.warn('[test/verifier] moto_server is not on PATH: the bundled-handler test is SKIPPED (it needs Secrets Manager).');

/** Same as lib/constructs/webhook-function.ts: esbuild's ESM output needs a real `require` for inlined CommonJS. */
const ESM_REQUIRE_BANNER = "import { createRequire as __createRequire } from 'node:module';const require = __createRequire(import.meta.url);";

describe.skipIf(!HAS_MOTO)('the esbuild bundle of lambdas/verifier/handler.ts', () => {
  let outdir: string;
  let dynaliteServer: StandIn;
  let sqsServer: StandIn;
  let moto: StandIn;
  let sqs: SQSClient;
  let queueUrl: string;
  let output: Captured;
  let handler: (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<{ statusCode: number; body: string }>;

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'verifier-bundle-'));
    const outfile = join(outdir, 'index.mjs');
    await build({
      entryPoints: ['lambdas/verifier/handler.ts'],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      mainFields: ['module', 'main'],
      banner: { js: ESM_REQUIRE_BANNER },
      minify: true,
      keepNames: true,
      logLevel: 'silent',
    });

    [dynaliteServer, sqsServer, moto] = await Promise.all([startDynalite(), startSqs(), startMoto()]);
    await createLedgerTable(new DynamoDBClient(adminClientConfig(dynaliteServer.endpoint)), 'ledger');
    sqs = new SQSClient(adminClientConfig(sqsServer.endpoint));
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'sully-events' }))).QueueUrl!;
    const secretArn = await motoSecrets(moto.endpoint).create('sully', SECRETS.sully.current);
    setVerifierEnvironment({
      endpoints: { dynamodb: dynaliteServer.endpoint, sqs: sqsServer.endpoint, secretsManager: moto.endpoint, s3: moto.endpoint },
      providers: { sully: { secretArn, queueUrl } },
    });
    output = captureOutput();
    ({ handler } = (await import(pathToFileURL(outfile).href)) as { handler: typeof handler });
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
    expect(new Set(metrics.map((m) => JSON.stringify(m.dimensionNames)))).toEqual(new Set(['[["provider"]]']));
  });
});
