/**
 * Per-container cache of each provider's signing keys: the AWSCURRENT and AWSPREVIOUS version stages of
 * its Secrets Manager secret, with HMAC keys derived once per fetch.
 *
 * Hand-written rather than Powertools Parameters: Parameters does not return the version's CreatedDate,
 * and the rotation grace window is measured from it.
 */
import type { KeyObject } from 'node:crypto';
import { deriveKey, SecretFormatError, type SigningKeys } from '../domain/keys.ts';
import type { Provider } from '../domain/provider.ts';

export type VersionStage = 'AWSCURRENT' | 'AWSPREVIOUS';

export interface SecretVersion {
  readonly value: string;
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
}

export interface SecretCacheOptions {
  readonly fetchVersion: FetchSecretVersion;
  readonly rotationGraceMs: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** At most one fetch per stage per this long. @default 5 minutes */
  readonly ttlMs?: number;
  /** At most one early refresh after a signature mismatch per provider per this long. @default 30 s */
  readonly earlyRefreshIntervalMs?: number;
  /** Told when a stored previous secret is unusable (it is then ignored). Gets no secret text. */
  readonly onUnusablePrevious?: (providerId: string, problem: string) => void;
}

interface Loaded {
  readonly fetchedAt: number;
  readonly current: KeyObject;
  readonly currentCreatedAt?: number;
  readonly previous?: KeyObject;
}

export class SecretCache {
  readonly #options: Required<Omit<SecretCacheOptions, 'onUnusablePrevious'>> & Pick<SecretCacheOptions, 'onUnusablePrevious'>;
  readonly #loaded = new Map<string, Loaded>();
  readonly #lastEarlyRefresh = new Map<string, number>();

  constructor(options: SecretCacheOptions) {
    this.#options = { now: () => Date.now(), ttlMs: 300_000, earlyRefreshIntervalMs: 30_000, ...options };
  }

  /** The keys to verify with; fetches both stages when the cached ones are older than the TTL. */
  async keysFor(provider: Provider, secretId: string): Promise<ProviderKeys> {
    const cached = this.#loaded.get(provider.id);
    const now = this.#options.now();
    const loaded = cached && now - cached.fetchedAt < this.#options.ttlMs ? cached : await this.#load(provider, secretId);
    return this.#select(loaded, now);
  }

  /**
   * After a signature mismatch: re-fetch at once so that a rotation takes effect immediately, but at most
   * once per interval per provider, so bad signatures cannot drive Secrets Manager calls. `undefined` when
   * a refresh happened too recently (the caller keeps its verdict).
   */
  async refreshAfterMismatch(provider: Provider, secretId: string): Promise<ProviderKeys | undefined> {
    const now = this.#options.now();
    const last = this.#lastEarlyRefresh.get(provider.id);
    if (last !== undefined && now - last < this.#options.earlyRefreshIntervalMs) return undefined;
    this.#lastEarlyRefresh.set(provider.id, now);
    return this.#select(await this.#load(provider, secretId), now);
  }

  #select(loaded: Loaded, now: number): ProviderKeys {
    if (!loaded.previous) return { keys: { current: loaded.current } };
    // No creation date means the window cannot be placed: fail closed and accept the current secret only.
    const graceEnds = loaded.currentCreatedAt === undefined ? -Infinity : loaded.currentCreatedAt + this.#options.rotationGraceMs;
    return now < graceEnds
      ? { keys: { current: loaded.current, previous: loaded.previous } }
      : { keys: { current: loaded.current }, previousAfterGrace: loaded.previous };
  }

  // Lambda runs one request per container at a time, so concurrent loads of one provider do not occur.
  async #load(provider: Provider, secretId: string): Promise<Loaded> {
    const [current, previous] = await Promise.all([
      this.#options.fetchVersion(secretId, 'AWSCURRENT'),
      this.#options.fetchVersion(secretId, 'AWSPREVIOUS'),
    ]);
    if (!current) throw new SecretUnavailableError(`${provider.id}: the secret has no AWSCURRENT value`);
    let currentKey: KeyObject;
    try {
      currentKey = deriveKey(provider, current.value, 'current secret');
    } catch (error) {
      if (error instanceof SecretFormatError) throw new SecretUnavailableError(error.message, { cause: error });
      throw error;
    }
    const loaded: Loaded = {
      fetchedAt: this.#options.now(),
      current: currentKey,
      ...(current.createdAt ? { currentCreatedAt: current.createdAt.getTime() } : {}),
      ...this.#previousKey(provider, previous),
    };
    this.#loaded.set(provider.id, loaded);
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
