/**
 * Patient data never in logs, in CI. Bodies carrying a unique marker go through every path the stack has:
 * accepted and processed, duplicate, in flight (409), same dedupe key with another body, bad signature,
 * stale timestamp, unusable body (400), too large (413), claim check through S3 and back, processor failure
 * (the failure drill) to the DLQ and redriven to fail again, processor failures from DynamoDB errors to the
 * DLQ and redriven to success after recovery, and the verifier's failure answers: ledger down (202 unclaimed),
 * queue down (202 spooled, swept into the queue once it is back), claim-check bucket down, Secrets Manager
 * failing (503) and a crash at SendMessage (500). Then no line of
 * any component (the runner's stdout and stderr, every file in <state dir>/logs/: verifier, processors,
 * moto_server when present) may contain a marker, a signature or a secret. The markers are shown to have
 * been in the pipeline (a DLQ message body carries one), so the check is not vacuous.
 */
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findProvider } from '../../../providers/index.ts';
import { signRequest } from '../../../lambdas/domain/signing.ts';
import { generateSecret } from '../../../local/runtime-files.ts';
import { findOnPath, loadAppConfig } from '../../../local/settings.ts';
import { eventually } from '../e2e/support/local-stack.ts';
import { signedRequest, type RequestOptions, type SignedRequest } from '../e2e/support/webhooks.ts';
import { eventId, FaultStack } from '../fault/support/stack.ts';

const DRILL = 'drill.privacy';
const HAS_MOTO = findOnPath('moto_server') !== undefined;
const app = loadAppConfig();

describe(`no patient data in any log (${HAS_MOTO ? 'with moto_server' : 'stand-ins only'})`, () => {
  let stack: FaultStack;
  const markers: string[] = [];
  const secretsAndSignatures: string[] = [];
  const marker = () => {
    const text = `PHI-MARKER-${randomUUID()}`;
    markers.push(text);
    return text;
  };
  const make = (id: string, options: RequestOptions = {}, secret = stack.secrets[id]!.current): SignedRequest => {
    const request = signedRequest(id, secret, { note: marker(), ...options });
    secretsAndSignatures.push(request.signature);
    return request;
  };
  const post = (request: SignedRequest) => stack.client.send({ path: `/webhooks/${request.providerId}`, headers: request.headers, body: request.body, timeoutMs: 30_000 });
  const processed = (request: SignedRequest) =>
    eventually(`${request.providerId} ${request.eventType} processed`, async () => ((await stack.ledger()).get(eventId(request.providerId, request.dedupeKey))?.status === 'processed' ? true : undefined), 30_000, 100);

  beforeAll(async () => {
    stack = await FaultStack.start({
      moto: HAS_MOTO,
      env: { PROCESSOR_FAIL_EVENT_TYPES: DRILL, LOCAL_MAX_RECEIVE_COUNT: '2', LOCAL_VISIBILITY_TIMEOUT_SECONDS: '1', LOCAL_RETRY_BUDGET_SECONDS: '1', LOCAL_VERIFIER_CONCURRENCY: '8' },
    });
    for (const pair of Object.values(stack.secrets)) secretsAndSignatures.push(pair.current, ...(pair.previous ? [pair.previous] : []));
  }, 60_000);

  afterAll(async () => {
    if (stack) rmSync(stack.stack.stateDir, { recursive: true, force: true });
  });

  it('success, duplicate, in flight and same-key-other-body, for every provider', async () => {
    await Promise.all(stack.providers.map(async (id) => {
      const request = make(id);
      expect((await post(request)).status).toBe(202);
      await processed(request);
      expect((await post(request)).status).toBe(200);
    }));
    // In flight: identical deliveries at once (some see the claim before it is enqueued).
    const racing = make('stripe');
    const answers = await Promise.all(Array.from({ length: 12 }, () => post(racing)));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(answers.every((a) => a.status === 202 || a.status === 200 || a.status === 409)).toBe(true);
    // Same dedupe key, another body (another marker): 200 duplicate and a DedupeConflict log line with ids only.
    const original = make('sully');
    expect((await post(original)).status).toBe(202);
    const body = JSON.parse(original.body.toString('utf8')) as { data: { summary: string } };
    body.data.summary = marker();
    const bytes = Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { ...signRequest(findProvider('sully')!, stack.secrets['sully']!.current, bytes), 'content-type': 'application/json' };
    secretsAndSignatures.push(headers['x-sully-signature']!);
    const conflict = await stack.client.send({ path: '/webhooks/sully', headers, body: bytes });
    expect([200, 409]).toContain(conflict.status);
  });

  it('bad signature, stale timestamp, unusable body, too large: refused', async () => {
    for (const id of stack.providers) {
      expect((await post(make(id, {}, generateSecret()))).status).toBe(401);
    }
    expect((await post(make('stripe', { timestamp: Math.floor(Date.now() / 1000) - 3_600 }))).status).toBe(401);
    const notJson = Buffer.from(`not json ${marker()}`);
    const headers: Record<string, string> = { ...signRequest(findProvider('stripe')!, stack.secrets['stripe']!.current, notJson), 'content-type': 'text/plain' };
    secretsAndSignatures.push(headers['stripe-signature']!);
    // Signed, so accepted whatever its shape; the processor sets it aside in the DLQ with the reason.
    expect((await stack.client.send({ path: '/webhooks/stripe', headers, body: notJson })).status).toBe(202);
    const large = Buffer.from(`${marker()}${' '.repeat(app.maxBodyBytes)}`);
    expect((await post(make('solatis', { body: large }))).status).toBe(413);
  });

  it('claim check: a body above the SQS limit goes through S3 and back', async () => {
    const request = make('generic', { eventType: 'meeting.ended', padBytes: 300_000 });
    expect((await post(request)).status).toBe(202);
    await processed(request);
  });

  it('processor failure (drill) → DLQ → redrive → fails again → DLQ; the DLQ message carries the marker', async () => {
    const drill = make('suki', { eventType: DRILL });
    const drillMarker = markers.at(-1)!;
    expect((await post(drill)).status).toBe(202);
    await eventually('drill dead-lettered', async () => ((await stack.depths()).deadLettered['suki'] === 1 ? true : undefined), 30_000, 200);
    const sqs = new SQSClient({ endpoint: stack.stack.runtime.endpoints.sqs, region: stack.stack.runtime.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.stack.runtime.providers['suki']!.deadLetterQueueUrl, VisibilityTimeout: 0, MaxNumberOfMessages: 1 }));
      // Not vacuous: the marker really travels in the message body.
      expect(out.Messages?.[0]?.Body).toContain(drillMarker);
    } finally {
      sqs.destroy();
    }
    // Every DLQ is redriven: the drill, and the signed but unreadable stripe body set aside above.
    const deadLettered = Object.values((await stack.depths()).deadLettered).reduce((a, b) => a + b, 0);
    expect(deadLettered).toBe(2);
    expect(await stack.redrive()).toBe(deadLettered);
    await eventually('drill dead-lettered again', async () => {
      const { queued, deadLettered } = await stack.depths();
      return queued === 0 && deadLettered['suki'] === 1 ? true : undefined;
    }, 30_000, 200);
    expect((await stack.ledger()).get(eventId('suki', drill.dedupeKey))?.status).toBe('failed');
  });

  it('processor failures from DynamoDB errors → DLQ → redrive after recovery → processed', async () => {
    await stack.faults({ dynamodb: { mode: 'error', scope: 'processor' } });
    const requests = ['sully', 'soapnoteapi', 'standard-webhooks'].map((id) => make(id));
    for (const request of requests) expect((await post(request)).status).toBe(202);
    await eventually('dead-lettered', async () => {
      const { deadLettered } = await stack.depths();
      return requests.every((r) => (deadLettered[r.providerId] ?? 0) >= 1) ? true : undefined;
    }, 30_000, 200);
    await stack.faults({ reset: true });
    expect(await stack.redrive()).toBeGreaterThanOrEqual(3);
    for (const request of requests) await processed(request);
  });

  it('the verifier\'s failure answers: ledger down (202 unclaimed); queue down (202 spooled); bucket, secrets down (503); a crash at SendMessage (500)', async () => {
    await stack.faults({ dynamodb: { mode: 'down', scope: 'verifier' } });
    const bypassed = make('sully');
    expect((await post(bypassed)).status).toBe(202);
    await stack.faults({ reset: true });
    await processed(bypassed);
    // The queue down too: spooled (unclaimed), then swept into the queue once SQS answers again.
    await stack.faults({ dynamodb: { mode: 'down', scope: 'verifier' }, sqs: { mode: 'error', scope: 'verifier' } });
    const spooledUnclaimed = make('sully');
    expect((await post(spooledUnclaimed)).status).toBe(202);
    await stack.faults({ reset: true, sqs: { mode: 'error', scope: 'verifier' } });
    const spooled = make('solatis');
    expect((await post(spooled)).status).toBe(202);
    expect((await stack.ledger()).get(eventId('solatis', spooled.dedupeKey))?.status).toBe('spooled');
    await stack.faults({ reset: true });
    await processed(spooledUnclaimed);
    await processed(spooled);
    await stack.faults({ reset: true, s3: { mode: 'down', scope: 'verifier' } });
    expect((await post(make('stripe', { eventType: 'invoice.paid', padBytes: 300_000 }))).status).toBe(503);
    await stack.faults({ reset: true, secretsmanager: { mode: 'error', scope: 'verifier' }, recycle: 'verifier' });
    expect((await post(make('github'))).status).toBe(503);
    await stack.faults({ reset: true, sqs: { mode: 'crash', scope: 'verifier', operations: ['SendMessage'] } });
    expect((await post(make('generic'))).status).toBe(500);
    await stack.faults({ reset: true });
    const after = make('suki');
    expect((await post(after)).status).toBe(202);
    await processed(after);
  });

  it('no log line of any component holds a marker, a signature or a secret', async () => {
    // Nothing left moving (the drill message stays in its DLQ), and the last log lines written.
    await eventually('queues empty', async () => ((await stack.depths()).queued === 0 ? true : undefined), 30_000, 200);
    expect(await stack.stop({ keep: true })).toBe(0);
    const logs = join(stack.stack.stateDir, 'logs');
    const files = readdirSync(logs);
    expect(files).toContain('verifier.log');
    expect(files.filter((f) => f.startsWith('processor-'))).toHaveLength(stack.providers.length);
    if (HAS_MOTO) expect(files).toContain('moto.log');
    const sources = [
      { name: 'runner stdout', text: stack.stack.stdout() },
      { name: 'runner stderr', text: stack.stack.stderr() },
      ...files.map((f) => ({ name: `logs/${f}`, text: readFileSync(join(logs, f), 'utf8') })),
    ];
    // The logs are not empty: every path above was logged, by ids and outcomes.
    expect(sources.find((s) => s.name === 'logs/verifier.log')!.text.split('\n').length).toBeGreaterThan(60);
    const sensitive = [...markers, ...secretsAndSignatures].filter((s) => s.length > 0);
    const leaks = sources.flatMap((source) => sensitive.filter((s) => source.text.includes(s)).map((s) => `${source.name}: ${s.slice(0, 24)}...`));
    expect(leaks).toEqual([]);
    // Not even a fragment of the marker's fixed prefix.
    expect(sources.filter((s) => s.text.includes('PHI-MARKER')).map((s) => s.name)).toEqual([]);
    console.log(`[privacy] ${markers.length} marked bodies, ${sources.length} log sources (${sources.map((s) => s.name).join(', ')}): no marker, signature or secret`);
  }, 60_000);
});
