/** The canary's event (lambdas/canary/run-canary.ts builds the same body), for `ops send --provider canary`. */
import { extra, id, type SampleBuilder } from '../sample-kit.ts';
import { CANARY_EVENT_TYPE } from './declaration.ts';

/** The canary's own type first; any other type is handled the same way (the processor does nothing). */
export const eventTypes: readonly string[] = [CANARY_EVENT_TYPE, 'canary.sample'];

export const buildSample: SampleBuilder = (type, o, now) => ({
  type,
  timestamp: now.toISOString(),
  data: { id: id('canary'), note: o.note ?? 'Synthetic canary event: no patient data.', ...extra(o) },
});
