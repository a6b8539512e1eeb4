/**
 * A seeded generator of malformed webhook requests: every request it makes must be refused (4xx) by a
 * correct receiver. Five kinds:
 *
 * - `mutated`: a correctly signed sample event with at least one mutation that invalidates it (a body
 *   byte, the signature, the signed timestamp, the method, the path), plus optional noise that must not
 *   matter (extra headers, content types, encodings, query strings). Noise never re-adds a valid signature,
 *   and never touches unsigned headers alone (GitHub's delivery id is not signed: changing only it would
 *   make a new, valid event).
 * - `signed-malformed`: correctly signed over a body (or, for GitHub, with headers) from which no event can
 *   be read: not JSON, no event type, an event type of the wrong type, too long or not printable ASCII, a
 *   dedupe key too long, deep nesting, invalid UTF-8. Signed, so accepted: marked unrecognized, dead-lettered.
 * - `garbage`: random methods, paths (unknown providers, percent junk, dot segments, the local admin path),
 *   header names and values (latin-1 junk, huge, empty, signature-shaped) and bodies.
 * - `raw`: bytes on a socket that are not valid HTTP/1.1 (bad request lines, header syntax, chunking,
 *   Content-Length/Transfer-Encoding conflicts, HTTP/2 and TLS prefaces, oversized headers).
 * - `size`: bodies around the verifier's and the HTTP API's limits.
 */
import { createHash } from 'node:crypto';
import { findProvider } from '../../../providers/index.ts';
import { signRequest } from '../../../lambdas/domain/signing.ts';
import { signedRequest, type SignedRequest } from '../e2e/support/webhooks.ts';

export type FuzzRequest =
  | { readonly kind: 'mutated' | 'signed-malformed' | 'garbage' | 'size'; readonly what: string; readonly method: string; readonly path: string; readonly headers: [string, string][]; readonly body: Buffer }
  | { readonly kind: 'raw'; readonly what: string; readonly bytes: Buffer };

/** mulberry32: small, fast, good enough for test inputs, and reproducible from the seed. */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
  /** Header-safe junk: visible latin-1 and spaces (node's client refuses control characters). */
  latin1(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) {
      const c = this.int(0x20, 0xfe);
      s += String.fromCharCode(c === 0x7f ? 0x20 : c);
    }
    return s;
  }
  from(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }
}

const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';
const METHODS_NOT_POST = ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'PURGE', 'REPORT', 'MKCOL', 'LINK', 'SEARCH'];
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x', 'application/vnd.api+json', 'text/html; charset=latin1', 'application/json; charset=utf-16', '', '*/*', 'application/xml'];

export interface GeneratorContext {
  readonly providers: readonly string[];
  readonly secrets: Readonly<Record<string, { readonly current: string }>>;
  readonly maxBodyBytes: number;
}

function headersOf(request: SignedRequest): [string, string][] {
  return Object.entries(request.headers);
}

/** Changes one hex digit to another value (case-insensitive comparisons must still see a change). */
function flipHex(text: string, rng: Rng): string {
  const positions = [...text].flatMap((c, i) => (/[0-9a-fA-F]/.test(c) ? [i] : []));
  if (positions.length === 0) return `${text}0`;
  const at = rng.pick(positions);
  const current = parseInt(text[at]!, 16);
  const next = (current + rng.int(1, 15)) % 16;
  return text.slice(0, at) + next.toString(16) + text.slice(at + 1);
}

function flipBase64(text: string, rng: Rng): string {
  // Only in the part after the last comma or '=' sign-prefix, so the change lands in the signature bytes.
  const start = Math.max(text.lastIndexOf(',') + 1, 0);
  const at = rng.int(start, Math.max(start, text.length - 3));
  const c = text[at] ?? 'A';
  let next = rng.pick([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789']);
  if (next === c) next = c === 'A' ? 'B' : 'A';
  return text.slice(0, at) + next + text.slice(at + 1);
}

export class FuzzGenerator {
  readonly rng: Rng;
  readonly #pool = new Map<string, SignedRequest[]>();

  constructor(readonly seed: number, private readonly context: GeneratorContext) {
    this.rng = new Rng(seed);
  }

  /** A correctly signed fresh sample event (unique ids), from a pool refilled as it is used. */
  #valid(providerId: string): SignedRequest {
    let pool = this.#pool.get(providerId);
    if (!pool || pool.length === 0) {
      pool = Array.from({ length: 64 }, () => signedRequest(providerId, this.context.secrets[providerId]!.current));
      this.#pool.set(providerId, pool);
    }
    return pool.pop()!;
  }

  /** Count requests of every kind but `size`, in a fixed mix; then the size cases. */
  *requests(count: number): Generator<FuzzRequest> {
    const sizes = this.sizeCases();
    const rest = count - sizes.length;
    for (let i = 0; i < rest; i++) {
      const r = this.rng.next();
      if (r < 0.4) yield this.mutated();
      else if (r < 0.55) yield this.signedMalformed();
      else if (r < 0.88) yield this.garbage();
      else yield this.raw();
    }
    yield* sizes;
  }

  mutated(): FuzzRequest {
    const { rng } = this;
    const id = rng.pick(this.context.providers);
    const provider = findProvider(id)!;
    const valid = this.#valid(id);
    let headers = headersOf(valid).map(([k, v]) => [k, v] as [string, string]);
    let body: Buffer = Buffer.from(valid.body);
    let method = 'POST';
    let path = `/webhooks/${id}`;
    const sigName = provider.signatureHeader.toLowerCase();
    const tsName = provider.timestampHeader?.toLowerCase();
    const invalidating = ['body-flip', 'body-append', 'body-truncate', 'body-replace', 'sig-flip', 'sig-replace', 'sig-drop', 'sig-truncate', 'sig-extend', 'method', 'path',
      ...(provider.timestamp ? ['ts-shift', 'ts-junk', ...(tsName ? ['ts-drop'] : [])] : [])];
    // One invalidating mutation, sometimes a second one of another group (two signature mutations could
    // undo each other: a truncation back to the original length after an extension).
    const group = (m: string) => m.split('-')[0];
    const chosen = new Set<string>([rng.pick(invalidating)]);
    if (rng.chance(0.3)) {
      const second = rng.pick(invalidating);
      if (![...chosen].some((m) => group(m) === group(second))) chosen.add(second);
    }
    const setHeader = (name: string, value: string | undefined) => {
      headers = headers.filter(([k]) => k.toLowerCase() !== name);
      if (value !== undefined) headers.push([name, value]);
    };
    const getHeader = (name: string) => headers.find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
    for (const m of chosen) {
      switch (m) {
        case 'body-flip': {
          if (body.length === 0) body = Buffer.from('x');
          else {
            const at = rng.int(0, body.length - 1);
            body[at] = body[at]! ^ rng.int(1, 255);
          }
          break;
        }
        case 'body-append': body = Buffer.concat([body, rng.chance(0.5) ? rng.bytes(rng.int(1, 64)) : Buffer.from(rng.pick([' ', '\n', '\r\n', '\u0000', '}', ',{}']))]); break;
        case 'body-truncate': body = body.subarray(0, rng.int(0, Math.max(0, body.length - 1))); break;
        case 'body-replace': body = rng.chance(0.5) ? rng.bytes(rng.int(0, 2048)) : Buffer.from(JSON.stringify({ type: 'x', id: rng.from(HEX, 12) })); break;
        case 'sig-flip': {
          const sig = getHeader(sigName);
          setHeader(sigName, provider.signature.encoding === 'hex' ? flipHex(sig, rng) : flipBase64(sig, rng));
          break;
        }
        case 'sig-replace': setHeader(sigName, rng.pick([
          rng.from(HEX, 64), rng.from(HEX, rng.int(0, 200)), rng.latin1(rng.int(0, 300)), `t=${Math.floor(Date.now() / 1000)},v1=${rng.from(HEX, 64)}`,
          `v1,${rng.from(B64, 44)}`, `sha256=${rng.from(HEX, 64)}`, `sha256=${rng.from(HEX, 63)}zz`, 'v1=', 't=,v1=,v1=', ',,,,', ' ', rng.from(HEX, 64).toUpperCase() + 'g',
        ])); break;
        case 'sig-drop': setHeader(sigName, undefined); break;
        case 'sig-truncate': { const sig = getHeader(sigName); setHeader(sigName, sig.slice(0, rng.int(0, Math.max(0, sig.length - 1)))); break; }
        // Trailing whitespace alone is not a change: HTTP strips it from header values.
        case 'sig-extend': setHeader(sigName, `${getHeader(sigName)}${rng.pick(['0', 'a', 'zz', '=', ' 0', '\ta', ',', ';'])}${rng.chance(0.5) ? rng.from(HEX, rng.int(1, 8)) : ''}`); break;
        case 'method': method = rng.pick(METHODS_NOT_POST); break;
        case 'path': path = rng.pick([
          `/webhooks/${id}/`, `/webhooks/${id}/x`, `/webhooks/${id.toUpperCase()}`, `/webhook/${id}`, `//webhooks/${id}`, `/webhooks//${id}`, `/Webhooks/${id}`,
          `/webhooks/${rng.pick(this.context.providers.filter((p) => p !== id))}`, `/webhooks/${id}%2F`, `/webhooks/${id}/..`, `/webhooks/${id}%00`, `/webhooks/ ${id}`.replace(' ', '%20'),
        ]); break;
        case 'ts-shift': {
          const name = tsName ?? sigName;
          if (tsName) {
            const current = BigInt(getHeader(tsName) || '0');
            setHeader(tsName, String(current + BigInt(rng.pick([1, -1, 2, 300, -300, 86_400, 1e9]))));
          } else {
            // The timestamp lives in the signature header (t=...,v1=...).
            setHeader(name, getHeader(name).replace(/t=(\d+)/, (_, t: string) => `t=${BigInt(t) + BigInt(rng.pick([1, -1, 301, -3_600]))}`));
          }
          break;
        }
        case 'ts-junk': {
          const junk = rng.pick(['', '-1', 'abc', '1e9', '0x10', ' 1', '1.5', '99999999999999999999999999', '\u00b3', '0', rng.latin1(8)]);
          if (tsName) setHeader(tsName, junk);
          else setHeader(sigName, getHeader(sigName).replace(/t=\d+/, `t=${junk}`));
          break;
        }
        case 'ts-drop': if (tsName) setHeader(tsName, undefined); break;
      }
    }
    // Noise that must not matter.
    if (rng.chance(0.3)) setHeader('content-type', rng.pick(CONTENT_TYPES));
    if (rng.chance(0.2)) headers.push([`x-fuzz-${rng.from(HEX, 4)}`, rng.latin1(rng.int(0, 200))]);
    if (rng.chance(0.1)) headers.push(['content-encoding', rng.pick(['gzip', 'br', 'identity', 'x-junk', 'deflate, gzip'])]);
    if (rng.chance(0.1)) path += rng.pick(['?a=1', '?%ZZ', '?x=%00&x=2', `?${rng.from(HEX, 40)}`, '?']);
    return { kind: 'mutated', what: [...chosen].join('+'), method, path, headers, body };
  }

  signedMalformed(): FuzzRequest {
    const { rng } = this;
    const id = rng.pick(this.context.providers);
    const provider = findProvider(id)!;
    const secret = this.context.secrets[id]!.current;
    const long = (n: number) => rng.from('abcdefghij', n);
    if (id === 'github') {
      // Event type and delivery id come from headers: break those; the body may be anything.
      const body = rng.chance(0.5) ? Buffer.from('{"zen":"fuzz"}') : rng.bytes(rng.int(0, 256));
      const what = rng.pick(['no-event', 'empty-event', 'spaced-event', 'long-event', 'latin1-event', 'no-delivery', 'long-delivery']);
      const eventType = what === 'empty-event' ? '' : what === 'spaced-event' ? 'push now' : what === 'long-event' ? long(200) : what === 'latin1-event' ? 'pushé' : 'push';
      const signed = signRequest(provider, secret, body, { eventType: 'push', id: what === 'long-delivery' ? long(1_100) : undefined });
      const headers: [string, string][] = Object.entries(signed).filter(([k]) => !(what === 'no-event' && k === 'x-github-event') && !(what === 'no-delivery' && k === 'x-github-delivery'));
      const withType = what === 'no-event' ? headers : headers.map(([k, v]) => [k, k === 'x-github-event' ? eventType : v] as [string, string]);
      return { kind: 'signed-malformed', what: `github ${what}`, method: 'POST', path: `/webhooks/${id}`, headers: [...withType, ['content-type', this.#contentType(body)]], body };
    }
    // Every body-reading provider takes its event type from `type`, `status` or `event`: make all three unusable.
    const bad = () => rng.pick<unknown>([undefined, null, {}, [], true, false, '', ' ', 'two words', long(200), 'tab\there', 'ünïcode', { type: 'x' }, ['x']]);
    const object = () => {
      const o: Record<string, unknown> = {};
      for (const field of ['type', 'status', 'event']) {
        const value = bad();
        if (value !== undefined) o[field] = value;
      }
      if (rng.chance(0.5)) Object.assign(o, { id: `evt_${rng.from(HEX, 8)}`, data: { id: rng.from(HEX, 8) }, session_id: rng.from(HEX, 8), note_id: rng.from(HEX, 8) });
      return o;
    };
    const depth = rng.int(100, 5_000);
    const bodies: [string, () => Buffer][] = [
      ['empty', () => Buffer.alloc(0)],
      ['not-json', () => Buffer.from(rng.pick(['hello', '{', '{"type":', '<xml/>', 'type=a&id=b', '\u0000', '{"type":"a"', "{'type':'a'}", 'NaN', '{"type":"a",}']))],
      ['json-scalar', () => Buffer.from(rng.pick(['null', 'true', '1', '"type"', '[]', '[{"type":"a"}]', '0.5e999']))],
      ['no-usable-type', () => Buffer.from(JSON.stringify(object()))],
      ['deep', () => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`)],
      ['deep-object', () => Buffer.from(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)],
      ['invalid-utf8', () => Buffer.concat([Buffer.from('{"type":'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('}')])],
      ['bom', () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(object()))])],
      ['long-key', () => Buffer.from(JSON.stringify({ type: 'a.b', status: 'success', event: 'a.b', id: long(1_100), data: { id: long(1_100) }, session_id: long(1_100), note_id: long(1_100) }))],
    ];
    let [what, make] = rng.pick(bodies);
    // A valid event type with an over-long id is unusable only where the dedupe key reads a body id:
    // standard-webhooks keys on the signed webhook-id header, generic keys unknown types on the body's hash.
    if (what === 'long-key' && (id === 'standard-webhooks' || id === 'generic')) [what, make] = bodies[3]!;
    const body = make();
    const signed = signRequest(provider, secret, body, {});
    return { kind: 'signed-malformed', what, method: 'POST', path: `/webhooks/${id}`, headers: [...Object.entries(signed), ['content-type', this.#contentType(body)]], body };
  }

  /**
   * A text content type makes the HTTP API pass the body as a UTF-8 string (payload 2.0), which replaces
   * invalid sequences: the verifier then sees other bytes than were signed and answers 401 before reading
   * the body. To reach the body checks, bytes that are not valid UTF-8 mostly go as application/octet-stream
   * (base64 in the event, the exact bytes).
   */
  #contentType(body: Buffer): string {
    const validUtf8 = Buffer.from(body.toString('utf8'), 'utf8').equals(body);
    return validUtf8 || this.rng.chance(0.2) ? this.rng.pick(CONTENT_TYPES.slice(0, 4)) : 'application/octet-stream';
  }

  garbage(): FuzzRequest {
    const { rng } = this;
    const providers = this.context.providers;
    const method = rng.chance(0.7) ? 'POST' : rng.pick([...METHODS_NOT_POST, 'post', 'FOO', 'CONNECTX']);
    const path = rng.chance(0.6) ? `/webhooks/${rng.pick(providers)}` : rng.pick([
      '/', '/webhooks', '/webhooks/', `/webhooks/${rng.from('abcxyz-_', rng.int(1, 40))}`, '/webhooks/%ZZ', '/webhooks/%', '/webhooks/%E0%A4%A', '/webhooks/%C0%AF',
      '/webhooks/..%2F..%2Fetc%2Fpasswd', '/__local/faults', '/__local/faults/enqueued', '/__local/x', `/${rng.from(HEX, rng.int(1, 2_000))}`, '/webhooks/sully%',
      `/webhooks/${'a'.repeat(rng.int(100, 4_000))}`, '/webhooks/%F0%9F%92%A9', '/webhooks/constructor', '/webhooks/__proto__', '/webhooks/toString', '/webhooks/hasOwnProperty',
      `/webhooks/${rng.pick(providers)}?${rng.from('a=&%', rng.int(1, 50))}`, '*', '/webhooks/\u00e9'.replace('\u00e9', '%C3%A9'), '/%2e%2e/webhooks/sully',
    ]);
    const names = ['x-sully-signature', 'generated-at', 'x-api-key', 'x-soapnoteapi-signature', 'x-soapnoteapi-timestamp', 'x-solatis-signature', 'x-webhook-signature',
      'webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-hub-signature-256', 'x-github-event', 'x-github-delivery', 'stripe-signature', 'content-type',
      'x-forwarded-for', 'authorization', 'cookie', 'x-amz-target', 'transfer-encoding', 'expect', 'content-encoding', 'x-amzn-trace-id', 'host'];
    const headers: [string, string][] = [];
    const n = rng.int(0, 12);
    for (let i = 0; i < n; i++) {
      const name = rng.chance(0.85) ? rng.pick(names) : `x-${rng.from('abcdefghijklmnopqrstuvwxyz-', rng.int(1, 30))}`;
      if (name === 'transfer-encoding' || name === 'host' || name === 'expect') continue; // framing is the raw kind's job
      const value = rng.pick([
        '', ' ', rng.from(HEX, 64), rng.from(HEX, rng.int(0, 300)), rng.from(B64, rng.int(0, 120)), `v1,${rng.from(B64, 44)}`, `v1,${rng.from(B64, 44)} v1,${rng.from(B64, 44)}`,
        `t=${rng.int(-5, 2e9)},v1=${rng.from(HEX, 64)}`, `t=${Math.floor(Date.now() / 1000)},v1=${rng.from(HEX, 64)},v0=${rng.from(HEX, 64)}`, `sha256=${rng.from(HEX, 64)}`,
        String(Date.now()), String(Math.floor(Date.now() / 1000)), rng.latin1(rng.int(1, 64)), rng.latin1(rng.int(1_000, 8_000)), '=', ',', 't=', 'v1', 'sha256=',
        '0'.repeat(rng.int(1, 400)), '-1', '1e308', 'application/json', 'application/octet-stream',
      ]);
      headers.push([name, value]);
    }
    const body = rng.pick<() => Buffer>([
      () => Buffer.alloc(0),
      () => rng.bytes(rng.int(1, 4_096)),
      () => Buffer.from(JSON.stringify({ type: 'note.generated', id: `evt_${rng.from(HEX, 8)}`, data: { id: rng.from(HEX, 8), note: 'x'.repeat(rng.int(0, 500)) } })),
      () => Buffer.from(rng.latin1(rng.int(1, 1_000)), 'latin1'),
      () => Buffer.from('{"a":'.repeat(2_000)),
      () => Buffer.from('\u0000'.repeat(rng.int(1, 100))),
      () => Buffer.from(createHash('sha256').update(rng.bytes(8)).digest('base64')),
    ])();
    return { kind: 'garbage', what: `${method} ${path.slice(0, 40)}`, method, path, headers, body };
  }

  raw(): FuzzRequest {
    const { rng } = this;
    const id = rng.pick(this.context.providers);
    const p = `/webhooks/${id}`;
    const h = 'Host: 127.0.0.1\r\n';
    const cases: [string, () => string | Buffer][] = [
      ['garbage-line', () => `${rng.latin1(rng.int(1, 100))}\r\n\r\n`],
      ['binary', () => rng.bytes(rng.int(1, 512))],
      ['no-version', () => `POST ${p}\r\n\r\n`],
      ['bad-version', () => `POST ${p} HTTP/9.9\r\n${h}\r\n`],
      ['http09', () => `GET /\r\n`],
      ['http2-preface', () => 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
      ['tls-hello', () => Buffer.from('16030100a5010000a10303', 'hex')],
      ['space-in-path', () => `POST /webhooks/ ${id} HTTP/1.1\r\n${h}Content-Length: 0\r\n\r\n`],
      ['absolute-form', () => `POST http://evil.example${p} HTTP/1.1\r\n${h}Content-Length: 2\r\n\r\n{}`],
      ['asterisk', () => `POST * HTTP/1.1\r\n${h}Content-Length: 0\r\n\r\n`],
      ['header-no-colon', () => `POST ${p} HTTP/1.1\r\n${h}x-sully-signature t=1,v1=00\r\nContent-Length: 0\r\n\r\n`],
      ['header-nul', () => `POST ${p} HTTP/1.1\r\n${h}x-a: b\u0000c\r\nContent-Length: 0\r\n\r\n`],
      ['header-cr', () => `POST ${p} HTTP/1.1\r\n${h}x-a: b\rc\r\nContent-Length: 0\r\n\r\n`],
      ['obs-fold', () => `POST ${p} HTTP/1.1\r\n${h}x-a: b\r\n  folded\r\nContent-Length: 0\r\n\r\n`],
      ['bare-lf', () => `POST ${p} HTTP/1.1\n${h.replace('\r\n', '\n')}Content-Length: 2\n\n{}`],
      ['space-before-colon', () => `POST ${p} HTTP/1.1\r\n${h}Content-Length : 2\r\n\r\n{}`],
      ['negative-length', () => `POST ${p} HTTP/1.1\r\n${h}Content-Length: -1\r\n\r\n`],
      ['two-lengths', () => `POST ${p} HTTP/1.1\r\n${h}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x`],
      ['length-and-chunked', () => `POST ${p} HTTP/1.1\r\n${h}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
      ['bad-chunk-size', () => `POST ${p} HTTP/1.1\r\n${h}Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n`],
      ['chunk-overflow', () => `POST ${p} HTTP/1.1\r\n${h}Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n`],
      ['chunk-no-crlf', () => `POST ${p} HTTP/1.1\r\n${h}Transfer-Encoding: chunked\r\n\r\n3\r\nabcdef0\r\n\r\n`],
      ['chunked-valid-junk', () => `POST ${p} HTTP/1.1\r\n${h}Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n4;ext=1\r\n{"a"\r\n2\r\n:1\r\n1\r\n}\r\n0\r\nTrailer: x\r\n\r\n`],
      ['te-gzip', () => `POST ${p} HTTP/1.1\r\n${h}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`],
      ['huge-header', () => `POST ${p} HTTP/1.1\r\n${h}x-a: ${'a'.repeat(rng.int(17_000, 40_000))}\r\nContent-Length: 0\r\n\r\n`],
      ['many-headers', () => `POST ${p} HTTP/1.1\r\n${h}${Array.from({ length: rng.int(150, 400) }, (_, i) => `x-h${i}: ${i}\r\n`).join('')}Content-Length: 0\r\n\r\n`],
      ['short-body', () => `POST ${p} HTTP/1.1\r\n${h}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"type":"x"}`],
      ['expect-continue', () => `POST ${p} HTTP/1.1\r\n${h}Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}`],
      ['expect-junk', () => `POST ${p} HTTP/1.1\r\n${h}Expect: 200-ok\r\nContent-Length: 2\r\n\r\n{}`],
      ['pipelined', () => `POST ${p} HTTP/1.1\r\n${h}Content-Length: 2\r\n\r\n{}GARBAGE / HTTP/1.1\r\n\r\n`],
      ['http10-no-host', () => `POST ${p} HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}`],
      ['latin1-header', () => Buffer.from(`POST ${p} HTTP/1.1\r\n${h}x-sully-signature: t=\u00ff\u00fe,v1=\u00e9\r\nContent-Length: 0\r\n\r\n`, 'latin1')],
      ['utf8-path', () => Buffer.from(`POST /webhooks/s\u00fclly HTTP/1.1\r\n${h}Content-Length: 0\r\n\r\n`, 'utf8')],
    ];
    const [what, make] = rng.pick(cases);
    const bytes = make();
    return { kind: 'raw', what, bytes: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1') };
  }

  /** Bodies around the limits, unsigned and signed (a valid signature over a body too large still gets 413). */
  sizeCases(): FuzzRequest[] {
    const max = this.context.maxBodyBytes;
    const id = this.context.providers[0]!;
    const provider = findProvider(id)!;
    const secret = this.context.secrets[id]!.current;
    const out: FuzzRequest[] = [];
    const plain = (n: number, what: string) => out.push({ kind: 'size', what, method: 'POST', path: `/webhooks/${id}`, headers: [['content-type', 'application/json']], body: Buffer.alloc(n, 0x61) });
    const signed = (n: number, what: string, kind: 'size' | 'signed-malformed' = 'size') => {
      const body = Buffer.alloc(n, 0x20);
      out.push({ kind, what, method: 'POST', path: `/webhooks/${id}`, headers: [...Object.entries(signRequest(provider, secret, body, {})), ['content-type', 'application/json']], body });
    };
    for (const n of [0, 1, 1023, 65_536, max - 1, max]) plain(n, `unsigned ${n} B`);
    for (const n of [max + 1, max + 4_096, 2 * max]) {
      plain(n, `unsigned ${n} B (over MAX_BODY_BYTES)`);
      signed(n, `signed ${n} B (over MAX_BODY_BYTES)`);
    }
    // Over the HTTP API's 10 MiB payload limit: the runner answers 413 and drops the connection.
    plain(10 * 1024 * 1024 + 1, 'unsigned 10 MiB + 1 (over the HTTP API limit)');
    // A signed body that fits but is not JSON: accepted (unrecognized) like every signed body.
    signed(max, `signed ${max} B of spaces (not JSON)`, 'signed-malformed');
    return out;
  }
}
