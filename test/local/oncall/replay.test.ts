/**
 * `ops replay --key` against the local stack: a processed claim-checked event is re-processed from the
 * archive (its line references the claim-check body), once per replay run (ledger `replays`); a claim-checked
 * event that failed is processed by its replay, once, and its copy redriven from the DLQ afterwards is not
 * processed again; an entry from before the archive whose body travelled inline, and an unknown key, are
 * refused with a clear message. Replay by time range: archive-replay.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { eventKey } from '../../../lambdas/contract/ledger-keys.ts';
import { eventually, LocalAws, MAX_RECEIVE_COUNT, ops, outcomeLines, send, Sensitive, setDrill, signedRequest, startOncallStack, type OncallStack, type Run } from './support.ts';

const PROVIDER = 'stripe';
const TYPE = 'invoice.paid';
const DRILL = 'drill.large';
/** Above the 240 KiB claim-check threshold: the body goes to the claim-check bucket. */
const LARGE = 300_000;
const sensitive = new Sensitive();

describe('ops replay (local stack)', () => {
  let oncall: OncallStack;
  let aws: LocalAws;
  const outputs: string[] = [];
  const run = async (args: string[]): Promise<Run> => {
    const result = await ops(args, { env: oncall.env });
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const queueUrl = () => oncall.stack.runtime.providers[PROVIDER]!.queueUrl;
  const dlqUrl = () => oncall.stack.runtime.providers[PROVIDER]!.deadLetterQueueUrl;
  const drained = () => eventually('queues drained', async () => ((await aws.depth(queueUrl())) + (await aws.depth(dlqUrl())) === 0 ? true : undefined));

  async function accepted(eventType: string, padBytes?: number) {
    const request = signedRequest(PROVIDER, oncall.secrets[PROVIDER]!.current, { eventType, note: sensitive.marker(), ...(padBytes ? { padBytes } : {}) });
    sensitive.add(request.signature);
    expect((await send(oncall.stack.url, request)).status).toBe(202);
    return request;
  }

  beforeAll(async () => {
    oncall = await startOncallStack({ prefix: 'oncall-replay-', sensitive });
    aws = new LocalAws(oncall.stack.runtime);
  }, 90_000);

  afterAll(async () => {
    aws?.destroy();
    await oncall?.stack.stop();
  });

  it('replaying a processed claim-checked event processes it again, once per replay run', async () => {
    const request = await accepted(TYPE, LARGE);
    const processed = await eventually('processed', () => aws.entryWithStatus(PROVIDER, request.dedupeKey, 'processed'));
    expect(processed.claimCheckKey?.S).toMatch(/^stripe\//);
    await drained();

    const replayed = await run(['replay', '--provider', PROVIDER, '--key', request.dedupeKey, '--local']);

    expect(replayed.code).toBe(0);
    const [first, second] = replayed.stdout.trim().split('\n');
    expect(first).toMatch(new RegExp(`^re-enqueued stripe invoice\\.paid '${request.dedupeKey}' from the archive as message \\S+ \\(the local stack\\), replay run r\\S+$`));
    expect(second).toMatch(/^it was processed already \(.+\): the replay marker makes the processor process it again, once for this run/);
    await eventually('the replay processed', async () => (outcomeLines(oncall.stack, 'processor', PROVIDER, TYPE, 'processed').length === 2 ? true : undefined));
    await drained();
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // longer than the visibility timeout
    const after = await aws.ledgerEntry(PROVIDER, request.dedupeKey);
    expect(after?.status?.S).toBe('processed');
    expect(after?.processedAt?.S).toBe(processed.processedAt?.S);
    expect(after?.replays?.N).toBe('1');
    expect(outcomeLines(oncall.stack, 'processor', PROVIDER, TYPE, 'processed')).toHaveLength(2);

    // Again, as data: a new run, processed once more.
    const json = await run(['replay', '--provider', PROVIDER, '--key', request.dedupeKey, '--local', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ provider: PROVIDER, dedupeKey: request.dedupeKey, eventType: TYPE, ledgerStatus: 'processed', alreadyProcessed: true, source: 'archive', archive: { key: processed.archiveKey?.S } });
    await eventually('the second replay processed', async () => ((await aws.ledgerEntry(PROVIDER, request.dedupeKey))?.replays?.N === '2' ? true : undefined));
    expect((await aws.ledgerEntry(PROVIDER, request.dedupeKey))?.processedAt?.S).toBe(processed.processedAt?.S);
  });

  it('replaying a claim-checked event that failed processes it once; its DLQ copy redriven later is a duplicate', async () => {
    await setDrill(oncall, DRILL);
    const request = await accepted(DRILL, LARGE);
    await eventually('failed and dead-lettered', async () => {
      const entry = await aws.entryWithStatus(PROVIDER, request.dedupeKey, 'failed');
      return entry && Number(entry.attempts?.N) >= MAX_RECEIVE_COUNT && (await aws.depth(queueUrl())) === 0 ? entry : undefined;
    });
    await setDrill(oncall, '');

    const replayed = await run(['replay', '--provider', PROVIDER, '--key', request.dedupeKey, '--local']);

    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain('its ledger status is failed: the processor processes it now, once');
    const processed = await eventually('processed by the replay', () => aws.entryWithStatus(PROVIDER, request.dedupeKey, 'processed'));
    expect(Number(processed.attempts?.N)).toBe(MAX_RECEIVE_COUNT + 1);

    const redriven = await run(['dlq', 'redrive', '--provider', PROVIDER, '--local']);
    expect(redriven.code).toBe(0);
    expect(redriven.stdout).toContain('moved 1 message');
    await eventually('the DLQ copy delivered', async () => (outcomeLines(oncall.stack, 'processor', PROVIDER, DRILL, 'duplicate delivery').length === 1 ? true : undefined));
    await drained();
    const after = await aws.ledgerEntry(PROVIDER, request.dedupeKey);
    expect(after?.processedAt?.S).toBe(processed.processedAt?.S);
    expect(after?.attempts?.N).toBe(processed.attempts?.N);
    expect(outcomeLines(oncall.stack, 'processor', PROVIDER, DRILL, 'processed')).toHaveLength(1);
  });

  it('an entry from before the archive whose body travelled inline cannot be replayed, and says why and what to do instead', async () => {
    const request = await accepted(TYPE);
    await eventually('processed', () => aws.entryWithStatus(PROVIDER, request.dedupeKey, 'processed'));
    // As an entry processed before the archive existed: no archive key.
    const { pk, sk } = eventKey(PROVIDER, request.dedupeKey);
    await aws.dynamodb.send(new UpdateItemCommand({ TableName: oncall.stack.runtime.table, Key: { pk: { S: pk }, sk: { S: sk } }, UpdateExpression: 'REMOVE archiveKey, archiveLine' }));

    const refused = await run(['replay', '--provider', PROVIDER, '--key', request.dedupeKey, '--local']);

    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(new RegExp(`^ops replay: the body of stripe event '${request.dedupeKey}' is not kept: it travelled inline in its SQS message`));
    expect(refused.stderr).toContain('ops dlq redrive --provider stripe --local');
    expect(refused.stderr).toContain('resend the event from the Stripe dashboard');
  });

  it('no such dedupe key: exit 1 with a clear message; unknown provider: exit 2', async () => {
    const missing = await run(['replay', '--provider', PROVIDER, '--key', 'evt_does_not_exist', '--local']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`ops replay: no ledger entry for stripe with dedupe key 'evt_does_not_exist' in the local stack: check the key (ops events --provider stripe --local); entries expire after ledgerRetentionDays\n`);

    const unknown = await run(['replay', '--provider', 'acme', '--key', 'x', '--local']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toMatch(/^ops replay: unknown provider 'acme'; known providers: /);
  });

  it('never printed a body, signature or secret (ops output, runner output, logs)', () => {
    expect(sensitive.foundIn(outputs.join('\n'))).toEqual([]);
    expect(sensitive.foundIn(oncall.everythingPrinted())).toEqual([]);
  });
});
