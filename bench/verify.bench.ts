/**
 * Verification throughput, ours against the node:crypto limit and against the peers' SDKs, on 2 KB and
 * 200 KB clinical-note events, in one process with interleaved rounds. A report, not a test: it exits 0
 * whatever the numbers, and throws only if a verification fails or something breaks.
 *
 *   npm run bench                        (BENCH_ROUNDS, BENCH_MS override rounds and ms per case per round)
 */
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import type { Headers } from '../lambdas/domain/headers.ts';
import { prepareKeys, type SigningKeys } from '../lambdas/domain/keys.ts';
import type { Provider } from '../lambdas/domain/provider.ts';
import { findProvider } from '../lambdas/domain/providers.ts';
import { verifySignature } from '../lambdas/domain/signature.ts';
import { verify } from '../lambdas/domain/verify.ts';
import { runInterleaved, type Case } from './harness.ts';
import { clinicalNoteEvent, type Payload } from './payload.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const MS_PER_CASE = Number(process.env.BENCH_MS ?? 250);
const WARMUP_MS = 60;

const STRIPE_SECRET = 'whsec_test_51NqF2eKx9wH7cLpM3rT8vY6z';
const STRIPE_PREVIOUS = 'whsec_test_51MzA0bQd4sG2jKn8uW5xE1p';
const SW_SECRET = `whsec_${Buffer.from('bench-standard-webhooks-key-0032').toString('base64')}`; // 32 bytes

const nowSeconds = () => Math.floor(Date.now() / 1000);
const T0 = nowSeconds(); // signing time; the whole run stays well inside the 300 s tolerance
const stripe = new Stripe('sk_test_x');

function provider(id: string): Provider {
  const p = findProvider(id);
  if (!p) throw new Error(`no provider ${id}`);
  return p;
}
const STRIPE = provider('stripe');
const SW = provider('standard-webhooks');

interface Row {
  readonly id: string;
  readonly label: string;
  readonly kind: 'limit' | 'signature' | 'rotation' | 'verdict' | 'peer';
  readonly make: (p: Payload) => () => boolean;
}

/** Signs with the peers' own signers: stripe's test-header helper, standardwebhooks' and svix's `sign`. */
function stripeHeader(p: Payload, secret: string): string {
  return stripe.webhooks.generateTestHeaderString({ payload: p.text, secret, timestamp: T0 });
}
function standardHeaders(p: Payload, prefix: 'webhook' | 'svix'): Record<string, string> {
  const id = `msg_2bench${p.bytes.length}`;
  const signer = prefix === 'svix' ? new SvixWebhook(SW_SECRET) : new StandardWebhook(SW_SECRET);
  const signature = signer.sign(id, new Date(T0 * 1000), p.text);
  return { [`${prefix}-id`]: id, [`${prefix}-timestamp`]: String(T0), [`${prefix}-signature`]: signature };
}

function ourSignature(prov: Provider, headers: Headers, keys: SigningKeys, p: Payload, matched: 'current' | 'previous') {
  const once = verifySignature(prov, headers, p.bytes, keys, nowSeconds());
  if (!once.ok || once.matched !== matched) throw new Error(`${prov.id}: expected a match on the ${matched} key, got ${JSON.stringify(once)}`);
  return () => verifySignature(prov, headers, p.bytes, keys, nowSeconds()).ok;
}
function ourVerdict(prov: Provider, headers: Headers, keys: SigningKeys, p: Payload, dedupeKey: string) {
  const once = verify(prov, headers, p.bytes, keys, nowSeconds());
  if (!once.ok || once.dedupeKey !== dedupeKey || once.eventType !== p.eventType) throw new Error(`${prov.id}: bad verdict ${JSON.stringify(once)}`);
  return () => {
    const v = verify(prov, headers, p.bytes, keys, nowSeconds());
    return v.ok && v.dedupeKey === dedupeKey;
  };
}
/** Peers return the parsed event or throw; the event id read back keeps the parse alive. */
function peer(p: Payload, run: () => { id?: unknown }) {
  if (run().id !== p.eventId) throw new Error('peer returned the wrong event');
  return () => run().id === p.eventId;
}

const ROWS: readonly Row[] = [
  {
    id: 'limit',
    label: 'node:crypto limit (1 HMAC + timingSafeEqual)',
    kind: 'limit',
    make: (p) => {
      const key = createSecretKey(Buffer.from(STRIPE_SECRET));
      const prefix = `${T0}.`;
      const expected = createHmac('sha256', key).update(prefix).update(p.bytes).digest();
      return () => timingSafeEqual(createHmac('sha256', key).update(prefix).update(p.bytes).digest(), expected);
    },
  },
  {
    id: 'signature-stripe',
    label: 'ours verifySignature, stripe scheme',
    kind: 'signature',
    make: (p) => ourSignature(STRIPE, { 'stripe-signature': stripeHeader(p, STRIPE_SECRET) }, prepareKeys(STRIPE, { current: STRIPE_SECRET }), p, 'current'),
  },
  {
    id: 'signature-standard-webhooks',
    label: 'ours verifySignature, standard-webhooks',
    kind: 'signature',
    make: (p) => ourSignature(SW, standardHeaders(p, 'webhook'), prepareKeys(SW, { current: SW_SECRET }), p, 'current'),
  },
  {
    id: 'rotation-stripe',
    label: 'ours verifySignature, stripe, previous key (2 HMACs)',
    kind: 'rotation',
    make: (p) =>
      ourSignature(
        STRIPE,
        { 'stripe-signature': stripeHeader(p, STRIPE_PREVIOUS) },
        prepareKeys(STRIPE, { current: STRIPE_SECRET, previous: STRIPE_PREVIOUS }),
        p,
        'previous',
      ),
  },
  {
    id: 'verdict-stripe',
    label: 'ours verify (full verdict), stripe scheme',
    kind: 'verdict',
    make: (p) => ourVerdict(STRIPE, { 'stripe-signature': stripeHeader(p, STRIPE_SECRET) }, prepareKeys(STRIPE, { current: STRIPE_SECRET }), p, p.eventId),
  },
  {
    id: 'verdict-standard-webhooks',
    label: 'ours verify (full verdict), standard-webhooks',
    kind: 'verdict',
    make: (p) => {
      const headers = standardHeaders(p, 'webhook');
      return ourVerdict(SW, headers, prepareKeys(SW, { current: SW_SECRET }), p, headers['webhook-id']!);
    },
  },
  {
    id: 'peer-stripe',
    label: 'peer stripe@23 webhooks.constructEvent',
    kind: 'peer',
    make: (p) => {
      const header = stripeHeader(p, STRIPE_SECRET);
      return peer(p, () => stripe.webhooks.constructEvent(p.bytes, header, STRIPE_SECRET));
    },
  },
  {
    id: 'peer-standardwebhooks',
    label: 'peer standardwebhooks@1 Webhook.verify',
    kind: 'peer',
    make: (p) => {
      const [wh, headers] = [new StandardWebhook(SW_SECRET), standardHeaders(p, 'webhook')];
      return peer(p, () => wh.verify(p.bytes, headers) as { id?: unknown });
    },
  },
  {
    id: 'peer-svix',
    label: 'peer svix@1 Webhook.verify',
    kind: 'peer',
    make: (p) => {
      const [wh, headers] = [new SvixWebhook(SW_SECRET), standardHeaders(p, 'svix')];
      return peer(p, () => wh.verify(p.bytes, headers) as { id?: unknown });
    },
  },
];

const PAYLOADS = [clinicalNoteEvent('2 KB', 2 * 1024, T0), clinicalNoteEvent('200 KB', 200 * 1024, T0)];
const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  node: process.version,
  platform: `${os.platform()} ${os.arch()}`,
};

// Build every case (each asserts one successful verification before any timing), then measure.
const cases: Case[] = PAYLOADS.flatMap((p) => ROWS.map((r) => ({ key: `${r.id}@${p.label}`, run: r.make(p) })));
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.platform}`);
console.log(`${cases.length} cases x ${ROUNDS} interleaved rounds x ${MS_PER_CASE} ms (median ops/s reported)`);
const started = Date.now();
const measured = runInterleaved(cases, {
  rounds: ROUNDS,
  msPerCase: MS_PER_CASE,
  warmupMs: WARMUP_MS,
  onRound: (n) => process.stdout.write(n === ROUNDS ? `round ${n}/${ROUNDS}\n` : `round ${n}/${ROUNDS}, `),
});

// ---- ratios, table, targets, results.json ------------------------------------------------------
const ops = (rowId: string, p: Payload) => measured.get(`${rowId}@${p.label}`)!.median;
const fastestPeer = new Map(
  PAYLOADS.map((p) => {
    const best = ROWS.filter((r) => r.kind === 'peer').reduce((a, b) => (ops(b.id, p) > ops(a.id, p) ? b : a));
    return [p.label, { id: best.id, opsPerSec: ops(best.id, p) }] as const;
  }),
);
const results = ROWS.map((r) => ({
  id: r.id,
  label: r.label,
  kind: r.kind,
  sizes: Object.fromEntries(
    PAYLOADS.map((p) => {
      const m = measured.get(`${r.id}@${p.label}`)!;
      const vsPeer = r.kind === 'verdict' || r.kind === 'peer' ? m.median / fastestPeer.get(p.label)!.opsPerSec : undefined;
      return [p.label, { bytes: p.bytes.length, opsPerSec: Math.round(m.median), ratioToLimit: m.median / ops('limit', p), ratioToFastestPeer: vsPeer, samples: m.samples }];
    }),
  ),
}));

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const x = (n: number | undefined) => (n === undefined ? '' : `${n.toFixed(2)}x`);
const header = ['implementation', ...PAYLOADS.flatMap((p) => [`${p.label} ops/s`, 'vs limit', 'vs best peer'])];
const body = results.map((r) => [r.label, ...PAYLOADS.flatMap((p) => { const s = r.sizes[p.label]!; return [fmt(s.opsPerSec), x(s.ratioToLimit), x(s.ratioToFastestPeer)]; })]);
const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
console.log();
console.log(line(header));
console.log(`|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`);
for (const row of body) console.log(line(row));
console.log(`fastest peer: ${PAYLOADS.map((p) => `${p.label} ${fastestPeer.get(p.label)!.id}`).join(', ')}`);

const targets = results.flatMap((r) =>
  PAYLOADS.flatMap((p) => {
    const s = r.sizes[p.label]!;
    const check = (name: string, value: number, min: number, vs: string) => ({ name: `${name} @ ${p.label}`, value, min, vs, pass: value >= min });
    if (r.kind === 'signature') return [check(`signature step (${r.id})`, s.ratioToLimit, 0.8, 'limit')];
    if (r.kind === 'rotation') return [check(`rotation worst case (${r.id})`, s.ratioToLimit, 0.45, 'limit')];
    if (r.kind === 'verdict') return [check(`full verdict (${r.id})`, s.ratioToFastestPeer!, 1.0, `fastest peer ${fastestPeer.get(p.label)!.id}`)];
    return [];
  }),
);
console.log();
for (const t of targets) console.log(`${t.pass ? 'PASS' : 'FAIL'} ${t.name}: ${t.value.toFixed(2)}x ${t.vs} (target >= ${t.min.toFixed(2)}x)`);

const out = new URL('./results.json', import.meta.url);
const report = {
  date: new Date().toISOString(),
  machine,
  config: { rounds: ROUNDS, msPerCasePerRound: MS_PER_CASE, warmupMs: WARMUP_MS, statistic: 'median ops/s over rounds' },
  durationSeconds: (Date.now() - started) / 1000,
  payloads: PAYLOADS.map((p) => ({ label: p.label, bytes: p.bytes.length, shape: '{id, type, created, data:{id, encounter_id, status, note}}' })),
  fastestPeer: Object.fromEntries(fastestPeer),
  results,
  targets,
};
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwrote ${out.pathname} (${report.durationSeconds.toFixed(1)} s)`);
