/**
 * Signature verification with the cached keys, plus the two rotation rules: after a mismatch the keys are
 * re-fetched once (rate-limited by the cache; not when this request has just fetched them) and the request
 * re-verified, so a rotation takes effect at once; a request signed with the previous secret after its
 * grace window is rejected and reported. A match is attributed to the Secrets Manager version whose key
 * matched: after a rotation a warm verifier's cached "current" key is the version now staged AWSPREVIOUS, so
 * the stage it matched in this container says nothing about which secret the sender signs with.
 */
import type { Headers } from '../domain/headers.ts';
import { verify, type Verdict } from '../domain/verification.ts';
import type { ProviderRoute } from '../shared/runtime-config.ts';
import type { SecretCache } from './secret-cache.ts';

export interface Authentication {
  readonly verdict: Verdict;
  /** The signature matched the previous secret after its grace window (the verdict is a rejection). */
  readonly previousAfterGrace: boolean;
  /** The VersionId of the secret whose key matched (a passing verdict; undefined where the store gave none). */
  readonly secretVersionId?: string;
}

const isMismatch = (verdict: Verdict): boolean => !verdict.ok && verdict.code === 'signature_mismatch';

export async function authenticate(
  route: ProviderRoute,
  headers: Headers,
  body: Uint8Array,
  nowSeconds: number,
  secrets: SecretCache,
): Promise<Authentication> {
  const { provider, secretArn } = route;
  let keys = await secrets.keysFor(provider, secretArn);
  let verdict = verify(provider, headers, body, keys.keys, nowSeconds);
  if (isMismatch(verdict)) {
    // Keys this request has just fetched are not fetched again (refreshAfterMismatch says so).
    const refreshed = await secrets.refreshAfterMismatch(provider, secretArn, keys);
    if (refreshed) {
      keys = refreshed;
      verdict = verify(provider, headers, body, keys.keys, nowSeconds);
    }
  }
  if (isMismatch(verdict) && keys.previousAfterGrace) {
    const late = verify(provider, headers, body, { current: keys.previousAfterGrace }, nowSeconds);
    return { verdict, previousAfterGrace: late.ok };
  }
  const secretVersionId = verdict.ok ? keys.versionIds?.[verdict.matched] : undefined;
  return { verdict, previousAfterGrace: false, ...(secretVersionId ? { secretVersionId } : {}) };
}
