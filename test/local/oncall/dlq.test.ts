/**
 * The DLQ drill against the local stack (npm start's runner as a child process): a poisoned event reaches
 * the DLQ; `ops dlq list` shows it without its body (and with --show-body, after a PHI warning) and leaves
 * it there, listing after listing with the same receive counts; a redrive while the processor still fails
 * watches the moved message come back and exits 1; once the processor is "fixed" (the runner's drill.json,
 * since the local SQS keeps its queues in memory), `ops dlq redrive` gets it processed exactly once, by SQS's
 * move task and by receive-send-delete. Then, with two more drilled to fail: `ops events` finds exactly the failed
 * ones (--status failed --since 1h), filters by --type, --newest and --limit, and `ops status --local` shows
 * the hour, the DLQ and the drill without a body.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../../ops/local-target.ts';
import { PHI_WARNING } from '../../../ops/commands/dlq.ts';
import {
  eventually, LocalAws, MAX_RECEIVE_COUNT, ops, outcomeLines, send, Sensitive, setDrill, signedRequest, startOncallStack,
  type OncallStack, type SignedRequest,
} from './support.ts';

const DRILL = 'drill.fail';
const PROVIDER = 'sully';
const sensitive = new Sensitive();

describe('ops dlq list and redrive (local stack)', () => {
  let oncall: OncallStack;
  let aws: LocalAws;
  let poisoned: SignedRequest;
  let marker: string;
  /** The messages of the first `dlq list --json`. */
  let firstListing: Record<string, unknown>[] = [];
  const outputs: string[] = [];
  const run = async (args: string[]) => {
    const result = await ops(args, { env: oncall.env });
    if (!args.includes('--show-body')) outputs.push(result.stdout, result.stderr);
    return result;
  };
  const dlqUrl = () => oncall.stack.runtime.providers[PROVIDER]!.deadLetterQueueUrl;
  const queueUrl = () => oncall.stack.runtime.providers[PROVIDER]!.queueUrl;
  /** Messages in the DLQ that a receive would return now (the local SQS counts in-flight ones in ApproximateNumberOfMessages too). */
  const visibleInDlq = async () => {
    const a = (await aws.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl(), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes ?? {};
    return Number(a.ApproximateNumberOfMessages ?? 0) - Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
  };

  async function poison(): Promise<SignedRequest> {
    const request = signedRequest(PROVIDER, oncall.secrets[PROVIDER]!.current, { eventType: DRILL, note: sensitive.marker() });
    sensitive.add(request.signature);
    expect((await send(oncall.stack.url, request)).status).toBe(202);
    await eventually('the poisoned event in the DLQ', async () => {
      const entry = await aws.entryWithStatus(PROVIDER, request.dedupeKey, 'failed');
      const dead = await aws.deadLetterAttributes(PROVIDER);
      return entry && Number(entry.attempts?.N) >= MAX_RECEIVE_COUNT && dead.some((m) => m['dedupeKey'] === request.dedupeKey) ? true : undefined;
    });
    return request;
  }

  beforeAll(async () => {
    oncall = await startOncallStack({ prefix: 'oncall-dlq-', sensitive, env: { PROCESSOR_FAIL_EVENT_TYPES: DRILL } });
    aws = new LocalAws(oncall.stack.runtime);
    poisoned = await poison();
    marker = JSON.parse(poisoned.body.toString('utf8')).data.summary as string;
    expect(marker).toMatch(/^PHI-MARKER-/);
    // The read of deadLetterAttributes above hid it for a second: wait until it is visible again.
    await eventually('the DLQ message visible', async () => ((await visibleInDlq()) === 1 ? true : undefined), 20_000, 50);
  }, 90_000);

  afterAll(async () => {
    aws?.destroy();
    await oncall?.stack.stop();
  });

  it('dlq list shows the poisoned event, its receive count and last error, without its body, and leaves it in the DLQ', async () => {
    const listed = await run(['dlq', 'list', '--provider', PROVIDER, '--local']);

    expect(listed.code).toBe(0);
    const [head, row, ...rest] = listed.stdout.trim().split('\n');
    expect(head).toMatch(/^MESSAGE ID\s+EVENT TYPE\s+RECEIVES\s+FIRST FAILURE\s+LEDGER\s+DEDUPE KEY \/ LAST ERROR$/);
    expect(rest).toEqual([]);
    expect(row).toContain(DRILL);
    expect(row).toContain(poisoned.dedupeKey);
    expect(row).toContain(`failed, ${MAX_RECEIVE_COUNT} attempts`);
    // The processor's own reason, from the attributes it added when it moved the message.
    expect(row).toMatch(/transient: retry budget of 1 s spent .*FailureDrillError: event type is listed in PROCESSOR_FAIL_EVENT_TYPES/);
    expect(listed.stderr).toContain(`1 message in the dead-letter queue of ${PROVIDER} (the local stack, approximate)`);
    // RECEIVES: the processor's receiveCount attribute (receives in the queue), which no listing changes; and what a listing does change.
    expect(row).toMatch(new RegExp(`^\\S+\\s+${DRILL}\\s+${MAX_RECEIVE_COUNT}\\s`));
    expect(listed.stderr).toContain('note: each listed message was received once (SQS adds 1 to its ApproximateReceiveCount; the local SQS adds 2');
    expect(listed.stdout + listed.stderr).not.toContain(marker);
    expect(listed.stdout + listed.stderr).not.toContain('Synthetic');
    // Read, not consumed: visible again at once, not after the listing's visibility timeout.
    expect(await visibleInDlq()).toBe(1);
  });

  it('dlq list --json gives the same as data, with the ledger entry and no body', async () => {
    const listed = await run(['dlq', 'list', '--provider', PROVIDER, '--local', '--json']);

    expect(listed.code).toBe(0);
    const data = JSON.parse(listed.stdout) as { provider: string; approximateCount: number; messages: Record<string, any>[] };
    firstListing = data.messages;
    expect(data.provider).toBe(PROVIDER);
    expect(data.approximateCount).toBe(1);
    expect(data.messages).toHaveLength(1);
    const [message] = data.messages;
    expect(message).toMatchObject({ eventType: DRILL, dedupeKey: poisoned.dedupeKey, failureClass: 'transient', ledger: { status: 'failed', attempts: MAX_RECEIVE_COUNT, claimChecked: false } });
    expect(message!['failureReason']).toMatch(/^retry budget of 1 s spent .*FailureDrillError/);
    expect(message!['messageId']).toMatch(/^[0-9a-f-]{36}$/);
    expect(message).toMatchObject({ receiveCount: MAX_RECEIVE_COUNT, receiveCountSource: 'processor' });
    expect(Date.parse(message!['firstFailureAt'])).toBeGreaterThan(Date.parse(message!['ledger'].receivedAt) - 1);
    expect(message).not.toHaveProperty('body');
    expect(listed.stdout).not.toContain(marker);
    expect(await visibleInDlq()).toBe(1);
  });

  it('dlq list does not change what it lists: the next listing shows the same, receive counts included, and says what a listing changes', async () => {
    const again = await run(['dlq', 'list', '--provider', PROVIDER, '--local', '--json']);

    const data = JSON.parse(again.stdout) as { readEffect: string; messages: Record<string, unknown>[] };
    expect(firstListing).toHaveLength(1);
    expect(data.messages).toEqual(firstListing);
    expect(data.readEffect).toMatch(/^each listed message was received once \(SQS adds 1 to its ApproximateReceiveCount; the local SQS adds 2/);
    expect(await visibleInDlq()).toBe(1);
  });

  it('dlq list --show-body prints the body, after a warning on stderr that it is patient data', async () => {
    const listed = await ops(['dlq', 'list', '--provider', PROVIDER, '--local', '--show-body'], { env: oncall.env });

    expect(listed.code).toBe(0);
    expect(listed.stderr.split('\n')[0]).toBe(PHI_WARNING);
    expect(listed.stdout).toContain(marker);
    expect(listed.stdout).toContain(`--- body of `);
    expect(listed.stdout).not.toContain(poisoned.signature);
    expect(await visibleInDlq()).toBe(1);
  });

  it('dlq redrive --dry-run names what would move and moves nothing', async () => {
    const dry = await run(['dlq', 'redrive', '--provider', PROVIDER, '--local', '--dry-run', '--json']);

    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, approximateCount: 1, wouldMove: 1, messages: [{ dedupeKey: poisoned.dedupeKey, eventType: DRILL }] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await visibleInDlq()).toBe(1);
    expect(await aws.depth(queueUrl())).toBe(0);
  });

  it('dlq redrive while the processor still fails: watches, reports that the moved message came back to the DLQ, exits 1', async () => {
    const before = await aws.ledgerEntry(PROVIDER, poisoned.dedupeKey);

    const redriven = await run(['dlq', 'redrive', '--provider', PROVIDER, '--local']);

    expect(redriven.code).toBe(1);
    const [moved, watched, ...rest] = redriven.stdout.trim().split('\n');
    expect(moved).toBe(`redrive ${PROVIDER} (the local stack): moved 1 message from the DLQ to the queue (SQS message move task)`);
    expect(watched).toMatch(/^watched \d+ s: 1 of 1 moved message came back to the DLQ: the processor still fails it; fix the cause first/);
    expect(rest).toEqual([]);
    expect(redriven.stderr).toContain(`back: `);
    expect(redriven.stderr).toContain(poisoned.dedupeKey);
    expect(redriven.stderr).toMatch(/transient: retry budget of 1 s spent/);
    expect(redriven.stderr).toContain('ops dlq redrive: 1 moved message came back to the DLQ: the fault is still there');
    expect(redriven.stderr).not.toContain('turn processed');
    // It did go through the processor again, and failed again.
    expect(Number((await aws.ledgerEntry(PROVIDER, poisoned.dedupeKey))?.attempts?.N)).toBeGreaterThan(Number(before?.attempts?.N));
    await eventually('the message visible in the DLQ again', async () => ((await visibleInDlq()) === 1 ? true : undefined), 20_000, 50);
  });

  it('after the fix, dlq redrive (SQS move task) gets the event processed exactly once', async () => {
    const before = await aws.ledgerEntry(PROVIDER, poisoned.dedupeKey);
    await setDrill(oncall, '');

    const redriven = await run(['dlq', 'redrive', '--provider', PROVIDER, '--local']);

    expect(redriven.code).toBe(0);
    expect(redriven.stdout.trim().split('\n')).toEqual([
      `redrive ${PROVIDER} (the local stack): moved 1 message from the DLQ to the queue (SQS message move task)`,
      expect.stringMatching(/^watched \d+ s: 1 of 1 processed, none came back to the DLQ$/),
    ]);
    expect(redriven.stderr).toContain('started an SQS message move task');
    expect(redriven.stderr).toMatch(/moved 1 of 1 \(COMPLETED\)/);
    const entry = await eventually('processed', () => aws.entryWithStatus(PROVIDER, poisoned.dedupeKey, 'processed'));
    expect(Number(entry.attempts?.N)).toBe(Number(before?.attempts?.N) + 1);
    // Exactly once: nothing left anywhere, and still the same processing after a visibility timeout.
    await eventually('queues drained', async () => ((await aws.depth(queueUrl())) + (await aws.depth(dlqUrl())) === 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const after = await aws.ledgerEntry(PROVIDER, poisoned.dedupeKey);
    expect(after?.processedAt?.S).toBe(entry.processedAt?.S);
    expect(after?.attempts?.N).toBe(entry.attempts?.N);
    expect(outcomeLines(oncall.stack, 'processor', PROVIDER, DRILL, 'processed')).toHaveLength(1);
    expect(outcomeLines(oncall.stack, 'processor', PROVIDER, DRILL, 'duplicate delivery')).toHaveLength(0);
  });

  it('dlq redrive --max moves one message at a time by receive, send, delete; each event is processed once', async () => {
    await setDrill(oncall, DRILL);
    const first = await poison();
    const second = await poison();
    await setDrill(oncall, '');
    await eventually('both visible in the DLQ', async () => ((await visibleInDlq()) === 2 ? true : undefined), 20_000, 50);

    const one = await run(['dlq', 'redrive', '--provider', PROVIDER, '--local', '--max', '1']);

    expect(one.code).toBe(0);
    expect(one.stdout.trim().split('\n')).toEqual([
      `redrive ${PROVIDER} (the local stack): moved 1 message from the DLQ to the queue (receive, send, delete)`,
      expect.stringMatching(/^watched \d+ s: 1 of 1 processed, none came back to the DLQ$/),
    ]);
    expect(one.stderr).toContain('the DLQ held about 1 message right after the move');
    const processed = await eventually('one of them processed', async () => {
      const done = [];
      for (const r of [first, second]) if (await aws.entryWithStatus(PROVIDER, r.dedupeKey, 'processed')) done.push(r);
      return done.length === 1 ? done[0] : undefined;
    });
    const waiting = processed === first ? second : first;
    expect((await aws.ledgerEntry(PROVIDER, waiting.dedupeKey))?.status?.S).toBe('failed');

    const rest = await run(['dlq', 'redrive', '--provider', PROVIDER, '--local', '--json']);

    expect(rest.code).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ method: 'move-task', moved: 1, failed: 0, remaining: 0, watch: { tracked: 1, back: [], processed: 1, pending: 0 } });
    for (const r of [first, second]) {
      const entry = await eventually(`${r.dedupeKey} processed`, () => aws.entryWithStatus(PROVIDER, r.dedupeKey, 'processed'));
      expect(Number(entry.attempts?.N)).toBe(MAX_RECEIVE_COUNT + 1);
    }
    await eventually('queues drained', async () => ((await aws.depth(queueUrl())) + (await aws.depth(dlqUrl())) === 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(outcomeLines(oncall.stack, 'processor', PROVIDER, DRILL, 'processed')).toHaveLength(3);
    expect(outcomeLines(oncall.stack, 'processor', PROVIDER, DRILL, 'duplicate delivery')).toHaveLength(0);
  });

  it('an empty DLQ: list says so, redrive has nothing to do', async () => {
    const listed = await run(['dlq', 'list', '--provider', PROVIDER, '--local']);
    expect(listed).toMatchObject({ code: 0, stdout: `the dead-letter queue of ${PROVIDER} in the local stack is empty\n` });
    const redriven = await run(['dlq', 'redrive', '--provider', PROVIDER, '--local']);
    expect(redriven).toMatchObject({ code: 0, stdout: `the dead-letter queue of ${PROVIDER} in the local stack is empty: nothing to redrive\n` });
  });

  it('errors: unknown provider exits 2; a stopped local stack exits 1 with a clear message', async () => {
    const unknown = await ops(['dlq', 'list', '--provider', 'acme', '--local'], { env: oncall.env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toMatch(/^ops dlq list: unknown provider 'acme'; known providers: /);

    const nowhere = await ops(['dlq', 'redrive', '--provider', PROVIDER, '--local'], { env: { LOCAL_STATE_DIR: `${oncall.stateDir}-nothing-here` } });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/^ops dlq redrive: the local stack is not running \(no live .*runtime\.json\): start it with npm start\n$/);
  });

  // The synthetic canary (issue 14) on this same stack: `ops canary --local` runs the scheduled function's code once.
  it('ops canary --local: signs with the canary secret, posts, and sees its event received, enqueued and processed', async () => {
    const ran = await run(['canary', '--local']);
    expect(ran.code, ran.stderr).toBe(0);
    const [head, ...rows] = ran.stdout.trim().split('\n');
    expect(head).toMatch(/^HOP\s+RESULT\s+TIME\s+DETAIL$/);
    expect(rows.map((r) => r.split(/\s+/).slice(0, 2))).toEqual([['sign', 'ok'], ['post', 'ok'], ['received', 'ok'], ['enqueued', 'ok'], ['processed', 'ok']]);
    for (const row of rows) expect(row).toMatch(/\s\+\d+ ms\s/);
    expect(rows[1]).toMatch(/HTTP 202 .*\/webhooks\/canary\)$/);
    expect(ran.stderr).toMatch(/^canary passed in \d+ ms \(the local stack; ledger entry canary_\d+_[0-9a-f]+\)\n$/);
  });

  it('ops canary --local exits 1 naming the post hop when the verifier rejects the signature (a wrong secret)', async () => {
    const wrong = join(oncall.stateDir, 'wrong-canary.secret');
    writeFileSync(wrong, sensitive.add(generateSecret()), { mode: 0o600 });
    const ran = await run(['canary', '--local', '--secret-file', wrong]);
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/\npost\s+FAILED\s+\+\d+ ms\s+HTTP 401 /);
    expect(ran.stderr).toMatch(/^ops canary: failed at hop 'post': HTTP 401 .*the verifier rejected the signature/);
  });

  it('ops canary --local exits 1 naming the processed hop when the processor is drilled to fail', async () => {
    await setDrill(oncall, 'canary.ping');
    try {
      const ran = await run(['canary', '--local', '--wait', '30']);
      expect(ran.code).toBe(1);
      expect(ran.stdout).toMatch(/\nenqueued\s+ok\s.*\nprocessed\s+FAILED\s/);
      expect(ran.stderr).toMatch(/^ops canary: failed at hop 'processed': the processor gave up \(dead-lettered\): status failed, \d attempts?, last error: .*FailureDrillError/);
    } finally {
      await setDrill(oncall, '');
    }
  });

  it('ops events --status failed --since 1h finds exactly the failed ones; --type filters; --newest and --limit; ops status --local shows them', async () => {
    // Earlier tests left 3 drilled events, all processed by now: drill two more to fail, and send three that
    // succeed (another type: not drilled). The drill stays on until the end, for ops status to report it.
    await setDrill(oncall, DRILL);
    const failing = [await poison(), await poison()];
    const fine: SignedRequest[] = [];
    for (let i = 0; i < 3; i++) {
      const request = signedRequest(PROVIDER, oncall.secrets[PROVIDER]!.current, { eventType: 'drill.fine', note: sensitive.marker() });
      sensitive.add(request.signature);
      expect((await send(oncall.stack.url, request)).status).toBe(202);
      fine.push(request);
    }
    for (const r of fine) await eventually(`${r.dedupeKey} processed`, () => aws.entryWithStatus(PROVIDER, r.dedupeKey, 'processed'));
    const keys = (stdout: string) => (JSON.parse(stdout) as { dedupeKey: string }[]).map((e) => e.dedupeKey);

    const failed = await run(['events', '--provider', PROVIDER, '--local', '--status', 'failed', '--since', '1h', '--json']);
    expect(failed.code).toBe(0);
    expect(keys(failed.stdout).sort()).toEqual(failing.map((r) => r.dedupeKey).sort());
    expect((JSON.parse(failed.stdout) as Record<string, unknown>[]).every((e) => e['status'] === 'failed' && e['eventType'] === DRILL)).toBe(true);

    const table = await run(['events', '--provider', PROVIDER, '--local', '--status', 'failed', '--since', '1h']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^STATUS\s+EVENT TYPE\s+RECEIVED/);
    expect(table.stdout.trim().split('\n')).toHaveLength(3);
    expect(table.stderr).toMatch(/2 entries: 2 failed \(since \S+Z, status failed\)/);

    const drilled = await run(['events', '--provider', PROVIDER, '--local', '--type', DRILL, '--since', '1h', '--json']);
    const drilledEvents = JSON.parse(drilled.stdout) as { status: string; eventType: string }[];
    expect(drilledEvents.map((e) => e.status).sort()).toEqual(['failed', 'failed', 'processed', 'processed', 'processed']);
    expect(drilledEvents.every((e) => e.eventType === DRILL)).toBe(true);
    expect(keys((await run(['events', '--provider', PROVIDER, '--local', '--type', 'drill.fine', '--json'])).stdout)).toEqual(fine.map((r) => r.dedupeKey));

    const newest = await run(['events', '--provider', PROVIDER, '--local', '--newest', '--limit', '2', '--json']);
    expect(keys(newest.stdout)).toEqual([fine[2]!.dedupeKey, fine[1]!.dedupeKey]);
    expect(newest.stderr).toContain('more match: raise --limit (now 2)');
    const oldest = await run(['events', '--provider', PROVIDER, '--local', '--limit', '1', '--json']);
    expect(keys(oldest.stdout)).toEqual([poisoned.dedupeKey]);

    // ops status --local: the same hour from the ledger index, the two in the DLQ, the drill on.
    await eventually('both visible in the DLQ', async () => ((await visibleInDlq()) === 2 ? true : undefined), 20_000, 50);
    const status = await run(['status', '--local', '--json']);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as { where: string; drill: string | null; providers: Record<string, any>[]; stackAlarms: string[] };
    expect(report).toMatchObject({ where: 'the local stack', drill: DRILL, stackAlarms: [] });
    const row = report.providers.find((p) => p.provider === PROVIDER)!;
    expect(row).toMatchObject({ accepted1h: 8, failed1h: 2, dlq: { depth: 2 }, queue: { depth: 0 }, alarms: [], unavailable: [] });
    expect(row.dlq.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(row.secret.versions).toBeGreaterThanOrEqual(1);
    expect(report.providers.map((p) => p.provider)).toEqual(expect.arrayContaining(['sully', 'stripe']));

    const screen = await run(['status', '--local']);
    expect(screen.code).toBe(0);
    const lines = screen.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^status of the local stack at /);
    expect(lines[1]).toMatch(/^PROVIDER\s+ACCEPTED 1H\s+FAILED 1H\s+QUEUE\s+OLDEST\s+DLQ\s+DLQ OLDEST\s+SECRET\s+ALARMS$/);
    expect(lines.find((l) => l.startsWith(`${PROVIDER} `))).toMatch(new RegExp(`^${PROVIDER}\\s+8\\s+2\\s+0\\s+-\\s+2\\s+\\d+[smh]\\s+1 version`));
    expect(screen.stdout).toContain(`FAILURE DRILL ON: processors fail event types ${DRILL} on purpose`);
    expect(screen.stdout).toContain('alarms: no alarms locally');
    // No status line or listing holds a body or a signature (and the final test checks every output again).
    expect(sensitive.foundIn(status.stdout + screen.stdout + failed.stdout + table.stdout + newest.stdout)).toEqual([]);
  }, 120_000);

  it('never printed a body, signature or secret (ops output without --show-body, runner output, logs)', () => {
    expect(sensitive.foundIn(outputs.join('\n'))).toEqual([]);
    expect(sensitive.foundIn(oncall.everythingPrinted())).toEqual([]);
  });
});
