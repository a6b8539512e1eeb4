/**
 * One webhook request, start to answer: route → method → raw bytes → signature → ledger claim →
 * (claim check) → SendMessage → mark enqueued. A 2xx is answered only once the message is durable: sent, or,
 * when SendMessage fails, written to the spool (docs/architecture.md, "Spool") and the entry marked spooled.
 * Any AWS failure before that is a 503 so the sender retries. Dependencies come in, so tests can swap them.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHash } from 'node:crypto';
import type { VerifierMetricName } from '../contract/metrics.ts';
import type { Verified } from '../domain/verification.ts';
import { countSecretVersionMatch, errorFields, MetricUnit, type MetricsSink } from '../shared/observability.ts';
import type { ProviderRoute, VerifierConfig } from '../shared/runtime-config.ts';
import { spoolKey, type SpooledMessage } from '../shared/spool.ts';
import { authenticate } from './authenticate.ts';
import { SendFailed, type Enqueued, type Enqueuer, type EventToEnqueue } from './enqueue.ts';
import { answers, decodeBody, type Answer } from './http.ts';
import type { Claimed, ClaimLedger } from './claim-ledger.ts';
import { SecretUnavailableError, type SecretCache } from './secret-cache.ts';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];
type LogFields = Record<string, string | number | boolean | undefined>;

export interface ReceiverLogger {
  info(message: string, fields: LogFields): void;
  warn(message: string, fields: LogFields): void;
  error(message: string, fields: LogFields): void;
}

/** Writes one spooled message as the object `key` of the claim-check bucket (claim-check-store.ts). */
export type SpoolWriter = (key: string, spooled: SpooledMessage) => Promise<void>;

export interface ReceiverDeps {
  readonly config: Pick<VerifierConfig, 'providers' | 'maxBodyBytes' | 'replayProtectionDays'>;
  readonly secrets: SecretCache;
  readonly ledger: ClaimLedger;
  readonly enqueuer: Enqueuer;
  readonly spool: SpoolWriter;
  readonly metrics: MetricsSink;
  readonly logger: ReceiverLogger;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Facts about the request that may be logged: ids, types, sizes, outcomes. Never bodies, headers or secrets. */
interface Facts extends LogFields {
  provider?: string;
  outcome?: string;
  status?: number;
}

/** Where the event went: the queue, the spool, or nowhere (`error`: why, for the 503). */
type Delivery =
  | { readonly to: 'queue'; readonly enqueued: Enqueued }
  | { readonly to: 'spool'; readonly spoolKey: string }
  | { readonly to: 'nowhere'; readonly error: unknown };

/** The SDK's own error behind a failed send: errorFields keeps its name, status and request id. */
const rootCause = (error: unknown): unknown => (error instanceof SendFailed ? error.cause : error);

export function createReceiver(deps: ReceiverDeps): (event: APIGatewayProxyEventV2) => Promise<Answer> {
  const { config, metrics, logger } = deps;
  const now = deps.now ?? (() => Date.now());
  // Names are typed by the metrics contract: one nobody alarms on, or a typo, does not compile.
  const count = (name: VerifierMetricName, unit: Unit = MetricUnit.Count, value = 1) => metrics.addMetric(name, unit, value);

  function finish(facts: Facts, answer: Answer, metric?: VerifierMetricName): Answer {
    if (metric) count(metric);
    logger.info('webhook answered', { ...facts, status: answer.statusCode });
    return answer;
  }

  function unavailable(facts: Facts, stage: string, error: unknown): Answer {
    // Our own secret errors say what is wrong (missing, empty, malformed) and hold no secret text.
    const problem = error instanceof SecretUnavailableError ? error.message : undefined;
    logger.error(`${stage} failed`, { ...facts, stage, ...errorFields(rootCause(error)), problem });
    return finish({ ...facts, outcome: `${stage}-unavailable` }, answers.unavailable());
  }

  /** The event as the queue gets it; `unclaimed` when the ledger could not be reached (LedgerBypass). */
  function toEnqueue(route: ProviderRoute, verified: Verified, body: Buffer, at: number, bodySha256: string, unclaimed: boolean): EventToEnqueue {
    return {
      provider: route.provider.id,
      queueUrl: route.queueUrl,
      eventType: verified.eventType,
      dedupeKey: verified.dedupeKey,
      receivedAt: at,
      ...(verified.timestamp !== undefined ? { signedTimestamp: verified.timestamp } : {}),
      ...(verified.unrecognized !== undefined ? { unrecognized: verified.unrecognized } : {}),
      ...(unclaimed ? { unclaimed } : {}),
      bodySha256,
      body,
    };
  }

  /**
   * SendMessage; when it fails, the message exactly as it would have been sent goes to the spool, which the
   * sweeper drains into the queue once SQS answers again. `nowhere` only if the spool write fails too (or
   * the claim-check body could not be stored: the same bucket).
   */
  async function deliver(facts: Facts, event: EventToEnqueue): Promise<Delivery> {
    try {
      return { to: 'queue', enqueued: await deps.enqueuer.enqueue(event) };
    } catch (error) {
      count('EnqueueFailure');
      if (!(error instanceof SendFailed)) return { to: 'nowhere', error };
      const key = spoolKey(event.provider, event.receivedAt, event.dedupeKey);
      try {
        await deps.spool(key, { v: 1, queueUrl: error.queueUrl, body: error.outgoing.body, attributes: error.outgoing.attributes });
      } catch (spoolError) {
        logger.error('spooling failed', { ...facts, stage: 'spool', ...errorFields(spoolError) });
        return { to: 'nowhere', error };
      }
      logger.warn('queue unreachable: spooled', { ...facts, spoolKey: key, ...errorFields(error.cause) });
      count('Spooled');
      return { to: 'spool', spoolKey: key };
    }
  }

  async function releaseClaim(facts: Facts, claimed: Claimed): Promise<void> {
    try {
      const released = await deps.ledger.release(claimed.key, claimed.claimToken);
      if (!released) logger.warn('claim already gone when releasing it', facts);
    } catch (releaseError) {
      // The lease expires on its own: the sender's retry after it re-claims the event.
      logger.error('releasing the claim failed', { ...facts, ...errorFields(releaseError) });
    }
  }

  /** Log facts of a delivery: the message id (and claim check) of a sent message, or the spool key. */
  function deliveredFacts(facts: Facts, delivery: Delivery & { to: 'queue' | 'spool' }): Facts {
    return delivery.to === 'queue'
      ? { ...facts, messageId: delivery.enqueued.messageId, claimCheck: delivery.enqueued.claimCheckKey !== undefined }
      : { ...facts, spoolKey: delivery.spoolKey };
  }

  /** Moves the claim on to `enqueued` or `spooled`. If that write fails the message is durable anyway: 200. */
  async function markDelivered(facts: Facts, claimed: Claimed, delivery: Delivery & { to: 'queue' | 'spool' }): Promise<Answer> {
    const at = now();
    const done = { ...deliveredFacts(facts, delivery), claims: claimed.claims };
    const outcome = delivery.to === 'queue' ? 'accepted' : 'accepted-spooled';
    try {
      const marked = delivery.to === 'queue'
        ? await deps.ledger.markEnqueued(claimed, { ...delivery.enqueued, now: at })
        : await deps.ledger.markSpooled(claimed, { spoolKey: delivery.spoolKey, now: at });
      if (!marked) logger.info(`ledger entry moved on before marking it ${delivery.to === 'queue' ? 'enqueued' : 'spooled'}`, done);
      return finish({ ...done, outcome }, answers.accepted(), 'Accepted');
    } catch (error) {
      // The message is durable: the event is accepted, and the processor's mark completes the entry.
      logger.warn('marking the ledger entry failed', { ...done, ...errorFields(error) });
      return finish({ ...done, outcome: `${outcome}-unmarked` }, answers.accepted(200), 'Accepted');
    }
  }

  async function enqueueClaimed(facts: Facts, event: EventToEnqueue, claimed: Claimed): Promise<Answer> {
    const delivery = await deliver(facts, event);
    if (delivery.to !== 'nowhere') return markDelivered(facts, claimed, delivery);
    await releaseClaim(facts, claimed);
    return unavailable(facts, 'enqueue', delivery.error);
  }

  /**
   * The ledger could not be reached (a service error or timeout, not a conditional failure). Senders that
   * never retry (Suki, SOAPNoteAPI, GitHub) would lose the event to a 503, so it is enqueued (or spooled)
   * without a claim: the processor's conditional "processed" mark creates or completes the entry, so a
   * duplicate delivery is still marked processed once. Only when the queue and the spool both fail is the
   * answer 503.
   */
  async function enqueueUnclaimed(facts: Facts, event: EventToEnqueue, ledgerError: unknown): Promise<Answer> {
    logger.warn('ledger unreachable: enqueueing without a claim', { ...facts, ...errorFields(ledgerError) });
    const delivery = await deliver(facts, event);
    if (delivery.to === 'nowhere') {
      logger.error('ledger claim failed', { ...facts, stage: 'ledger', ...errorFields(ledgerError) });
      return unavailable(facts, 'enqueue', delivery.error);
    }
    count('LedgerBypass');
    return finish({ ...deliveredFacts(facts, delivery), outcome: delivery.to === 'queue' ? 'accepted-unclaimed' : 'accepted-unclaimed-spooled' }, answers.accepted(), 'Accepted');
  }

  return async function receive(event) {
    const at = now();
    const id = providerOf(event);
    const route = config.providers.get(id);
    if (!route) return finish({ route: id.slice(0, 64), outcome: 'unknown-provider' }, answers.unknownProvider());
    metrics.addDimension('provider', id);
    const facts: Facts = { provider: id };

    // The provider's sender allowlist, before anything costs a call (allowedSourceCidrs; unset: anyone).
    if (route.sourceAllowed && !route.sourceAllowed(event.requestContext?.http?.sourceIp ?? '')) {
      return finish({ ...facts, outcome: 'source-not-allowed' }, answers.sourceNotAllowed(), 'SourceNotAllowed');
    }
    if (event.requestContext?.http?.method !== 'POST') {
      return finish({ ...facts, outcome: 'method-not-allowed' }, answers.methodNotAllowed(), 'BadRequest');
    }
    const decoded = decodeBody(event, config.maxBodyBytes);
    if (!decoded.ok) return finish({ ...facts, outcome: decoded.why }, decoded.answer, 'BadRequest');
    const body = decoded.bytes;
    facts.bodyBytes = body.length;
    count('BodyBytes', MetricUnit.Bytes, body.length);

    let auth;
    try {
      auth = await authenticate(route, event.headers ?? {}, body, at / 1000, deps.secrets);
    } catch (error) {
      return unavailable(facts, 'secret', error);
    }
    const { verdict } = auth;
    if (!verdict.ok) {
      if (auth.previousAfterGrace) count('PreviousSecretAfterGrace');
      const rejected = { ...facts, outcome: 'rejected', code: verdict.code, reason: verdict.reason, previousSecretAfterGrace: auth.previousAfterGrace };
      return finish(rejected, answers.rejected(verdict), 'SignatureFailure');
    }
    count(verdict.matched === 'current' ? 'SecretCurrentMatched' : 'SecretPreviousMatched');
    // `matched` is the stage in this container's cache; `secretVersionId` is which secret it was (authenticate.ts).
    if (auth.secretVersionId) countSecretVersionMatch(metrics, id, auth.secretVersionId);
    Object.assign(facts, { eventType: verdict.eventType, dedupeKey: verdict.dedupeKey, matched: verdict.matched, secretVersionId: auth.secretVersionId });
    if (verdict.unrecognized !== undefined) {
      // Authenticated but of a shape we cannot read: accepted all the same (a 4xx would make the sender give
      // up or lose it), and dead-lettered by the processor with this reason (runbook: UnrecognizedEvent).
      count('UnrecognizedEvent');
      facts.unrecognized = verdict.unrecognized;
    }

    const bodySha256 = createHash('sha256').update(body).digest('hex');
    let claim;
    try {
      claim = await deps.ledger.claim({
        provider: id,
        dedupeKey: verdict.dedupeKey,
        eventType: verdict.eventType,
        bodySha256,
        bodyBytes: body.length,
        now: at,
        // Kept so that `ops replay` can restore the event's signed time (ledger `signedAt`).
        signedTimestamp: verdict.timestamp,
        timestampUnit: route.provider.timestamp?.unit,
        // Without a signed timestamp, only this entry refuses a replay: keep it for the replay horizon.
        keepDays: route.provider.timestamp ? undefined : config.replayProtectionDays,
        unrecognized: verdict.unrecognized,
      });
    } catch (error) {
      return enqueueUnclaimed(facts, toEnqueue(route, verdict, body, at, bodySha256, true), error);
    }
    if (claim.conflict) {
      count('DedupeConflict');
      logger.warn('same dedupe key, different body', { ...facts, claim: claim.outcome });
      if (claim.outcome !== 'claimed') {
        await deps.ledger.countConflict(claim.key).catch((error: unknown) => logger.warn('counting the conflict failed', { ...facts, ...errorFields(error) }));
      }
    }
    if (claim.outcome !== 'claimed') {
      return claim.outcome === 'duplicate'
        ? finish({ ...facts, outcome: 'duplicate' }, answers.duplicate(), 'Duplicate')
        : finish({ ...facts, outcome: 'in-flight' }, answers.inFlight(), 'InFlight');
    }
    return enqueueClaimed(facts, toEnqueue(route, verdict, body, at, bodySha256, false), claim);
  };
}

const ROUTE_PREFIX = 'POST /webhooks/';

/**
 * The provider id: from the literal route key the stack deploys (`POST /webhooks/sully`), or from a
 * `{provider}` path parameter where a front door routes with one (tests, other gateways).
 */
export function providerOf(event: { routeKey?: string; pathParameters?: Record<string, string | undefined> }): string {
  const fromPath = event.pathParameters?.provider;
  if (fromPath !== undefined) return fromPath;
  const routeKey = event.routeKey ?? '';
  return routeKey.startsWith(ROUTE_PREFIX) ? routeKey.slice(ROUTE_PREFIX.length) : '';
}
