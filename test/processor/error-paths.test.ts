/**
 * Error paths that the stand-ins cannot produce on demand (throttling), with aws-sdk-client-mock on the
 * DynamoDB client the real handler module builds.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventKey } from '../../lambdas/contract/ledger-keys.ts';
import { envelopeFor, lambdaContext, recordFor, sqsEvent } from './support/lambda.ts';
import { loadProcessorHandler, processorEnv, type ProcessorHandler } from './support/load-handler.ts';
import { captureOutput, type CapturedOutput } from './support/output.ts';

const dynamodb = mockClient(DynamoDBClient);
let handler: ProcessorHandler;
let output: CapturedOutput;

const throttled = () => new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400, requestId: 'req-1' } });
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/** A SOAPNoteAPI note.generated event (one state write, then the ledger mark). */
function noteEvent(noteId: string) {
  const body = JSON.stringify({ event: 'note.generated', note_id: noteId, status: 'completed', created_at: '2026-03-19T15:30:00.000Z' });
  return envelopeFor({ provider: 'soapnoteapi', eventType: 'note.generated', dedupeKey: `note.generated:${noteId}`, body });
}

const ledgerKeyOf = (dedupeKey: string) => {
  const { pk, sk } = eventKey('soapnoteapi', dedupeKey);
  return { pk: { S: pk }, sk: { S: sk } };
};
const isLedgerWrite = (input: UpdateItemCommandInput, status: 'processed' | 'failed') =>
  input.Key?.['pk']?.S?.startsWith('EVT#') === true && input.ExpressionAttributeValues?.[`:${status}`] !== undefined &&
  input.UpdateExpression?.startsWith(`SET #status = :${status}`) === true;

beforeAll(async () => {
  handler = await loadProcessorHandler(processorEnv({ provider: 'soapnoteapi', table: 'ledger', dynamodbEndpoint: 'http://127.0.0.1:9' }));
});

afterEach(() => {
  dynamodb.reset();
  output?.restore();
});

afterAll(() => {
  dynamodb.restore();
  vi.unstubAllEnvs();
});

describe('processor error paths', () => {
  it('fails the record when the ledger update is throttled, and still tries to mark it failed', async () => {
    // Prepare: the throttled event's ledger writes fail; the other event goes through
    output = captureOutput();
    const blocked = noteEvent('note-throttled');
    const fine = noteEvent('note-fine');
    dynamodb.on(UpdateItemCommand).resolves({});
    dynamodb.on(UpdateItemCommand, { Key: ledgerKeyOf(blocked.dedupeKey) }).rejects(throttled());

    // Act
    const response = await handler(sqsEvent(recordFor(blocked, { messageId: 'm-blocked' }), recordFor(fine, { messageId: 'm-fine' })), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-blocked' }]);
    const blockedLedgerWrites = dynamodb
      .commandCalls(UpdateItemCommand)
      .map((call) => call.args[0].input)
      .filter((input) => input.Key?.['sk']?.S === blocked.dedupeKey);
    expect(blockedLedgerWrites.map((input) => (isLedgerWrite(input, 'processed') ? 'processed' : isLedgerWrite(input, 'failed') ? 'failed' : 'other')))
      .toEqual(['processed', 'failed']);
    expect(blockedLedgerWrites[1]?.ExpressionAttributeValues?.[':lastError']).toEqual({ S: 'ProvisionedThroughputExceededException' });
    expect(output.metricCounts()).toMatchObject({ Processed: 1, ProcessingFailure: 1 });
    const failure = output.logEntries().find((entry) => entry['message'] === 'event processing failed');
    expect(failure).toMatchObject({ messageId: 'm-blocked', dedupeKey: blocked.dedupeKey, error: 'ProvisionedThroughputExceededException' });
    expect(JSON.stringify(failure)).not.toContain('Rate exceeded');
    expect(output.logEntries().some((entry) => entry['message'] === 'could not mark the ledger entry failed')).toBe(true);
  });

  it('fails the record when the state write is throttled, recording the cause in the ledger', async () => {
    // Prepare
    output = captureOutput();
    const event = noteEvent('note-state-throttled');
    dynamodb.on(UpdateItemCommand).resolves({});
    dynamodb.on(UpdateItemCommand, { Key: { pk: { S: 'STATE#soapnoteapi#note' } } }).rejects(throttled());

    // Act
    const run = handler(sqsEvent(recordFor(event)), lambdaContext());

    // Assess: the only record failed, so the whole batch is reported by throwing (SQS retries it)
    await expect(run).rejects.toThrow(/All records failed/);
    const ledgerInputs = dynamodb.commandCalls(UpdateItemCommand).map((call) => call.args[0].input).filter((input) => input.Key?.['pk']?.S?.startsWith('EVT#'));
    expect(ledgerInputs).toHaveLength(1);
    expect(isLedgerWrite(ledgerInputs[0]!, 'failed')).toBe(true);
    expect(output.metricCounts()).toEqual({ ProcessingFailure: 1 });
  });

  it('does not fail a record whose event another delivery processed meanwhile', async () => {
    // Prepare: state write throttled, but the failed-mark finds the entry already processed
    output = captureOutput();
    const event = noteEvent('note-raced');
    dynamodb.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => {
      if (input.Key?.['pk']?.S?.startsWith('STATE#')) throw throttled();
      if (isLedgerWrite(input, 'failed')) throw conditionFailed();
      return {};
    });

    // Act
    const response = await handler(sqsEvent(recordFor(event)), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(output.metricCounts()).toEqual({ DuplicateDelivery: 1 });
  });
});
