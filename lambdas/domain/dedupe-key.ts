/**
 * How dedupe keys stay distinct: the encoding of the values substituted into a dedupe key template, and
 * the fitting of long keys into the ledger's sort key.
 *
 * Encoding. Inside a substituted value, `%` and every character that occurs in the literal text of the
 * provider's dedupe key templates is written `%XX` (its ASCII code in upper-case hex), except that
 * a value at the very end of a template escapes `%` only. defineProvider guarantees that literal text is
 * printable ASCII without `%`, that two tokens are always separated by literal text, and that, when a
 * provider has several rules, each starts with `{type}` and literal text.
 *
 * Why two distinct inputs never give the same key. Read a rendered key from the left in atoms: `%`
 * with the two characters after it, or any other single character. Literal text has no `%`, and an
 * escaped value is a run of whole atoms, so the atoms fall exactly on the boundaries between literal
 * text and values. A value followed by literal text contains no single-character atom from the
 * literal alphabet L (all of the provider's literal characters: those are escaped), while the literal
 * after it starts with one, so the value ends at the first single-character atom from L. Each value
 * is thereby found in turn, the template's last value being what is left before the fixed literal
 * suffix, and decoding `%XX` restores it. With several rules, `{type}` comes first in every rule,
 * followed by literal text, and is escaped with the same L in all of them, so it is found before the
 * rule is known, and the type selects the rule. So the key determines the values: the encoding is
 * injective. Ordinary ids (evt_123, UUIDs, ISO times at the end of a key) contain none of the escaped
 * characters and read as they always did.
 *
 * Not covered: the fallback key of an unrecognized event, the body's SHA-256 in hex, is unmarked, so
 * a sender could give another event that hex as its id. Only the authenticated sender can, and it only
 * merges its own two events.
 */
import { createHash } from 'node:crypto';

/** DynamoDB's limit on a sort key, in UTF-8 bytes; the ledger's sort key is the dedupe key. */
export const MAX_DEDUPE_KEY_BYTES = 1024;

/**
 * Separates the kept prefix of a long key from the hash of the whole key. A rendered key never holds
 * `%` unless two hex digits follow it, so no rendered key can look like a fitted one.
 */
const FITTED_MARK = '%~';
const HASH_HEX = 64;
/** A UTF-16 code unit takes at most 3 UTF-8 bytes (a surrogate pair: 4 bytes for 2 units). */
const SURELY_FITS = Math.floor(MAX_DEDUPE_KEY_BYTES / 3);

/** The ASCII characters a value must escape, `%` always among them: 1 at a character's code. */
export type EscapeSet = Uint8Array;

export function escapeSet(characters: Iterable<string>): EscapeSet {
  const set = new Uint8Array(128);
  for (const c of ['%', ...characters]) set[c.charCodeAt(0)] = 1;
  return set;
}

/** `%` alone: for the value at the end of a template. */
export const PERCENT_ONLY = escapeSet([]);

/** The value with every character of `set` written `%XX`. A table scan: most values need nothing, and it costs less than a regex. */
export function escapeValue(value: string, set: EscapeSet): string {
  let out: string | undefined;
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 128 && set[code] === 1) {
      out = `${out ?? ''}${value.slice(from, i)}%${code.toString(16).toUpperCase().padStart(2, '0')}`;
      from = i + 1;
    }
  }
  return out === undefined ? value : out + value.slice(from);
}

/**
 * The key as the ledger can store it: unchanged when it fits in MAX_DEDUPE_KEY_BYTES, otherwise its
 * longest prefix that ends on a character boundary and leaves room for `%~` and the SHA-256 (hex) of
 * the whole key. Deterministic, so a redelivery finds the same entry; the hash keeps two long keys
 * that share a prefix apart.
 */
export function fitDedupeKey(key: string): string {
  if (key.length <= SURELY_FITS) return key;
  const bytes = Buffer.from(key, 'utf8');
  if (bytes.length <= MAX_DEDUPE_KEY_BYTES) return key;
  let end = MAX_DEDUPE_KEY_BYTES - FITTED_MARK.length - HASH_HEX;
  while ((bytes[end]! & 0xc0) === 0x80) end--; // a continuation byte: the character starts earlier
  const hash = createHash('sha256').update(bytes).digest('hex');
  return `${bytes.toString('utf8', 0, end)}${FITTED_MARK}${hash}`;
}
