/**
 * `ops replay`: puts one recorded event back on its provider's queue, rebuilt from its ledger entry and
 * the body kept in the claim-check bucket (the same envelope the verifier sends: lambdas/verifier/
 * enqueue.ts claimCheckMessage). Only claim-checked events can be replayed: a body that went inline in its
 * SQS message is kept nowhere else (the ledger holds no body by design). Replaying is idempotent: the
 * processor turns a ledger entry `processed` with a conditional update, once per event.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { signedTimestampText } from '../../lambdas/shared/ledger-keys.ts';
import { claimCheckMessage } from '../../lambdas/verifier/enqueue.ts';
import { parseOptions, UsageError } from '../args.ts';
import { ExitCode, type Command, type Io } from '../command.ts';
import { readLedgerRecord } from '../ledger.ts';
import { providerOperations } from '../../providers/operations.ts';
import { providerIds, requireProvider } from '../providers.ts';
import { failureMessage, NotFound, resolveTarget, targetChoice, targetHelp, TARGET_OPTIONS, whereOf } from '../stack.ts';
import { shown } from '../terminal.ts';

/** What the sender does when asked to resend (`providers/<id>/notes.ts`), for the "not replayable" message. */
const resendNote = (providerId: string): string | undefined => providerOperations.get(providerId)?.notes.resend;

const usage = `usage: ops replay --provider <id> --key <dedupe key> [--local | --stack <name> [--region <region>]] [--json]

Re-enqueues one recorded event on the provider's queue, rebuilt from its ledger entry (event type,
dedupe key, receipt time, signed timestamp where the sender signs one, body SHA-256) and its body in
the claim-check bucket (bodies larger than the claim-check threshold, 240 KiB by default, are kept
there for claimCheckRetentionDays). A body that travelled inline in its SQS message is kept nowhere
else, so such an event cannot be replayed from the stack: redrive it while it is in the DLQ (ops dlq
redrive), or ask the sender to resend it.

Replaying is idempotent: the processor turns the ledger entry 'processed' with a conditional update, so
an event that was processed already is not processed a second time (that delivery is counted as
DuplicateDelivery); an event that failed is processed now, once.

options:
  --provider <id>    ${providerIds().join(', ')}
  --key <dedupe key> the event's dedupe key (ops events and ops dlq list show it)
${targetHelp()}
  --json             the result as one JSON object
  -h, --help         show this help

exit codes: 0 re-enqueued; 1 no such ledger entry, no kept body (inline event or expired claim check),
event in flight, or the stack, queue or local stack was not found; 2 usage error

examples:
  npm run -s ops -- replay --provider stripe --key evt_1PqRsT --local
  AWS_PROFILE=prod npm run -s ops -- replay --provider sully --key 'note_generation.succeeded:note_42' --stack WebhookReceiver-prod`;

async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  const args = parseOptions(argv, { ...TARGET_OPTIONS, key: { type: 'string' }, json: { type: 'boolean' } }, ['provider', 'key']);
  const provider = requireProvider(args.required('provider'));
  const key = args.required('key');
  if (key === '' || key.length > 1024) throw new UsageError('--key must be a dedupe key of 1 to 1024 characters');
  const choice = targetChoice(args);
  const where = whereOf(choice);

  const clients: { destroy(): void }[] = [];
  try {
    const target = await resolveTarget(choice, provider.id);
    const dynamo = new DynamoDBClient(target.client('dynamodb'));
    clients.push(dynamo);
    const entry = await readLedgerRecord(dynamo, target.table, provider.id, key);
    if (!entry) {
      throw new NotFound(`no ledger entry for ${provider.id} with dedupe key '${key}' in ${target.where}: check the key (ops events --provider ${provider.id}${choice.local ? ' --local' : ''}); entries expire after ledgerRetentionDays`);
    }
    if (!entry.claimCheckKey) {
      const note = entry.status === 'received' ? ' (and it is still being received: its claim is in flight)' : '';
      throw new NotFound(`the body of ${provider.id} event '${key}' is not kept: it travelled inline in its SQS message (bodies under the claim-check threshold do), ` +
        `and the ledger stores no body${note}. If the message is in the DLQ, use ops dlq redrive --provider ${provider.id}${choice.local ? ' --local' : ''}; ` +
        `otherwise ask the sender: ${resendNote(provider.id) ?? 'resend it from the sender\'s side'}`);
    }
    if (!target.bucket) throw new NotFound(`${target.where} has no ClaimCheckBucketName output`);
    if (!entry.eventType || !entry.receivedAt || !entry.bodySha256) {
      throw new NotFound(`the ledger entry of '${key}' lacks ${['eventType', 'receivedAt', 'bodySha256'].filter((f) => !entry[f as keyof typeof entry]).join(', ')}: it cannot be rebuilt into an envelope`);
    }
    const s3 = new S3Client(target.client('s3'));
    clients.push(s3);
    try {
      await s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: entry.claimCheckKey }));
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'NotFound' || name === 'NoSuchKey' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
        throw new NotFound(`the claim-checked body of '${key}' is gone from the bucket (kept claimCheckRetentionDays days): it cannot be replayed; ask the sender: ${resendNote(provider.id) ?? 'resend it'}`);
      }
      throw error;
    }

    // The signed timestamp as the sender sent it, as the verifier's envelope carries it (suki's processor
    // orders state by it). Entries claimed before the ledger stored signedAt have none: the processor then
    // falls back to receivedAt.
    const unit = provider.timestamp?.unit;
    const signedTimestamp = entry.signedAt !== undefined && unit ? signedTimestampText(entry.signedAt, unit) : undefined;
    const message = claimCheckMessage({
      provider: provider.id,
      queueUrl: target.queueUrl,
      eventType: entry.eventType,
      dedupeKey: key,
      receivedAt: Date.parse(entry.receivedAt),
      ...(signedTimestamp !== undefined ? { signedTimestamp } : {}),
      bodySha256: entry.bodySha256,
      body: new Uint8Array(0), // the claim check carries the body; the message never does
    }, { bucket: target.bucket, key: entry.claimCheckKey });
    const sqs = new SQSClient(target.client('sqs'));
    clients.push(sqs);
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: message.body, MessageAttributes: message.attributes }));

    const processed = entry.status === 'processed';
    const consequence = processed
      ? `it was processed already (${entry.processedAt ?? 'earlier'}): the processor's conditional ledger update lets an event turn processed only once, ` +
        'so this delivery counts as DuplicateDelivery and the event is NOT processed twice (its handler repeats the same state write, which changes nothing)'
      : `its ledger status is ${entry.status ?? 'unknown'}: the processor processes it now, once (the ledger update is conditional, so any other copy of it, in the queue or the DLQ, cannot process it again)`;
    if (args.flag('json')) {
      io.out(JSON.stringify({
        provider: provider.id, where: target.where, dedupeKey: key, eventType: entry.eventType, ledgerStatus: entry.status ?? null,
        signedTimestamp: signedTimestamp ?? null,
        messageId: sent.MessageId ?? null, claimCheck: { bucket: target.bucket, key: entry.claimCheckKey }, alreadyProcessed: processed, consequence,
      }, null, 2));
    } else {
      io.out(`re-enqueued ${provider.id} ${shown(entry.eventType)} '${shown(key)}' from the claim-check store as message ${sent.MessageId ?? '?'} (${target.where})`);
      io.out(consequence);
      io.err(`follow it: ops events --provider ${provider.id}${choice.local ? ' --local' : ''}`);
    }
    return ExitCode.Ok;
  } catch (error) {
    io.err(`ops replay: ${failureMessage(error, where, choice.local, `the ledger, bucket or queue of ${provider.id}`)}`);
    return ExitCode.Negative;
  } finally {
    for (const client of clients) client.destroy();
  }
}

export const replay: Command = {
  name: 'replay',
  summary: 're-enqueue one recorded event from the claim-check store (idempotent)',
  usage,
  run,
};
