/** Providers are data: declarations are validated up front, and a new scheme needs no code. */
import { Webhook as SvixWebhook } from 'svix';
import { describe, expect, it } from 'vitest';
import { prepareKeys } from '../../lambdas/domain/keys.ts';
import { ProviderDefinitionError, defineProvider, type ProviderDefinition } from '../../lambdas/domain/provider.ts';
import { buildRegistry } from '../../lambdas/domain/registry.ts';
import { findProvider, providerDeclarations, providers } from '../../providers/index.ts';
import { verify } from '../../lambdas/domain/verification.ts';
import { NOW, PROVIDER_IDS, SECRETS, SIGNATURE_HEADER, bytes } from './fixtures.ts';
import { sample } from './samples.ts';

function definition(id: string): ProviderDefinition {
  const found = providerDeclarations.find((d) => d.id === id);
  if (!found) throw new Error(`no definition ${id}`);
  return found;
}

const stripeDef = definition('stripe');
const swDef = definition('standard-webhooks');
const githubDef = definition('github');

describe('the built-in registry', () => {
  it('holds exactly the eight documented providers, and the stack\'s own canary', () => {
    expect([...providers.keys()].sort()).toStrictEqual([...PROVIDER_IDS, 'canary'].sort());
    for (const id of PROVIDER_IDS) expect(findProvider(id)?.id).toBe(id);
    expect(findProvider('svix')).toBeUndefined();
    expect(findProvider('STRIPE')).toBeUndefined();
  });

  it('reads each signature from the header the vendor documents', () => {
    for (const id of PROVIDER_IDS) expect(findProvider(id)?.signatureHeader).toBe(SIGNATURE_HEADER[id]);
  });

  it('buildRegistry rejects duplicate ids', () => {
    expect(() => buildRegistry([stripeDef, githubDef, { ...stripeDef, name: 'Stripe again' }])).toThrow("provider 'stripe' is declared twice");
  });

  it('buildRegistry compiles every definition it is given', () => {
    const registry = buildRegistry([stripeDef, githubDef]);
    expect([...registry.keys()]).toStrictEqual(['stripe', 'github']);
    expect(() => buildRegistry([stripeDef, { ...githubDef, id: 'GitHub' }])).toThrow(ProviderDefinitionError);
  });
});

describe('defineProvider rejects bad declarations with the exact problem', () => {
  const cases: [string, ProviderDefinition, string][] = [
    ['an id with upper case', { ...stripeDef, id: 'Stripe' }, "provider 'Stripe': id must be lowercase letters, digits and dashes (at most 48)"],
    ['an id with a slash', { ...stripeDef, id: 'stripe/v2' }, "provider 'stripe/v2': id must be lowercase letters, digits and dashes"],
    ['an empty id', { ...stripeDef, id: '' }, "provider '': id must be lowercase"],
    ['an id of 49 characters', { ...stripeDef, id: 'a'.repeat(49) }, 'id must be lowercase letters, digits and dashes (at most 48)'],
    ['an id starting with a dash', { ...stripeDef, id: '-stripe' }, 'id must be lowercase'],
    ['signedContent not ending in {body}', { ...stripeDef, signedContent: '{body}.{timestamp}' }, "provider 'stripe': signedContent must end with {body}: '{body}.{timestamp}'"],
    ['signedContent without {body}', { ...stripeDef, signedContent: '{timestamp}.' }, 'signedContent must end with {body}'],
    ['signedContent with {body} twice', { ...stripeDef, signedContent: '{body}{body}' }, 'signedContent'],
    ['an unknown token in signedContent', { ...stripeDef, signedContent: '{nonce}.{body}' }, "provider 'stripe': signedContent: template '{nonce}.': {nonce} is not allowed here (allowed: timestamp, id)"],
    ['an unknown token in eventType', { ...stripeDef, eventType: '{query:type}' }, "provider 'stripe': eventType: template '{query:type}': {query} is not allowed here (allowed: header, body)"],
    ['an unknown token in dedupeKey', { ...stripeDef, dedupeKey: '{body:id}:{uuid}' }, "provider 'stripe': dedupeKey: template '{body:id}:{uuid}': {uuid} is not allowed here"],
    ['{body} without a path', { ...stripeDef, eventType: '{body}' }, "provider 'stripe': eventType: template '{body}': {body:...} needs a name"],
    ['an unbalanced brace', { ...stripeDef, dedupeKey: '{body:id' }, "provider 'stripe': dedupeKey: template '{body:id': unbalanced or unknown {token}"],
    ['{timestamp} with no timestamp declared', { ...githubDef, signedContent: '{timestamp}.{body}' }, "provider 'github': signedContent uses {timestamp} but no timestamp is declared"],
    ['{id} with no idHeader declared', { ...stripeDef, signedContent: '{id}.{timestamp}.{body}' }, "provider 'stripe': signedContent uses {id} but no idHeader is declared"],
    ['a pairs format whose timestamp is a header of its own', { ...stripeDef, timestamp: { header: 'x-ts', unit: 's', toleranceSeconds: 300 } }, "provider 'stripe': a 'pairs' signature carries the timestamp: set timestamp.header to 'signature'"],
    ['a pairs format with no timestamp', (({ timestamp: _t, ...rest }) => ({ ...rest, signedContent: '{body}' }))(stripeDef), "a 'pairs' signature carries the timestamp"],
    ["timestamp.header 'signature' outside pairs", { ...swDef, timestamp: { header: 'signature', unit: 's', toleranceSeconds: 300 } }, "timestamp.header 'signature' needs signature.format 'pairs'"],
    ['a prefix outside the plain format', { ...stripeDef, signature: { ...stripeDef.signature, prefix: 'sha256=' } }, "signature.prefix applies to the 'plain' format only"],
    ['a zero tolerance', { ...swDef, timestamp: { header: 'webhook-timestamp', unit: 's', toleranceSeconds: 0 } }, 'timestamp.toleranceSeconds must be a positive number'],
    ['an infinite tolerance', { ...swDef, timestamp: { header: 'webhook-timestamp', unit: 's', toleranceSeconds: Infinity } }, 'timestamp.toleranceSeconds must be a positive number'],
    ['a last dedupe rule with `when`', { ...stripeDef, dedupeKey: [{ when: 'charge.*', key: '{body:id}' }] }, "provider 'stripe': the last dedupeKey rule must have no `when`, so every event gets a key"],
    ['no dedupe rule at all', { ...stripeDef, dedupeKey: [] }, 'dedupeKey needs at least one rule'],
    ['an invalid signature header name', { ...githubDef, signature: { ...githubDef.signature, header: 'x hub signature' } }, "provider 'github': signature.header 'x hub signature' is not a valid header name"],
    ['an invalid timestamp header name', { ...swDef, timestamp: { header: 'webhook:timestamp', unit: 's', toleranceSeconds: 300 } }, "timestamp.header 'webhook:timestamp' is not a valid header name"],
    ['an invalid id header name', { ...swDef, idHeader: 'webhook id' }, "idHeader 'webhook id' is not a valid header name"],
  ];

  for (const [name, def, message] of cases) {
    it(`${name}`, () => {
      let thrown: unknown;
      try {
        defineProvider(def);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ProviderDefinitionError);
      expect((thrown as Error).message).toContain(message);
      expect((thrown as Error).message.startsWith(`provider '${def.id}': `)).toBe(true);
    });
  }

  it('accepts every built-in declaration unchanged (control)', () => {
    for (const def of providerDeclarations) expect(defineProvider(def).id).toBe(def.id);
  });
});

describe('a new provider declared purely as data', () => {
  // Svix is Standard Webhooks with its own header names: one more entry, no code.
  const svixDef: ProviderDefinition = {
    ...swDef,
    id: 'svix',
    name: 'Svix',
    signature: { header: 'svix-signature', format: 'list', encoding: 'base64' },
    timestamp: { header: 'svix-timestamp', unit: 's', toleranceSeconds: 300 },
    idHeader: 'svix-id',
  };
  const registry = buildRegistry([...providerDeclarations, svixDef]);
  const svix = registry.get('svix');
  const secret = SECRETS['standard-webhooks'].current;
  const msgId = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const body = sample('standard-webhooks').body;
  const headers = {
    'svix-id': msgId,
    'svix-timestamp': String(NOW),
    'svix-signature': new SvixWebhook(secret).sign(msgId, new Date(NOW * 1000), body),
  };

  it('verifies a vector from the svix package', () => {
    if (!svix) throw new Error('svix missing from the registry');
    expect(registry.size).toBe(providerDeclarations.length + 1);
    expect(verify(svix, headers, bytes(body), prepareKeys(svix, { current: secret }), NOW)).toStrictEqual({
      ok: true,
      matched: 'current',
      eventType: 'patient.note.signed',
      dedupeKey: msgId,
      timestamp: String(NOW),
      id: msgId,
    });
  });

  it('rejects the same vector with one byte changed', () => {
    if (!svix) throw new Error('svix missing from the registry');
    const tampered = bytes(body.replace('n_9f2', 'n_9f3'));
    expect(verify(svix, headers, tampered, prepareKeys(svix, { current: secret }), NOW)).toMatchObject({ ok: false, code: 'signature_mismatch' });
  });

  it('the standard-webhooks entry does not read svix- headers', () => {
    const sw = registry.get('standard-webhooks');
    if (!sw) throw new Error('standard-webhooks missing');
    expect(verify(sw, headers, bytes(body), prepareKeys(sw, { current: secret }), NOW)).toStrictEqual({
      ok: false,
      code: 'missing_header',
      status: 401,
      reason: 'missing header webhook-signature',
    });
  });
});
