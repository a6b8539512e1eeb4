/**
 * Synthetic sample events in this vendor's documented payload shape, for `ops send` and the end-to-end
 * tests: fresh ids on every call, text fields that say they are synthetic (no patient data).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { SYNTHETIC, extra, id, type SampleBuilder } from '../sample-kit.ts';

/**
 * The default event type first, then other types the vendor's page names that processor.ts handles (any
 * other type is accepted too; a `push`, say, is recorded as unknown-event-type until it has a handler).
 */
export const eventTypes: readonly string[] = ['issues', 'pull_request', 'ping'];

export const buildSample: SampleBuilder = (type, o) => {
  const repository = { id: randomInt(1, 2 ** 31), full_name: 'example-org/webhook-receiver', private: true };
  if (type === 'ping') return { zen: 'Keep it logically awesome.', hook_id: randomInt(1, 2 ** 31), repository, ...extra(o) };
  if (type === 'issues') return { action: 'opened', issue: { number: randomInt(1, 1e6), title: o.note ?? SYNTHETIC, ...extra(o) }, repository };
  if (type === 'pull_request') return { action: 'opened', number: 0, pull_request: { number: randomInt(1, 1e6), title: o.note ?? SYNTHETIC, ...extra(o) }, repository };
  return { ref: 'refs/heads/main', head_commit: { id: randomBytes(20).toString('hex'), message: o.note ?? SYNTHETIC, ...extra(o) }, repository };
};
