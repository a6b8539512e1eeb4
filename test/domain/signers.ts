/**
 * INDEPENDENT signers: nothing here imports the project's sign.ts. Vectors come from the `stripe` and
 * `standardwebhooks` packages, or from node:crypto written from each vendor's documented recipe.
 */
import { isUtf8 } from 'node:buffer';
import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { DEFAULT_DELIVERY, DEFAULT_MSG_ID, SECRETS, SIGNATURE_HEADER, bytes, defaultTs, type ProviderId } from './fixtures.ts';

export function hmacHex(secret: string | Uint8Array, ...parts: (string | Uint8Array)[]): string {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest('hex');
}

export function hmacBase64(key: Uint8Array, ...parts: (string | Uint8Array)[]): string {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest('base64');
}

const stripe = new Stripe('sk_test_not_used_for_network_calls');

export interface SignInput {
  readonly body: Uint8Array | string;
  /** @default SECRETS[id].current */
  readonly secret?: string;
  /** The timestamp exactly as it travels, in the sender's unit. @default NOW in the provider's unit */
  readonly ts?: number | string;
  /** webhook-id / X-GitHub-Delivery. */
  readonly msgId?: string;
  /** X-GitHub-Event. */
  readonly event?: string;
}

interface Resolved {
  readonly body: Buffer;
  readonly secret: string;
  readonly ts: string;
  readonly msgId: string;
  readonly event: string;
}

function resolve(id: ProviderId, input: SignInput): Resolved {
  return {
    body: Buffer.from(typeof input.body === 'string' ? bytes(input.body) : input.body),
    secret: input.secret ?? SECRETS[id].current,
    ts: String(input.ts ?? defaultTs(id)),
    msgId: input.msgId ?? (id === 'github' ? DEFAULT_DELIVERY : DEFAULT_MSG_ID),
    event: input.event ?? 'push',
  };
}

function utf8Text(id: ProviderId, body: Buffer): string {
  if (!isUtf8(body)) throw new Error(`${id}: the package signer takes text; use recipe() for bytes that are not UTF-8`);
  return body.toString('utf8');
}

/** Each vendor's documented recipe, in plain node:crypto over the raw bytes. */
const recipeOf: Record<ProviderId, (r: Resolved) => Record<string, string>> = {
  sully: (r) => ({ 'x-sully-signature': `t=${r.ts},v1=${hmacHex(r.secret, `${r.ts}.`, r.body)}` }),
  suki: (r) => ({ 'generated-at': r.ts, 'x-api-key': hmacHex(r.secret, `${r.ts}:`, r.body) }),
  soapnoteapi: (r) => ({
    'x-soapnoteapi-signature': hmacHex(r.secret, `${r.ts}.`, r.body),
    'x-soapnoteapi-timestamp': r.ts,
  }),
  solatis: (r) => ({ 'x-solatis-signature': hmacHex(r.secret, r.body) }),
  generic: (r) => ({ 'x-webhook-signature': `sha256=${hmacHex(r.secret, r.body)}` }),
  'standard-webhooks': (r) => ({
    'webhook-id': r.msgId,
    'webhook-timestamp': r.ts,
    'webhook-signature': `v1,${hmacBase64(Buffer.from(r.secret.slice('whsec_'.length), 'base64'), `${r.msgId}.${r.ts}.`, r.body)}`,
  }),
  github: (r) => ({
    'x-hub-signature-256': `sha256=${hmacHex(r.secret, r.body)}`,
    'x-github-event': r.event,
    'x-github-delivery': r.msgId,
  }),
  stripe: (r) => ({ 'stripe-signature': `t=${r.ts},v1=${hmacHex(r.secret, `${r.ts}.`, r.body)}` }),
};

/** node:crypto recipes: they sign any bytes, valid UTF-8 or not. */
export function recipe(id: ProviderId, input: SignInput): Record<string, string> {
  return recipeOf[id](resolve(id, input));
}

/**
 * The preferred independent signer of each scheme: the `stripe` package for the `t=,v1=` shape (Stripe and
 * Sully), the `standardwebhooks` package for Standard Webhooks, node:crypto recipes for the others.
 */
export function sign(id: ProviderId, input: SignInput): Record<string, string> {
  const r = resolve(id, input);
  switch (id) {
    case 'sully':
    case 'stripe': {
      const header = stripe.webhooks.generateTestHeaderString({
        payload: utf8Text(id, r.body),
        secret: r.secret,
        timestamp: Number(r.ts),
      });
      return { [SIGNATURE_HEADER[id]]: header };
    }
    case 'standard-webhooks': {
      const signature = new Webhook(r.secret).sign(r.msgId, new Date(Number(r.ts) * 1000), utf8Text(id, r.body));
      return { 'webhook-id': r.msgId, 'webhook-timestamp': r.ts, 'webhook-signature': signature };
    }
    default:
      return recipeOf[id](r);
  }
}

/** The signature text alone (hex or base64, without prefix, `t=` or `v1,`). */
export function signatureOf(id: ProviderId, headers: Record<string, string>): string {
  const value = headers[SIGNATURE_HEADER[id]];
  if (value === undefined) throw new Error(`${id}: no signature header in ${JSON.stringify(headers)}`);
  switch (id) {
    case 'sully':
    case 'stripe': {
      const match = /(?:^|,)v1=([^,]*)/.exec(value);
      if (!match?.[1]) throw new Error(`${id}: no v1= in ${value}`);
      return match[1];
    }
    case 'standard-webhooks':
      return value.slice('v1,'.length);
    case 'generic':
    case 'github':
      return value.slice('sha256='.length);
    default:
      return value;
  }
}

/** The same headers with the signature text replaced, in the scheme's own framing. */
export function withSignature(id: ProviderId, headers: Record<string, string>, signature: string): Record<string, string> {
  const name = SIGNATURE_HEADER[id];
  const value = headers[name] ?? '';
  let framed: string;
  switch (id) {
    case 'sully':
    case 'stripe':
      framed = value.replace(/(^|,)v1=[^,]*/, `$1v1=${signature}`);
      break;
    case 'standard-webhooks':
      framed = `v1,${signature}`;
      break;
    case 'generic':
    case 'github':
      framed = `sha256=${signature}`;
      break;
    default:
      framed = signature;
  }
  return { ...headers, [name]: framed };
}
