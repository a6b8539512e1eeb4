/**
 * Only the signed bytes are the sender's word. A template that reads anything else needs an explicit,
 * reasoned opt-in; GitHub's unsigned headers label an event but never identify it.
 */
import { describe, expect, it } from 'vitest';
import { ProviderDefinitionError, defineProvider, type ProviderDefinition } from '../../lambdas/domain/provider.ts';
import { providerDeclarations, providers } from '../../providers/index.ts';
import { DEFAULT_DELIVERY, check } from './fixtures.ts';
import { sample } from './samples.ts';
import { recipe } from './signers.ts';

function definition(id: string): ProviderDefinition {
  const found = providerDeclarations.find((d) => d.id === id);
  if (!found) throw new Error(`no definition ${id}`);
  return found;
}
const stripeDef = definition('stripe');
const swDef = definition('standard-webhooks');
const githubDef = definition('github');
const solatisDef = definition('solatis');

function refusal(def: ProviderDefinition): string {
  try {
    defineProvider(def);
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderDefinitionError);
    return (error as Error).message;
  }
  throw new Error(`${def.id}: accepted`);
}

describe('defineProvider refuses templates that read unsigned inputs without an opt-in', () => {
  it('a dedupe key {header:x-foo}', () => {
    expect(refusal({ ...stripeDef, dedupeKey: '{header:x-foo}' })).toBe(
      "provider 'stripe': dedupeKey reads header:x-foo, which the signature does not cover (a replayed request can change it): " +
        'read signed content, or declare it in unsignedInputs.dedupeKey with the reason it is safe',
    );
  });

  it('an event type from a header', () => {
    expect(refusal({ ...stripeDef, eventType: '{header:x-event}' })).toContain("provider 'stripe': eventType reads header:x-event, which the signature does not cover");
  });

  it('GitHub as it was: the delivery id as dedupe key', () => {
    expect(refusal({ ...githubDef, dedupeKey: '{header:x-github-delivery}' })).toContain('dedupeKey reads header:x-github-delivery');
  });

  it('a dedupe key with {type}, when the type comes from an unsigned header', () => {
    expect(refusal({ ...githubDef, dedupeKey: '{type}:{sha256}' })).toContain('dedupeKey reads header:x-github-event');
  });

  it('rules chosen by a type that comes from an unsigned header', () => {
    const dedupeKey = [{ when: 'push', key: '{sha256}' }, { key: '{sha256}' }];
    // (several rules must also start with {type}; that check comes first)
    expect(refusal({ ...githubDef, dedupeKey })).toContain('every key starts with {type}');
    expect(refusal({ ...githubDef, dedupeKey: [{ when: 'push', key: '{type}:{sha256}' }, { key: '{type}:{sha256}' }] })).toContain(
      'dedupeKey reads header:x-github-event',
    );
  });

  it('{timestamp} when signedContent does not include it', () => {
    expect(refusal({ ...swDef, signedContent: '{id}.{body}', dedupeKey: '{id}:{timestamp}' })).toContain('dedupeKey reads timestamp');
  });

  it('{id} when signedContent does not include it', () => {
    expect(refusal({ ...swDef, signedContent: '{timestamp}.{body}', dedupeKey: '{id}' })).toContain('dedupeKey reads id');
  });

  it('the signature header itself', () => {
    expect(refusal({ ...stripeDef, dedupeKey: '{header:stripe-signature}' })).toContain('dedupeKey reads header:stripe-signature');
  });

  it('an opt-in with an empty reason', () => {
    expect(refusal({ ...stripeDef, dedupeKey: '{header:x-foo}', unsignedInputs: { dedupeKey: { 'header:x-foo': '  ' } } })).toBe(
      "provider 'stripe': unsignedInputs.dedupeKey 'header:x-foo' needs the reason it is safe",
    );
  });

  it('an opt-in for the event type does not cover the dedupe key', () => {
    const def = { ...githubDef, dedupeKey: '{header:x-github-event}:{sha256}' };
    expect(refusal(def)).toContain('dedupeKey reads header:x-github-event');
  });

  it('an opt-in not filed under the field that reads it (declarations also come from JSON)', () => {
    const flat = { 'header:x-github-event': 'reason' } as unknown as ProviderDefinition['unsignedInputs'];
    expect(refusal({ ...githubDef, unsignedInputs: flat })).toBe(
      "provider 'github': unsignedInputs: expected { eventType?: { <input>: <reason> }, dedupeKey?: { <input>: <reason> } }, got key 'header:x-github-event'",
    );
  });

  it('an opt-in nothing needs (a signed input, or one no template reads)', () => {
    expect(refusal({ ...swDef, unsignedInputs: { dedupeKey: { 'header:webhook-id': 'signed anyway' } } })).toBe(
      "provider 'standard-webhooks': unsignedInputs.dedupeKey names 'header:webhook-id', which dedupeKey does not read unsigned",
    );
    expect(refusal({ ...stripeDef, unsignedInputs: { eventType: { 'header:x-github-event': 'not read' } } })).toContain(
      "unsignedInputs.eventType names 'header:x-github-event'",
    );
  });
});

describe('what counts as signed', () => {
  it('the id and timestamp headers, when signedContent includes them', () => {
    const provider = defineProvider({ ...swDef, dedupeKey: '{header:webhook-id}:{header:webhook-timestamp}:{id}:{timestamp}' });
    expect(provider.unsignedInputs).toStrictEqual([]);
  });

  it('an opt-in with its reason is accepted, and listed on the provider (header names in lower case)', () => {
    const provider = defineProvider({ ...stripeDef, dedupeKey: '{header:X-Foo}', unsignedInputs: { dedupeKey: { 'header:X-Foo': 'the vendor says so' } } });
    expect(provider.unsignedInputs).toStrictEqual([{ field: 'dedupeKey', input: 'header:x-foo', reason: 'the vendor says so' }]);
  });

  it('a body read and {sha256} are always signed', () => {
    expect(defineProvider({ ...solatisDef, dedupeKey: '{type}:{body:id}:{sha256}' }).unsignedInputs).toStrictEqual([]);
  });
});

describe('the built-in providers', () => {
  it('only GitHub reads an unsigned input: its event type header, with the reason', () => {
    const declared = [...providers.values()].flatMap((p) => p.unsignedInputs.map((u) => ({ provider: p.id, field: u.field, input: u.input })));
    expect(declared).toStrictEqual([{ provider: 'github', field: 'eventType', input: 'header:x-github-event' }]);
    expect(providers.get('github')?.unsignedInputs[0]?.reason).toMatch(/never changes its dedupe key/);
  });

  it('github: the same body with another X-GitHub-Delivery and X-GitHub-Event keeps its dedupe key', () => {
    const { body } = sample('github');
    const first = check('github', recipe('github', { body, msgId: DEFAULT_DELIVERY, event: 'push' }), body);
    const replayed = check('github', recipe('github', { body, msgId: '00000000-0000-4000-8000-00000000beef', event: 'release' }), body);
    expect(first).toMatchObject({ ok: true, eventType: 'push' });
    expect(replayed).toMatchObject({ ok: true, eventType: 'release' });
    if (!first.ok || !replayed.ok) throw new Error('expected both to verify');
    expect(replayed.dedupeKey).toBe(first.dedupeKey);
  });
});
