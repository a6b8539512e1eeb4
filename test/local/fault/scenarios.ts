/**
 * The fault scenarios of `npm run test:faults` (scenarios.faults.ts), each ≥ 1,000 events by default
 * (FAULT_EVENTS overrides). Fault windows are given as fractions of the events; every scenario ends with all
 * faults off, the senders' retries, and the queues drained (scenario.ts).
 */
import type { ScenarioSpec } from './support/scenario.ts';

export const EVENTS = Number(process.env['FAULT_EVENTS'] ?? 1000);
const at = (fraction: number) => Math.round(EVENTS * fraction);

/** Faster redelivery than the deploy's 6 × processor timeout, so failed messages come back within the run. */
const QUEUES = { LOCAL_VISIBILITY_TIMEOUT_SECONDS: '2', LOCAL_MAX_RECEIVE_COUNT: '5', LOCAL_RETRY_BUDGET_SECONDS: '10' };

export const SCENARIOS: readonly ScenarioSpec[] = [
  {
    name: 'dynamodb-unavailable',
    description: 'DynamoDB stand-in down (connections reset) for the verifier and the processors, for 40% of the events',
    events: EVENTS,
    concurrency: 16,
    stack: { env: { ...QUEUES, LOCAL_VERIFIER_CONCURRENCY: '8' } },
    // The verifier enqueues unclaimed while the ledger is down (LedgerBypass): no sender loses an event.
    everyEventAccepted: true,
    phases: [
      { atEvent: at(0.2), label: 'dynamodb down', faults: { dynamodb: 'down' } },
      { atEvent: at(0.6), label: 'dynamodb up', faults: { reset: true } },
    ],
  },
  {
    name: 'sqs-unavailable',
    description: 'SQS stand-in down (connections reset) for the verifier and the event sources, for 40% of the events',
    events: EVENTS,
    concurrency: 16,
    stack: { env: { ...QUEUES, LOCAL_VERIFIER_CONCURRENCY: '8' } },
    // SendMessage refused: the verifier spools the message to S3 (202) and the sweeper sends it once SQS is back.
    everyEventAccepted: true,
    phases: [
      { atEvent: at(0.2), label: 'sqs down', faults: { sqs: 'down' } },
      { atEvent: at(0.6), label: 'sqs up', faults: { reset: true } },
    ],
  },
  {
    name: 'sqs-slow',
    description: 'SendMessage slow: 4 s answers (in time), then held 12 s before SQS sees it (the verifier times out at 10 s: ' +
      'a hard crash after the claim), then stored at once but answered after 12 s (times out after the write)',
    events: EVENTS,
    concurrency: 48,
    stack: { env: { ...QUEUES, LOCAL_VERIFIER_CONCURRENCY: '48' } },
    phases: [
      { atEvent: at(0.1), label: '30% of SendMessage answered after 4 s', faults: { sqs: { mode: 'slow', scope: 'verifier', operations: ['SendMessage'], rate: 0.3, delayMs: 4_000, where: 'response' } } },
      { atEvent: at(0.3), label: '10% of SendMessage held 12 s, never stored', faults: { sqs: { mode: 'slow', scope: 'verifier', operations: ['SendMessage'], rate: 0.1, delayMs: 12_000, where: 'request' } } },
      { atEvent: at(0.5), label: '10% of SendMessage stored, answered after 12 s', faults: { sqs: { mode: 'slow', scope: 'verifier', operations: ['SendMessage'], rate: 0.1, delayMs: 12_000, where: 'response' } } },
      { atEvent: at(0.7), label: 'sqs up', faults: { reset: true } },
    ],
  },
  {
    name: 'secrets-manager-failing',
    description: 'GetSecretValue failing (HTTP 500, then connections reset) with every verifier environment restarted cold at each switch',
    events: EVENTS,
    concurrency: 16,
    stack: { env: { ...QUEUES, LOCAL_VERIFIER_CONCURRENCY: '8' } },
    phases: [
      { atEvent: at(0.2), label: 'secrets manager 500s, verifier cold', faults: { secretsmanager: 'error', recycle: 'verifier' } },
      { atEvent: at(0.4), label: 'secrets manager down, verifier cold', faults: { secretsmanager: 'down', recycle: 'verifier' } },
      { atEvent: at(0.6), label: 'secrets manager up', faults: { reset: true } },
    ],
  },
  {
    name: 'processors-throwing',
    description: 'half of the processors\' DynamoDB calls fail (HTTP 500, after the SDK\'s own retries): processors throw for a share of the events, SQS redelivers, some reach the DLQ',
    events: EVENTS,
    concurrency: 16,
    stack: { env: { ...QUEUES, LOCAL_VERIFIER_CONCURRENCY: '8' } },
    phases: [
      { atEvent: at(0.1), label: 'processor DynamoDB calls fail at 50%', faults: { dynamodb: { mode: 'error', scope: 'processor', rate: 0.5 } } },
      { atEvent: at(0.8), label: 'processor DynamoDB up', faults: { reset: true } },
    ],
  },
  {
    name: 'crash-between-claim-and-enqueue',
    description: 'SendMessage failing after the claim (claim released, 503), then the verifier crashing at SendMessage ' +
      '(every environment ended while the request is held: claims left \'received\' until the 30 s lease passes)',
    events: EVENTS,
    concurrency: 16,
    stack: { env: { ...QUEUES, LOCAL_VERIFIER_CONCURRENCY: '8' } },
    phases: [
      { atEvent: at(0.1), label: 'SendMessage fails (claim released)', faults: { sqs: { mode: 'error', scope: 'verifier', operations: ['SendMessage'] } } },
      { atEvent: at(0.3), label: 'up', faults: { reset: true } },
      { atEvent: at(0.4), label: 'verifier crashes at 5% of SendMessage', faults: { sqs: { mode: 'crash', scope: 'verifier', operations: ['SendMessage'], rate: 0.05 } } },
      { atEvent: at(0.7), label: 'up', faults: { reset: true } },
    ],
  },
];
