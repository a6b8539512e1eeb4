/**
 * End to end over HTTP: `local/main.ts` (what `npm start` runs) is started as a child process on a
 * free port with a temporary state directory and secrets file, and driven like a sender would, for every
 * provider enabled in cdk.json. Then the same state directory is started again without moto_server
 * (LOCAL_USE_MOTO=0: the runner's own Secrets Manager and S3 stand-ins), which also proves persistence:
 * the ledger, and the dead-lettered messages kept in queues.json at the stop.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_EVENT_TYPES } from '../../../ops/samples.ts';
import { generateSecret, type SecretsFile } from '../../../local/runtime-files.ts';
import { findOnPath, loadAppConfig } from '../../../local/settings.ts';
import { eventually, freePort, ROOT, startLocalStack, type LocalStack } from './support/local-stack.ts';
import { LocalAws, post, provider, send, signedRequest, type SignedRequest } from './support/webhooks.ts';

const app = loadAppConfig();
const PROVIDERS = app.providers.map((p) => p.id);
const MAX_RECEIVE_COUNT = 2;
const DRILL = 'drill.fail';
const HAS_MOTO = findOnPath('moto_server') !== undefined;
if (!HAS_MOTO) console.warn('[test/local/e2e] moto_server is not on PATH: both stacks run on the runner\'s own Secrets Manager and S3 stand-ins.');

const stateDir = mkdtempSync(join(tmpdir(), 'local-stack-e2e-'));
const secretsFile = join(stateDir, 'provider-secrets.json');
/** Dead-lettered messages per provider when the first stack stopped: the restarted one must have them back. */
const deadAtStop: Record<string, number> = {};
const secrets: Record<string, { current: string; previous?: string }> = Object.fromEntries(PROVIDERS.map((id) => [id, { current: generateSecret() }]));
secrets['sully'] = { current: generateSecret(), previous: generateSecret() };
writeFileSync(secretsFile, JSON.stringify(secrets satisfies SecretsFile));

/** Strings that must never appear in anything the stack prints or logs. */
const sensitive: string[] = [...Object.values(secrets).flatMap((s) => [s.current, ...(s.previous ? [s.previous] : [])])];
const marker = () => {
  const text = `PHI-MARKER-${randomUUID()}`;
  sensitive.push(text);
  return text;
};
const remember = (request: SignedRequest) => {
  sensitive.push(request.signature);
  return request;
};

const ENV = {
  WEBHOOK_SECRETS_FILE: secretsFile,
  LOCAL_MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
  LOCAL_VISIBILITY_TIMEOUT_SECONDS: '1',
  // The drill is a transient failure: retried once after 1 s (the backoff, clamped to the budget), then moved.
  LOCAL_RETRY_BUDGET_SECONDS: '1',
  PROCESSOR_FAIL_EVENT_TYPES: DRILL,
};

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
function outcomeLines(stack: LocalStack, stage: 'http' | 'processor', providerId: string, eventType: string, outcome: string): string[] {
  const pattern = new RegExp(`\\s${stage}\\s+${escape(providerId)}\\s+${escape(eventType)}\\s+${escape(outcome)}`);
  return stack.stdout().split('\n').filter((line) => pattern.test(line));
}

function ops(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bin/ops.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

function everythingPrinted(stack: LocalStack): string {
  const logs = join(stack.stateDir, 'logs');
  const files = existsSync(logs) ? readdirSync(logs).map((name) => readFileSync(join(logs, name), 'utf8')) : [];
  return [stack.stdout(), stack.stderr(), ...files].join('\n');
}

describe(`local stack (${HAS_MOTO ? 'moto_server for Secrets Manager and S3' : 'stand-ins'})`, () => {
  let stack: LocalStack;
  let aws: LocalAws;

  beforeAll(async () => {
    // A free port can be taken by a parallel test file in the seconds the runner spends building: pick another then.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        stack = await startLocalStack({ stateDir, args: ['--fresh'], env: { ...ENV, PORT: String(port) } });
      } catch (error) {
        if (attempt < 3 && /is in use/.test(String(error))) continue;
        throw error;
      }
      expect(stack.port).toBe(port);
      break;
    }
    aws = new LocalAws(stack.runtime);
  }, 120_000);

  afterAll(async () => {
    aws?.destroy();
    await stack?.stop();
  });

  it('serves every provider enabled in cdk.json, with the contract runtime.json', () => {
    expect(Object.keys(stack.runtime.providers).sort()).toEqual([...PROVIDERS].sort());
    expect(stack.runtime.url).toBe(`http://127.0.0.1:${stack.port}`);
    expect(stack.runtime.secretsAndS3).toBe(HAS_MOTO ? 'moto' : 'stand-ins');
    for (const id of PROVIDERS) expect(stack.runtime.providers[id]!.maxReceiveCount).toBe(MAX_RECEIVE_COUNT);
  });

  describe('every provider, in parallel', () => {
    it.concurrent.each(PROVIDERS)('%s: valid → 2xx and processed once; replay → 200, not again; bad signature, stale timestamp → 401; oversize → 413', async (id) => {
      const p = provider(id);
      const secret = secrets[id]!.current;

      const valid = remember(signedRequest(id, secret, { note: marker() }));
      const accepted = await send(stack.url, valid);
      expect(accepted.status).toBe(202);
      expect(accepted.json).toEqual({ status: 'accepted' });
      const entry = await eventually(`${id} processed`, () => aws.entryWithStatus(id, valid.dedupeKey, 'processed'));
      expect(entry.eventType?.S).toBe(valid.eventType);

      const replay = await send(stack.url, valid);
      expect(replay).toEqual({ status: 200, json: { status: 'duplicate' } });

      const badSignature = remember(signedRequest(id, generateSecret(), { note: marker() }));
      const refused = await send(stack.url, badSignature);
      expect(refused).toEqual({ status: 401, json: { error: 'signature_mismatch' } });
      expect(await aws.ledgerEntry(id, badSignature.dedupeKey)).toBeUndefined();

      const hourAgo = Math.floor(Date.now() / 1000) - 3600;
      // Another event type than `valid`'s, so that the outcome lines counted below are `valid`'s alone.
      const stale = remember(signedRequest(id, secret, { eventType: SAMPLE_EVENT_TYPES[id]![1]!, note: marker(), timestamp: hourAgo }));
      if (p.timestamp) {
        expect(await send(stack.url, stale)).toEqual({ status: 401, json: { error: 'timestamp_out_of_tolerance' } });
        expect(await aws.ledgerEntry(id, stale.dedupeKey)).toBeUndefined();
      } else {
        // No signed timestamp (solatis, generic, github): an old delivery is new to the ledger, and its
        // replay is stopped by the ledger alone.
        expect((await send(stack.url, stale)).status).toBe(202);
        expect((await send(stack.url, stale)).json).toEqual({ status: 'duplicate' });
      }

      const oversize = remember(signedRequest(id, secret, { body: Buffer.alloc(app.maxBodyBytes + 1, 0x20) }));
      expect(await send(stack.url, oversize)).toEqual({ status: 413, json: { error: 'body too large' } });

      // Exactly once: nothing left to deliver, one processed outcome, the entry untouched by the replay.
      await eventually(`${id} queue drained`, async () => ((await aws.depth(stack.runtime.providers[id]!.queueUrl)) === 0 ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 1_200)); // longer than the visibility timeout
      const after = await aws.ledgerEntry(id, valid.dedupeKey);
      expect(after?.status?.S).toBe('processed');
      expect(after?.processedAt?.S).toBe(entry.processedAt?.S);
      expect(outcomeLines(stack, 'processor', id, valid.eventType, 'processed')).toHaveLength(1);
      expect(outcomeLines(stack, 'processor', id, valid.eventType, 'duplicate delivery')).toHaveLength(0);
      expect(outcomeLines(stack, 'http', id, valid.eventType, '200 duplicate')).toHaveLength(1);
    });

    it.concurrent.each(PROVIDERS)('%s: a transient processor failure → retried after its backoff, then moved to the DLQ by the processor once the budget is spent', async (id) => {
      const drill = remember(signedRequest(id, secrets[id]!.current, { eventType: DRILL, note: marker() }));
      expect((await send(stack.url, drill)).status).toBe(202);
      const dead = await eventually(`${id} dead-lettered`, async () => {
        const messages = await aws.deadLetterAttributes(id);
        return messages.find((m) => m['dedupeKey'] === drill.dedupeKey);
      });
      expect(dead).toMatchObject({ provider: id, eventType: DRILL, dedupeKey: drill.dedupeKey, failureClass: 'transient', receiveCount: '2' });
      expect(dead?.['failureReason']).toMatch(/^retry budget of 1 s spent .*FailureDrillError/);
      // The processor writes the ledger right after the move, and the runner prints once the invocation ends.
      const entry = await eventually(`${id} ledger dead-lettered`, async () => {
        const item = await aws.ledgerEntry(id, drill.dedupeKey);
        return item?.deadLetteredAt?.S ? item : undefined;
      });
      expect(entry?.status?.S).toBe('failed');
      expect(entry?.lastError?.S).toMatch(/^FailureDrillError: .*PROCESSOR_FAIL_EVENT_TYPES/);
      expect(entry?.failureClass?.S).toBe('transient');
      const moved = 'failed, receive 2, moved to the DLQ by the processor (transient: FailureDrillError)';
      await eventually(`${id} outcome printed`, async () => (outcomeLines(stack, 'processor', id, DRILL, moved).length > 0 ? true : undefined));
      expect(outcomeLines(stack, 'processor', id, DRILL, 'failed, receive 1/2, retried in 1 s')).toHaveLength(1);
      expect(outcomeLines(stack, 'processor', id, DRILL, moved)).toHaveLength(1);
      expect(await aws.depth(stack.runtime.providers[id]!.queueUrl)).toBe(0);
    });
  });

  describe('authenticated events at the edges real senders reach', () => {
    it('the Standard Webhooks spec vector (no `type`), signed by the standardwebhooks package: 202, recorded as unknown and unrecognized', async () => {
      // The spec's own test vector body and message id; its 2021 timestamp is re-signed now (the tolerance is 5 min).
      const body = '{"test": 2432232314}';
      const msgId = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
      const now = new Date();
      const signature = new Webhook(secrets['standard-webhooks']!.current).sign(msgId, now, body);
      sensitive.push(signature);
      const headers = { 'content-type': 'application/json', 'webhook-id': msgId, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature };
      expect(await post(stack.url, '/webhooks/standard-webhooks', headers, body)).toEqual({ status: 202, json: { status: 'accepted' } });
      const entry = await aws.ledgerEntry('standard-webhooks', msgId);
      expect(entry?.eventType?.S).toBe('unknown');
      expect(entry?.unrecognized?.S).toMatch(/type/);
    });

    it('GitHub: the same signed body re-sent with a new delivery id and another event type is a duplicate, processed once', async () => {
      const body = JSON.stringify({ action: 'opened', issue: { number: 7 }, repository: { full_name: 'acme/notes' }, note: marker() });
      const signature = `sha256=${createHmac('sha256', secrets['github']!.current).update(body).digest('hex')}`;
      sensitive.push(signature);
      const headers = (event: string) => ({ 'content-type': 'application/json', 'x-hub-signature-256': signature, 'x-github-event': event, 'x-github-delivery': randomUUID() });
      expect((await post(stack.url, '/webhooks/github', headers('issues'), body)).status).toBe(202);
      const dedupeKey = createHash('sha256').update(body).digest('hex');
      const entry = await eventually('github event processed', () => aws.entryWithStatus('github', dedupeKey, 'processed'));
      expect(entry.eventType?.S).toBe('issues');
      expect(await post(stack.url, '/webhooks/github', headers('pull_request'), body)).toEqual({ status: 200, json: { status: 'duplicate' } });
      const after = await aws.ledgerEntry('github', dedupeKey);
      expect(after?.eventType?.S).toBe('issues');
      expect(after?.processedAt?.S).toBe(entry.processedAt?.S);
    });

    it('ids that JSON numbers would merge (2^53 + 1 and 2^53, 1000 and 1e3) are distinct events, all processed', async () => {
      const bodies = ['9007199254740993', '9007199254740992', '1000', '1e3'].map((id) => Buffer.from(`{"id": ${id}, "event": "ping.test"}`));
      const requests = bodies.map((body) => remember(signedRequest('solatis', secrets['solatis']!.current, { body })));
      expect(new Set(requests.map((r) => r.dedupeKey)).size).toBe(4);
      for (const request of requests) expect((await send(stack.url, request)).status).toBe(202);
      for (const request of requests) await eventually(`solatis ${request.dedupeKey} processed`, () => aws.entryWithStatus('solatis', request.dedupeKey, 'processed'));
    });

    it('a 1,500-byte multi-byte id is accepted, stored under a sort key within DynamoDB\'s 1,024 bytes', async () => {
      const id = 'é'.repeat(750);
      const request = remember(signedRequest('solatis', secrets['solatis']!.current, { body: Buffer.from(JSON.stringify({ id, event: 'ping.test' })) }));
      expect((await send(stack.url, request)).status).toBe(202);
      const entry = await eventually('long-id event processed', () => aws.entryWithStatus('solatis', request.dedupeKey, 'processed'));
      expect(Buffer.byteLength(entry.sk!.S!, 'utf8')).toBeLessThanOrEqual(1024);
    });
  });

  it('answers like API Gateway for routes and providers it does not serve', async () => {
    const body = JSON.stringify({ type: 'x' });
    expect(await post(stack.url, '/webhooks/no-such-provider', { 'content-type': 'application/json' }, body)).toEqual({ status: 404, json: { error: 'unknown provider' } });
    expect(await post(stack.url, '/hooks/sully', { 'content-type': 'application/json' }, body)).toEqual({ status: 404, json: { message: 'Not Found' } });
    expect(await post(stack.url, '/webhooks/sully/extra', {}, body)).toEqual({ status: 404, json: { message: 'Not Found' } });
    const get = await fetch(`${stack.url}/webhooks/sully`);
    expect(get.status).toBe(404);
    expect(await get.json()).toEqual({ message: 'Not Found' });
  });

  it('passes a non-text body base64-encoded (isBase64Encoded) and verifies the exact bytes', async () => {
    const request = remember(signedRequest('sully', secrets['sully']!.current, { eventType: 'coding.succeeded', note: marker(), contentType: 'application/octet-stream' }));
    expect((await send(stack.url, request)).status).toBe(202);
    await eventually('binary event processed', () => aws.entryWithStatus('sully', request.dedupeKey, 'processed'));
  });

  it('accepts the previous secret during rotation (AWSPREVIOUS)', async () => {
    const request = remember(signedRequest('sully', secrets['sully']!.previous!, { eventType: 'audio_transcription.succeeded', note: marker() }));
    expect((await send(stack.url, request)).status).toBe(202);
    await eventually('previous-secret event processed', () => aws.entryWithStatus('sully', request.dedupeKey, 'processed'));
  });

  it('puts a body above the SQS limit in the claim-check bucket, and the processor reads it back', async () => {
    const request = remember(signedRequest('stripe', secrets['stripe']!.current, { eventType: 'invoice.paid', note: marker(), padBytes: 300_000 }));
    expect((await send(stack.url, request)).status).toBe(202);
    const entry = await eventually('claim-checked event processed', () => aws.entryWithStatus('stripe', request.dedupeKey, 'processed'));
    expect(entry.claimCheckKey?.S).toMatch(/^stripe\/\d{4}-\d{2}-\d{2}\/[0-9a-f]{64}$/);
  });

  it('ops send signs sample events for the local stack, and ops events --local lists them processed', async () => {
    const env = { LOCAL_STATE_DIR: stateDir };
    const sent = await ops(['send', '--provider', 'suki', '--event', 'failure', '--count', '2'], env);
    expect(sent.stderr).not.toMatch(/error/i);
    expect(sent.code).toBe(0);
    const lines = sent.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const keys = lines.map((line) => {
      const [status, id, type, key] = line.split(' ');
      expect([status, id, type]).toEqual(['202', 'suki', 'failure']);
      return key!;
    });
    const listed = await eventually('ops events shows both processed', async () => {
      const run = await ops(['events', '--provider', 'suki', '--local', '--json'], env);
      expect(run.code).toBe(0);
      const entries = JSON.parse(run.stdout) as { dedupeKey: string; status: string; eventType: string; receivedAt: string }[];
      const mine = entries.filter((e) => keys.includes(e.dedupeKey));
      return mine.length === 2 && mine.every((e) => e.status === 'processed') ? mine : undefined;
    }, 20_000, 500);
    expect(listed.map((e) => e.eventType)).toEqual(['failure', 'failure']);
    const table = await ops(['events', '--provider', 'suki', '--local'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^STATUS\s+EVENT TYPE\s+RECEIVED\s+ENQUEUED\s+PROCESSED\s+ATTEMPTS\s+DEDUPE KEY/);
    expect(table.stdout).toContain(keys[0]);
  });

  it('ops commands fail clearly: unknown provider (2), no secret for a remote URL (2), no local stack running (1)', async () => {
    const [unknown, remote, notRunning] = await Promise.all([
      ops(['events', '--provider', 'nope', '--local'], { LOCAL_STATE_DIR: stateDir }),
      ops(['send', '--provider', 'sully', '--url', 'https://example.invalid/'], { LOCAL_STATE_DIR: stateDir }),
      ops(['events', '--provider', 'sully', '--local'], { LOCAL_STATE_DIR: join(stateDir, 'nothing-here') }),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown provider 'nope'/);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/a signing secret is required to send to /);
    expect(notRunning.code).toBe(1);
    expect(notRunning.stderr).toMatch(/local stack is not running/);
  });

  it('prints one outcome line per event with provider, type, outcome and milliseconds, and never a body, signature or secret', () => {
    const line = outcomeLines(stack, 'http', 'stripe', 'invoice.paid', '202 accepted')[0];
    expect(line).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3}\s+http\s+stripe\s+invoice\.paid\s+202 accepted\s+\d+ ms$/);
    const printed = everythingPrinted(stack);
    const leaked = sensitive.filter((text) => text.length > 0 && printed.includes(text));
    expect(leaked).toEqual([]);
  });

  it('SIGINT stops it cleanly: exit 0, runtime.json removed, the queues kept in queues.json (owner-only)', async () => {
    for (const id of PROVIDERS) deadAtStop[id] = await aws.depth(stack.runtime.providers[id]!.deadLetterQueueUrl);
    const total = Object.values(deadAtStop).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(PROVIDERS.length);
    expect(await stack.stop('SIGINT')).toBe(0);
    expect(stack.stderr()).toMatch(/stopped\n/);
    expect(existsSync(join(stateDir, 'runtime.json'))).toBe(false);
    expect(stack.stderr()).toContain(`kept ${total} messages (`);
    expect(stack.stderr()).toMatch(/in \S*queues\.json: the next npm start restores them \(--fresh drops them\)/);
    expect(statSync(join(stateDir, 'queues.json')).mode & 0o777).toBe(0o600);
  });
});

describe('local stack without moto_server (LOCAL_USE_MOTO=0), restarted on the same state', () => {
  let stack: LocalStack;
  let aws: LocalAws;

  beforeAll(async () => {
    stack = await startLocalStack({ stateDir, env: { ...ENV, PORT: '0', LOCAL_USE_MOTO: '0' } });
    aws = new LocalAws(stack.runtime);
  }, 60_000);

  afterAll(async () => {
    aws?.destroy();
    await stack?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('uses the runner\'s own Secrets Manager and S3 stand-ins', () => {
    expect(stack.runtime.secretsAndS3).toBe('stand-ins');
    expect(stack.runtime.endpoints.secretsManager).not.toBe(stack.runtime.endpoints.s3);
    expect(stack.stderr()).toMatch(/runner stand-ins: GetSecretValue/);
  });

  it('restored the queues of the previous run: every dead-lettered message back in its DLQ, queues.json gone', async () => {
    const total = Object.values(deadAtStop).reduce((a, b) => a + b, 0);
    expect(stack.stderr()).toContain(`restored ${total} messages kept at the last stop`);
    expect(existsSync(join(stateDir, 'queues.json'))).toBe(false);
    for (const id of PROVIDERS) expect(await aws.depth(stack.runtime.providers[id]!.deadLetterQueueUrl), id).toBe(deadAtStop[id]);
  });

  it('kept the ledger of the previous run (no --fresh)', async () => {
    const run = await ops(['events', '--provider', 'suki', '--local', '--json'], { LOCAL_STATE_DIR: stateDir });
    expect(run.code).toBe(0);
    const entries = JSON.parse(run.stdout) as { status: string; eventType: string }[];
    expect(entries.filter((e) => e.eventType === 'failure' && e.status === 'processed').length).toBeGreaterThanOrEqual(2);
  });

  it.concurrent.each(PROVIDERS)('%s: valid → 2xx and processed; replay → 200', async (id) => {
    const request = remember(signedRequest(id, secrets[id]!.current, { note: marker() }));
    expect((await send(stack.url, request)).status).toBe(202);
    await eventually(`${id} processed`, () => aws.entryWithStatus(id, request.dedupeKey, 'processed'));
    expect(await send(stack.url, request)).toEqual({ status: 200, json: { status: 'duplicate' } });
  });

  it('serves AWSPREVIOUS from the stand-in (rotation) and claim checks from the S3 stand-in', async () => {
    const previous = remember(signedRequest('sully', secrets['sully']!.previous!, { eventType: 'coding.failed', note: marker() }));
    const large = remember(signedRequest('generic', secrets['generic']!.current, { eventType: 'meeting.ended', note: marker(), padBytes: 300_000 }));
    expect((await send(stack.url, previous)).status).toBe(202);
    expect((await send(stack.url, large)).status).toBe(202);
    await eventually('previous-secret event processed', () => aws.entryWithStatus('sully', previous.dedupeKey, 'processed'));
    const entry = await eventually('claim-checked event processed', () => aws.entryWithStatus('generic', large.dedupeKey, 'processed'));
    expect(entry.claimCheckKey?.S).toMatch(/^generic\//);
  });

  it('takes an edit of the secrets file as a rotation: the new secret is AWSCURRENT, the replaced one AWSPREVIOUS', async () => {
    const old = secrets['stripe']!.current;
    const rotated = generateSecret();
    sensitive.push(rotated);
    secrets['stripe'] = { current: rotated };
    writeFileSync(secretsFile, JSON.stringify(secrets));
    await eventually('the runner to reload the secrets file', async () => (/new AWSCURRENT for stripe/.test(stack.stderr()) ? true : undefined), 10_000);
    const signedNew = remember(signedRequest('stripe', rotated, { eventType: 'charge.succeeded', note: marker() }));
    const signedOld = remember(signedRequest('stripe', old, { eventType: 'charge.succeeded', note: marker() }));
    expect((await send(stack.url, signedNew)).status).toBe(202);
    expect((await send(stack.url, signedOld)).status).toBe(202);
    const stranger = remember(signedRequest('stripe', generateSecret(), { eventType: 'charge.succeeded', note: marker() }));
    expect((await send(stack.url, stranger)).status).toBe(401);
  });

  it('never prints a body, signature or secret', async () => {
    const printed = everythingPrinted(stack);
    expect(sensitive.filter((text) => text.length > 0 && printed.includes(text))).toEqual([]);
    expect(await stack.stop('SIGTERM')).toBe(0);
  });
});
