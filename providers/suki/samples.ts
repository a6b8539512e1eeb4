/**
 * Synthetic sample events in this vendor's documented payload shape, for `ops send` and the end-to-end
 * tests: fresh ids on every call, text fields that say they are synthetic (no patient data).
 */
import { randomUUID } from 'node:crypto';
import { SYNTHETIC, extra, type SampleBuilder } from '../sample-kit.ts';

/** The default event type first, then other types the vendor's page names (any other type is accepted too). */
export const eventTypes: readonly string[] = ['success', 'failure', 'timeout', 'cancelled'];

export const buildSample: SampleBuilder = (type, o) => {
  const session = randomUUID();
  return {
    ...(type === 'success'
      ? {
          _links: {
            contents: [{ href: `/api/v1/ambient/session/${session}/content`, method: 'GET', name: 'content', type: 'application/json' }],
            status: [{ href: `/api/v1/ambient/session/${session}/status`, method: 'GET', name: 'status', type: 'application/json' }],
          },
        }
      : {}),
    additional_info: { source: 'ops send', note: o.note ?? SYNTHETIC, ...extra(o) },
    encounter_id: randomUUID(),
    session_id: session,
    ...(type === 'failure' ? { error_code: 'ERROR_CODE_TRANSCRIPTION', error_detail: o.note ?? SYNTHETIC } : {}),
    status: type,
  };
};
