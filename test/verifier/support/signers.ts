/**
 * Senders for the handler tests: each vendor's documented signing recipe in plain node:crypto over the raw
 * bytes (independent of the project's own sign.ts), and the secrets the stand-ins store.
 */
import { createHmac } from 'node:crypto';

export const SECRETS = {
  sully: { current: 'whsec_sully_3vQ9zK2mX8pL5nR7tW1yB4cF' },
  github: { current: "It's a Secret to Everybody" },
  stripe: { current: 'whsec_test_51NqF2eKx9wH7cLpM3rT8vY6z' },
  'standard-webhooks': {
    current: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    previous: `whsec_${Buffer.from('previous-standard-webhooks-key-32').subarray(0, 32).toString('base64')}`,
  },
} as const;

const hex = (key: string | Uint8Array, ...parts: (string | Uint8Array)[]) => {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest('hex');
};

type Body = string | Uint8Array;

/** Sully and Stripe: `t=<unix s>,v1=<hex of HMAC(secret, "{t}.{raw}")>`. */
export function signPairs(header: 'x-sully-signature' | 'stripe-signature', secret: string, body: Body, ts: number) {
  return { [header]: `t=${ts},v1=${hex(secret, `${ts}.`, body)}` };
}

/** GitHub: `sha256=<hex of HMAC(secret, raw)>`, plus the event and delivery headers. */
export function signGithub(secret: string, body: Body, event: string, delivery: string) {
  return { 'x-hub-signature-256': `sha256=${hex(secret, body)}`, 'x-github-event': event, 'x-github-delivery': delivery };
}

/** Standard Webhooks: `v1,<base64 of HMAC(base64-decoded key after whsec_, "{id}.{ts}.{raw}")>`. */
export function signStandardWebhooks(secret: string, body: Body, ts: number, msgId: string) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const mac = createHmac('sha256', key).update(`${msgId}.${ts}.`).update(body).digest('base64');
  return { 'webhook-id': msgId, 'webhook-timestamp': String(ts), 'webhook-signature': `v1,${mac}` };
}
