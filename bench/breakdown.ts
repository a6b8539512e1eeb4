/**
 * Where the time of one full verdict goes (stripe scheme), piece by piece, on the same payloads and with
 * the same interleaved harness as verify.bench.ts. Diagnostic only:  npx tsx bench/breakdown.ts
 */
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import Stripe from 'stripe';
import { identifyEvent } from '../lambdas/domain/identify.ts';
import { prepareKeys } from '../lambdas/domain/keys.ts';
import { findProvider } from '../providers/index.ts';
import { verifySignature } from '../lambdas/domain/signature.ts';
import { verify } from '../lambdas/domain/verification.ts';
import { runInterleaved, type Case } from './harness.ts';
import { clinicalNoteEvent } from './payload.ts';

const SECRET = 'whsec_test_51NqF2eKx9wH7cLpM3rT8vY6z';
const T0 = Math.floor(Date.now() / 1000);
const STRIPE = findProvider('stripe')!;
const keys = prepareKeys(STRIPE, { current: SECRET });
const key = createSecretKey(Buffer.from(SECRET));
const stripe = new Stripe('sk_test_x');
const decoder = new TextDecoder();

const pieces = (bytes: Buffer, text: string, header: string): [string, () => boolean][] => {
  const headers = { 'stripe-signature': header };
  const expected = createHmac('sha256', key).update(`${T0}.`).update(bytes).digest();
  const signed = { timestamp: String(T0) };
  return [
    ['HMAC + timingSafeEqual (limit)', () => timingSafeEqual(createHmac('sha256', key).update(`${T0}.`).update(bytes).digest(), expected)],
    ['verifySignature', () => verifySignature(STRIPE, headers, bytes, keys, T0).ok],
    ['Buffer#toString utf8', () => bytes.toString('utf8').length === bytes.length],
    ['TextDecoder#decode', () => decoder.decode(bytes).length === bytes.length],
    ['JSON.parse (string ready)', () => JSON.parse(text).id !== undefined],
    ['toString + JSON.parse', () => JSON.parse(bytes.toString('utf8')).id !== undefined],
    ['identifyEvent (decode+parse+templates)', () => identifyEvent(STRIPE, headers, bytes, signed).ok],
    ['verify (full verdict)', () => verify(STRIPE, headers, bytes, keys, T0).ok],
    ['stripe constructEvent', () => stripe.webhooks.constructEvent(bytes, header, SECRET).id !== undefined],
  ];
};

const payloads = [clinicalNoteEvent('2 KB', 2048, T0), clinicalNoteEvent('200 KB', 204800, T0)];
const cases: Case[] = payloads.flatMap((p) =>
  pieces(p.bytes, p.text, stripe.webhooks.generateTestHeaderString({ payload: p.text, secret: SECRET, timestamp: T0 })).map(
    ([name, run]) => {
      if (!run()) throw new Error(`${name} failed`);
      return { key: `${name}@${p.label}`, run };
    },
  ),
);
const m = runInterleaved(cases, { rounds: Number(process.env.BENCH_ROUNDS ?? 5), msPerCase: 200, warmupMs: 50 });
console.log(`| piece | ${payloads.map((p) => `${p.label} us/op`).join(' | ')} |\n|:--|--:|--:|`);
for (const [name] of pieces(Buffer.alloc(0), '', '')) {
  console.log(`| ${name} | ${payloads.map((p) => (1e6 / m.get(`${name}@${p.label}`)!.median).toFixed(2)).join(' | ')} |`);
}
