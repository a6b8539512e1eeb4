/**
 * The DLQ drill against the local stack (npm start's runner as a child process): a poisoned event reaches
 * the DLQ; `ops dlq list` shows it without its body (and with --show-body, after a PHI warning) and leaves
 * it there; once the processor is "fixed" (the runner's drill.json, since the local SQS keeps its queues in
 * memory), `ops dlq redrive` gets it processed exactly once, by SQS's move task and by receive-send-delete.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect(listed.stdout + listed.stderr).not.toContain(marker);
    expect(listed.stdout + listed.stderr).not.toContain('Synthetic');
    // Read, not consumed: visible again at once, not after the listing's visibility timeout.
    expect(await visibleInDlq()).toBe(1);
  });

  it('dlq list --json gives the same as data, with the ledger entry and no body', async () => {
    const listed = await run(['dlq', 'list', '--provider', PROVIDER, '--local', '--json']);

    expect(listed.code).toBe(0);
    const data = JSON.parse(listed.stdout) as { provider: string; approximateCount: number; messages: Record<string, any>[] };
    expect(data.provider).toBe(PROVIDER);
    expect(data.approximateCount).toBe(1);
    expect(data.messages).toHaveLength(1);
    const [message] = data.messages;
    expect(message).toMatchObject({ eventType: DRILL, dedupeKey: poisoned.dedupeKey, failureClass: 'transient', ledger: { status: 'failed', attempts: MAX_RECEIVE_COUNT, claimChecked: false } });
    expect(message!['failureReason']).toMatch(/^retry budget of 1 s spent .*FailureDrillError/);
    expect(message!['messageId']).toMatch(/^[0-9a-f-]{36}$/);
    expect(message!['receiveCount']).toBeGreaterThanOrEqual(1);
    expect(Date.parse(message!['firstFailureAt'])).toBeGreaterThan(Date.parse(message!['ledger'].receivedAt) - 1);
    expect(message).not.toHaveProperty('body');
    expect(listed.stdout).not.toContain(marker);
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

  it('after the fix, dlq redrive (SQS move task) gets the event processed exactly once', async () => {
    const before = await aws.ledgerEntry(PROVIDER, poisoned.dedupeKey);
    await setDrill(oncall, '');

    const redriven = await run(['dlq', 'redrive', '--provider', PROVIDER, '--local']);

    expect(redriven.code).toBe(0);
    expect(redriven.stdout.trim()).toBe(`redrive ${PROVIDER} (the local stack): moved 1 message from the DLQ to the queue (SQS message move task)`);
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
    expect(one.stdout.trim()).toBe(`redrive ${PROVIDER} (the local stack): moved 1 message from the DLQ to the queue (receive, send, delete)`);
    expect(one.stderr).toContain('the DLQ now holds about 1 message');
    const processed = await eventually('one of them processed', async () => {
      const done = [];
      for (const r of [first, second]) if (await aws.entryWithStatus(PROVIDER, r.dedupeKey, 'processed')) done.push(r);
      return done.length === 1 ? done[0] : undefined;
    });
    const waiting = processed === first ? second : first;
    expect((await aws.ledgerEntry(PROVIDER, waiting.dedupeKey))?.status?.S).toBe('failed');

    const rest = await run(['dlq', 'redrive', '--provider', PROVIDER, '--local', '--json']);

    expect(rest.code).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ method: 'move-task', moved: 1, failed: 0, remaining: 0 });
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

  it('never printed a body, signature or secret (ops output without --show-body, runner output, logs)', () => {
    expect(sensitive.foundIn(outputs.join('\n'))).toEqual([]);
    expect(sensitive.foundIn(oncall.everythingPrinted())).toEqual([]);
  });
});
