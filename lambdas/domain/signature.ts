/**
 * Signature verification: pure (headers, raw bytes, keys, clock in; verdict out), constant-time on
 * fixed-length buffers, strict about encodings, and without exceptions for control flow.
 */
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { getHeader, type Headers } from './headers.ts';
import type { SigningKeys } from './keys.ts';
import type { Provider, SignatureSpec } from './provider.ts';
import { reject, type Rejection } from './rejection.ts';

export interface SignatureOk {
  readonly ok: true;
  /** Which secret produced a matching signature. */
  readonly matched: 'current' | 'previous';
  /** The signed timestamp and message id, verbatim as received, when the scheme has them. */
  readonly timestamp?: string;
  readonly id?: string;
}

export type SignatureVerdict = SignatureOk | Rejection;

/** More signatures than this in one header is abuse, not rotation. */
export const MAX_SIGNATURES = 16;
const DIGEST_BYTES = 32;
const HEX_LOWER = /^[0-9a-f]{64}$/;
const HEX_ANY = /^[0-9a-fA-F]{64}$/;
// 32 bytes in canonical base64: 42 free characters, a 43rd whose two low bits are zero, one '='.
const BASE64_32 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const DIGITS = /^[0-9]{1,16}$/;

interface Parsed {
  readonly signatures: readonly Buffer[];
  readonly timestamp?: string;
}

function describe(spec: SignatureSpec): string {
  if (spec.encoding === 'base64') return 'base64 of 32 bytes (44 characters)';
  return spec.hexCase === 'any' ? '64 hex characters' : '64 lowercase hex characters';
}

/** Strictly decodes one signature; `Buffer.from(x, 'hex')` alone would stop silently at a bad char. */
function decodeSignature(spec: SignatureSpec, text: string): Buffer | undefined {
  if (spec.encoding === 'base64') return BASE64_32.test(text) ? Buffer.from(text, 'base64') : undefined;
  return (spec.hexCase === 'any' ? HEX_ANY : HEX_LOWER).test(text) ? Buffer.from(text, 'hex') : undefined;
}

function malformed(provider: Provider, detail: string): Rejection {
  return reject('malformed_header', `malformed header ${provider.signatureHeader}: ${detail}`);
}

function parsePlain(provider: Provider, value: string): Parsed | Rejection {
  const spec = provider.signature;
  const prefix = spec.prefix ?? '';
  if (!value.startsWith(prefix)) return malformed(provider, `expected prefix '${prefix}'`);
  const signature = decodeSignature(spec, value.slice(prefix.length));
  if (!signature) return malformed(provider, `signature must be ${describe(spec)}`);
  return { signatures: [signature] };
}

/** The header as Stripe and Sully send it outside a secret roll: one timestamp, one signature. */
const SINGLE_PAIR = /^t=([0-9]{1,16}),v1=([0-9a-f]{64})$/;

/** `t=<ts>,v1=<sig>[,v1=<sig>]`; other schemes (v0...) are ignored, as Stripe documents. */
function parsePairs(provider: Provider, value: string): Parsed | Rejection {
  const single = provider.signature.encoding === 'hex' ? SINGLE_PAIR.exec(value) : null;
  if (single) return { signatures: [Buffer.from(single[2]!, 'hex')], timestamp: single[1]! };
  const signatures: Buffer[] = [];
  let timestamp: string | undefined;
  for (const item of value.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) return malformed(provider, "expected comma-separated key=value pairs");
    const key = item.slice(0, eq).trim();
    const text = item.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined) return malformed(provider, 'more than one t=');
      timestamp = text;
    } else if (key === 'v1') {
      const signature = decodeSignature(provider.signature, text);
      if (!signature) return malformed(provider, `v1 signature ${signatures.length + 1} must be ${describe(provider.signature)}`);
      if (signatures.push(signature) > MAX_SIGNATURES) return malformed(provider, `more than ${MAX_SIGNATURES} signatures`);
    }
  }
  if (timestamp === undefined) return malformed(provider, 'no t= timestamp');
  if (signatures.length === 0) return malformed(provider, 'no v1= signature');
  return { signatures, timestamp };
}

/** The list as Standard Webhooks senders send it outside a secret roll: one base64 signature. */
const SINGLE_ITEM = /^v1,([A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)$/;

/** `v1,<sig> v1,<sig>`; other versions (v1a: asymmetric) are ignored, as the spec says. */
function parseList(provider: Provider, value: string): Parsed | Rejection {
  const single = provider.signature.encoding === 'base64' ? SINGLE_ITEM.exec(value) : null;
  if (single) return { signatures: [Buffer.from(single[1]!, 'base64')] };
  const signatures: Buffer[] = [];
  for (const item of value.split(' ')) {
    if (item === '') continue;
    const comma = item.indexOf(',');
    if (comma <= 0) return malformed(provider, 'expected space-separated version,signature items');
    if (item.slice(0, comma) !== 'v1') continue;
    const signature = decodeSignature(provider.signature, item.slice(comma + 1));
    if (!signature) return malformed(provider, `v1 signature ${signatures.length + 1} must be ${describe(provider.signature)}`);
    if (signatures.push(signature) > MAX_SIGNATURES) return malformed(provider, `more than ${MAX_SIGNATURES} signatures`);
  }
  if (signatures.length === 0) return malformed(provider, 'no v1 signature');
  return { signatures };
}

function parseSignatureHeader(provider: Provider, value: string): Parsed | Rejection {
  switch (provider.signature.format) {
    case 'plain':
      return parsePlain(provider, value);
    case 'pairs':
      return parsePairs(provider, value);
    case 'list':
      return parseList(provider, value);
  }
}

/** Two-sided tolerance check; returns a rejection or undefined when fresh. */
function checkTimestamp(provider: Provider, text: string, headerName: string, nowSeconds: number): Rejection | undefined {
  const spec = provider.timestamp;
  if (!spec) return undefined;
  if (!DIGITS.test(text)) {
    return reject('malformed_header', `malformed timestamp in ${headerName}: expected unix ${spec.unit === 'ms' ? 'milliseconds' : 'seconds'} as digits`);
  }
  const seconds = spec.unit === 'ms' ? Number(text) / 1000 : Number(text);
  const age = nowSeconds - seconds;
  const outside = Math.abs(age) - spec.toleranceSeconds;
  if (outside <= 0) return undefined;
  const when = age > 0 ? `${Math.ceil(age)} s old` : `${Math.ceil(-age)} s in the future`;
  return reject(
    'timestamp_out_of_tolerance',
    `timestamp outside tolerance by ${Math.ceil(outside)} s (${when}; tolerance ${spec.toleranceSeconds} s)`,
  );
}

function hmac(key: KeyObject, prefix: string, body: Uint8Array): Buffer {
  const mac = createHmac('sha256', key);
  if (prefix !== '') mac.update(prefix);
  return mac.update(body).digest();
}

/** The signed content before the body, from the compiled template's parts (no allocation but the string). */
function signedPrefix(provider: Provider, timestamp: string | undefined, id: string | undefined): string {
  let out = '';
  for (const part of provider.signedPrefix.parts) {
    if (part.kind === 'literal') out += part.text;
    else if (part.kind === 'timestamp') out += timestamp;
    else if (part.kind === 'id') out += id;
  }
  return out;
}

function matchesAny(digest: Buffer, signatures: readonly Buffer[]): boolean {
  let found = false;
  // Every candidate is compared, so timing does not reveal which position matched.
  for (const signature of signatures) {
    if (signature.length === DIGEST_BYTES && timingSafeEqual(digest, signature)) found = true;
  }
  return found;
}

/**
 * Verifies the signature over the exact raw bytes. Any signature in the header may match any key;
 * the previous key is tried only when the current one matches nothing.
 */
export function verifySignature(
  provider: Provider,
  headers: Headers,
  body: Uint8Array,
  keys: SigningKeys,
  nowSeconds: number,
): SignatureVerdict {
  const header = getHeader(headers, provider.signatureHeader);
  if (!header) return reject('missing_header', `missing header ${provider.signatureHeader}`);
  const parsed = parseSignatureHeader(provider, header);
  if ('ok' in parsed) return parsed;

  let timestamp = parsed.timestamp;
  if (provider.timestampHeader) {
    timestamp = getHeader(headers, provider.timestampHeader);
    if (!timestamp) return reject('missing_header', `missing header ${provider.timestampHeader}`);
  }
  if (timestamp !== undefined) {
    const stale = checkTimestamp(provider, timestamp, provider.timestampHeader ?? provider.signatureHeader, nowSeconds);
    if (stale) return stale;
  }
  let id: string | undefined;
  if (provider.idHeaderName) {
    id = getHeader(headers, provider.idHeaderName);
    if (!id) return reject('missing_header', `missing header ${provider.idHeaderName}`);
  }

  const prefix = signedPrefix(provider, timestamp, id);
  let matched: SignatureOk['matched'] | undefined;
  if (matchesAny(hmac(keys.current, prefix, body), parsed.signatures)) matched = 'current';
  else if (keys.previous && matchesAny(hmac(keys.previous, prefix, body), parsed.signatures)) matched = 'previous';
  if (matched) {
    // Built field by field: object spreads cost more than the HMAC's fixed overhead on small bodies.
    const ok: { ok: true; matched: SignatureOk['matched']; timestamp?: string; id?: string } = { ok: true, matched };
    if (timestamp !== undefined) ok.timestamp = timestamp;
    if (id !== undefined) ok.id = id;
    return ok;
  }
  const count = parsed.signatures.length;
  const tried = keys.previous ? 'the current or the previous secret' : 'the current secret (no previous secret is set)';
  return reject('signature_mismatch', `signature mismatch: ${count} signature${count === 1 ? '' : 's'} checked against ${tried}`);
}
