/**
 * Per-container cache of each provider's signing keys: the AWSCURRENT and AWSPREVIOUS version stages of
 * its Secrets Manager secret, with HMAC keys derived once per fetch.
 *
 * Hand-written rather than Powertools Parameters: Parameters does not return the version's CreatedDate,
 * and the rotation grace window is measured from it.
 *
 * What is cached: usable keys for `ttlMs`, and an unusable current secret (a value the provider's key
 * derivation refuses: an operator error, answered 503 so that it pages) for `earlyRefreshIntervalMs`, so
 * that neither costs Secrets Manager calls per request and a fix (`ops secret set`) is seen within that
 * interval. Never cached: Secrets Manager failures (network, 5xx, throttling) and a missing AWSCURRENT.
 * Remembering a failure turns away requests after the recovery, which senders that never retry lose
 * (docs/performance.md, "Under faults and bad input"); every request asks again.
 */
import type { KeyObject } from 'node:crypto';
import { deriveKey, SecretFormatError, type SigningKeys } from '../domain/keys.ts';
import type { Provider } from '../domain/provider.ts';

export type VersionStage = 'AWSCURRENT' | 'AWSPREVIOUS';

/**
 * How long a fetched secret is used before it is fetched again (the default `ttlMs`). Exported because
 * `ops secret status|retire` rely on it: a rotation is seen by every warm verifier at most this long after
 * it, and only matches after that say which secret the sender signs with (ops/commands/secret.ts).
 */
export const SECRET_CACHE_TTL_MS = 300_000;

export interface SecretVersion {
  readonly value: string;
  /** Secrets Manager's VersionId: what a match is attributed to (a stage label moves at a rotation, this does not). */
  readonly versionId?: string;
  /** When this version was created; the grace window of the previous secret starts at the current's. */
  readonly createdAt?: Date;
}

/** Reads one version stage; resolves `undefined` when the stage does not exist (no rotation yet). */
export type FetchSecretVersion = (secretId: string, stage: VersionStage) => Promise<SecretVersion | undefined>;

/** The current secret is missing, empty or unusable: the request cannot be judged (503). */
export class SecretUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretUnavailableError';
  }
}

export interface ProviderKeys {
  /** What verification may accept: the current key, and the previous one within its grace window. */
  readonly keys: SigningKeys;
  /** The previous key after its grace window: never accepted, kept to detect and count its use. */
  readonly previousAfterGrace?: KeyObject;
  /** This call read Secrets Manager: the keys are as new as an early refresh would make them. */
  readonly fetched?: boolean;
  /**
   * The Secrets Manager VersionId of `keys.current` and of the previous key (`keys.previous` or
   * `previousAfterGrace`), as fetched: a cached `current` can be the version a rotation has since made
   * AWSPREVIOUS, so a match is reported by version id, never by stage alone.
   */
  readonly versionIds?: { readonly current?: string; readonly previous?: string };
}

export interface SecretCacheOptions {
  readonly fetchVersion: FetchSecretVersion;
  readonly rotationGraceMs: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** At most one fetch per stage per this long. @default SECRET_CACHE_TTL_MS (5 minutes) */
  readonly ttlMs?: number;
  /**
   * At most one early refresh after a signature mismatch per provider per this long; also how long an
   * unusable current secret is remembered. @default 30 s
   */
  readonly earlyRefreshIntervalMs?: number;
  /** Told when a stored previous secret is unusable (it is then ignored). Gets no secret text. */
  readonly onUnusablePrevious?: (providerId: string, problem: string) => void;
}

interface Loaded {
  readonly fetchedAt: number;
  readonly current: KeyObject;
  readonly currentCreatedAt?: number;
  readonly previous?: KeyObject;
  readonly versionIds: { readonly current?: string; readonly previous?: string };
}

/** A current secret that was read but cannot be a key (empty, binary, not the provider's format). */
interface Unusable {
  readonly fetchedAt: number;
  readonly unusable: SecretUnavailableError;
}

type Entry = Loaded | Unusable;

export class SecretCache {
  readonly #options: Required<Omit<SecretCacheOptions, 'onUnusablePrevious'>> & Pick<SecretCacheOptions, 'onUnusablePrevious'>;
  readonly #entries = new Map<string, Entry>();
  readonly #lastEarlyRefresh = new Map<string, number>();

  constructor(options: SecretCacheOptions) {
    this.#options = { now: () => Date.now(), ttlMs: SECRET_CACHE_TTL_MS, earlyRefreshIntervalMs: 30_000, ...options };
  }

  /**
   * The keys to verify with; fetches both stages when the cached ones are older than the TTL (an unusable
   * current secret: older than the early-refresh interval). Throws SecretUnavailableError, cached or not,
   * while the current secret is unusable.
   */
  async keysFor(provider: Provider, secretId: string): Promise<ProviderKeys> {
    const cached = this.#entries.get(provider.id);
    const now = this.#options.now();
    if (cached && now - cached.fetchedAt < this.#lifetime(cached)) return this.#select(cached, now, false);
    return this.#select(await this.#load(provider, secretId), now, true);
  }

  /**
   * After a signature mismatch: re-fetch at once so that a rotation takes effect immediately, but at most
   * once per interval per provider, so bad signatures cannot drive Secrets Manager calls. `undefined` when
   * a refresh happened too recently (the caller keeps its verdict), or when `inHand` was fetched by this
   * very request: a second read could find nothing newer, so that fetch counts as the interval's refresh.
   */
  async refreshAfterMismatch(provider: Provider, secretId: string, inHand?: ProviderKeys): Promise<ProviderKeys | undefined> {
    const now = this.#options.now();
    const last = this.#lastEarlyRefresh.get(provider.id);
    if (last !== undefined && now - last < this.#options.earlyRefreshIntervalMs) return undefined;
    this.#lastEarlyRefresh.set(provider.id, now);
    if (inHand?.fetched) return undefined;
    return this.#select(await this.#load(provider, secretId), now, true);
  }

  #lifetime(entry: Entry): number {
    return 'unusable' in entry ? Math.min(this.#options.ttlMs, this.#options.earlyRefreshIntervalMs) : this.#options.ttlMs;
  }

  #select(entry: Entry, now: number, fetched: boolean): ProviderKeys {
    // A fresh error per request (same message), so that no caller sees another request's stack.
    if ('unusable' in entry) throw new SecretUnavailableError(entry.unusable.message, { cause: entry.unusable.cause });
    const loaded = entry;
    const flag = { ...(fetched ? { fetched } : {}), versionIds: loaded.versionIds };
    if (!loaded.previous) return { keys: { current: loaded.current }, ...flag };
    // No creation date means the window cannot be placed: fail closed and accept the current secret only.
    const graceEnds = loaded.currentCreatedAt === undefined ? -Infinity : loaded.currentCreatedAt + this.#options.rotationGraceMs;
    return now < graceEnds
      ? { keys: { current: loaded.current, previous: loaded.previous }, ...flag }
      : { keys: { current: loaded.current }, previousAfterGrace: loaded.previous, ...flag };
  }

  // Lambda runs one request per container at a time, so concurrent loads of one provider do not occur.
  async #load(provider: Provider, secretId: string): Promise<Entry> {
    const [current, previous] = await Promise.all([
      this.#options.fetchVersion(secretId, 'AWSCURRENT'),
      this.#options.fetchVersion(secretId, 'AWSPREVIOUS'),
    ]);
    // Not cached: Secrets Manager says the stage (or the secret) does not exist, which a recovering or
    // just-created secret may still say; asked again on every request, like a Secrets Manager failure.
    if (!current) throw new SecretUnavailableError(`${provider.id}: the secret has no AWSCURRENT value`);
    let currentKey: KeyObject;
    try {
      currentKey = deriveKey(provider, current.value, 'current secret');
    } catch (error) {
      if (!(error instanceof SecretFormatError)) throw error;
      // Cached: the value was read and is wrong, and stays wrong until an operator stores another one.
      const unusable: Unusable = { fetchedAt: this.#options.now(), unusable: new SecretUnavailableError(error.message, { cause: error }) };
      this.#entries.set(provider.id, unusable);
      return unusable;
    }
    const previousKey = this.#previousKey(provider, previous);
    const loaded: Loaded = {
      fetchedAt: this.#options.now(),
      current: currentKey,
      ...(current.createdAt ? { currentCreatedAt: current.createdAt.getTime() } : {}),
      ...previousKey,
      // Only the ids of keys actually held: an unusable previous secret is ignored, and so is its id.
      versionIds: {
        ...(current.versionId ? { current: current.versionId } : {}),
        ...(previousKey.previous && previous?.versionId ? { previous: previous.versionId } : {}),
      },
    };
    this.#entries.set(provider.id, loaded);
    return loaded;
  }

  #previousKey(provider: Provider, previous: SecretVersion | undefined): { previous?: KeyObject } {
    if (!previous || previous.value === '') return {};
    try {
      return { previous: deriveKey(provider, previous.value, 'previous secret') };
    } catch (error) {
      if (!(error instanceof SecretFormatError)) throw error;
      this.#options.onUnusablePrevious?.(provider.id, error.message);
      return {};
    }
  }
}
