/**
 * A provider is declared as data (see providers.ts). `defineProvider` validates a declaration once,
 * at module load, and compiles its templates so that verification does no parsing of the spec.
 */
import { escapeSet, type EscapeSet } from './dedupe-key.ts';
import { compileTemplate, TemplateError, type CompiledTemplate, type TokenKind } from './template.ts';

/** How the signature header carries its signature(s). */
export type SignatureFormat =
  /** The whole header value is one signature, after an optional fixed prefix (`sha256=<hex>`). */
  | 'plain'
  /** Stripe-shaped `t=<timestamp>,v1=<sig>[,v1=<sig>...]`: the timestamp travels inside this header. */
  | 'pairs'
  /** Standard Webhooks-shaped space-separated `v1,<sig> [v1,<sig> ...]`. */
  | 'list';

export interface SignatureSpec {
  /** Header carrying the signature (matched case-insensitively). */
  readonly header: string;
  readonly format: SignatureFormat;
  /** `plain` only: fixed text before the signature, e.g. `sha256=`. @default '' */
  readonly prefix?: string;
  readonly encoding: 'hex' | 'base64';
  /** Hex only: accept upper-case digits too (Suki says "usually lowercase"). @default 'lower' */
  readonly hexCase?: 'lower' | 'any';
}

export interface TimestampSpec {
  /** `signature`: the `t=` of a `pairs` header; otherwise the name of a header of its own. */
  readonly header: string | 'signature';
  readonly unit: 's' | 'ms';
  /** Accepted clock difference, both into the past and the future. */
  readonly toleranceSeconds: number;
}

/** First rule whose `when` matches the event type wins; a rule without `when` matches all. */
export interface DedupeRule {
  /** Event type pattern: exact, or a prefix ending in `*` (`audio_transcription.*`). */
  readonly when?: string;
  /** Template, e.g. `{type}:{body:data.id}`. */
  readonly key: string;
}

export interface ProviderDefinition {
  /** Route segment and configuration key: lowercase letters, digits and dashes. */
  readonly id: string;
  readonly name: string;
  readonly signature: SignatureSpec;
  /** Absent when the sender signs no timestamp: replay protection is then the dedupe ledger alone. */
  readonly timestamp?: TimestampSpec;
  /** Header holding a message id that is part of the signed content (`{id}`). */
  readonly idHeader?: string;
  /**
   * The exact bytes signed, as a template over `{timestamp}`, `{id}` and `{body}` (the raw body, last).
   * Values are taken verbatim from the headers, never re-formatted.
   */
  readonly signedContent: string;
  /** `raw`: the secret string's UTF-8 bytes as-is; `whsec-base64`: base64-decode the part after `whsec_`. */
  readonly key: 'raw' | 'whsec-base64';
  /** Template for the event type: `{body:type}` or `{header:x-github-event}`. */
  readonly eventType: string;
  /**
   * Idempotency key template(s): `{type}`, `{header:..}`, `{body:..}`, `{id}`, `{timestamp}`, `{sha256}`.
   * Literal text is printable ASCII without `%`, and separates every two tokens; with several rules,
   * each key starts with `{type}` and literal text. That keeps distinct events' keys distinct (dedupe-key.ts).
   */
  readonly dedupeKey: string | readonly DedupeRule[];
  /**
   * Inputs outside the signed content that a template reads anyway, per field, each with the reason
   * that is safe (required, non-empty). Only the signed bytes are the sender's word: whoever replays a
   * captured request can rewrite any other header, so defineProvider refuses a template that reads one
   * without an entry here. An input is `header:<name>`, or `id` / `timestamp` when signedContent does
   * not include them (the id and timestamp headers count as signed when it does; the body always is).
   * A dedupe key also reads what the event type reads when it uses `{type}` or its rules have `when`.
   * Example: `{ eventType: { 'header:x-github-event': 'labels the event only; GitHub signs no header' } }`.
   */
  readonly unsignedInputs?: {
    readonly eventType?: Readonly<Record<string, string>>;
    readonly dedupeKey?: Readonly<Record<string, string>>;
  };
  /** What the sender does when we do not answer 2xx: operator documentation. */
  readonly retries: string;
  /** Where the scheme is documented. */
  readonly docs: string;
}

export interface CompiledDedupeRule {
  readonly matches: (eventType: string) => boolean;
  readonly key: CompiledTemplate;
  /** The characters a value followed by literal text must percent-encode (dedupe-key.ts). */
  readonly escape: EscapeSet;
}

/** An input read outside the signed content, as declared, for operators and docs to list. */
export interface UnsignedInput {
  readonly field: 'eventType' | 'dedupeKey';
  /** `header:<lower-case name>`, `id` or `timestamp`. */
  readonly input: string;
  readonly reason: string;
}

/** A validated provider with its templates compiled. */
export interface Provider extends Omit<ProviderDefinition, 'unsignedInputs'> {
  /** Every declared unsigned input (empty when the templates read signed content only). */
  readonly unsignedInputs: readonly UnsignedInput[];
  readonly signatureHeader: string;
  readonly timestampHeader?: string;
  readonly idHeaderName?: string;
  /** The signed content before `{body}`. */
  readonly signedPrefix: CompiledTemplate;
  readonly eventTypeTemplate: CompiledTemplate;
  readonly dedupeRules: readonly CompiledDedupeRule[];
  /** True when the event type or dedupe key reads the JSON body. */
  readonly needsJsonBody: boolean;
}

export class ProviderDefinitionError extends Error {
  constructor(id: string, problem: string) {
    super(`provider '${id}': ${problem}`);
    this.name = 'ProviderDefinitionError';
  }
}

const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,47}$/;
const HEADER_PATTERN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function headerName(def: ProviderDefinition, what: string, name: string): string {
  if (!HEADER_PATTERN.test(name)) throw new ProviderDefinitionError(def.id, `${what} '${name}' is not a valid header name`);
  return name.toLowerCase();
}

/** Compiles one template field, reporting a bad template as this provider's problem, naming the field. */
function compileField(def: ProviderDefinition, field: string, source: string, allowed: readonly TokenKind[]): CompiledTemplate {
  try {
    return compileTemplate(source, allowed);
  } catch (error) {
    if (error instanceof TemplateError) throw new ProviderDefinitionError(def.id, `${field}: ${error.message}`);
    throw error;
  }
}

function compileSignedContent(def: ProviderDefinition): CompiledTemplate {
  const marker = '{body}';
  const at = def.signedContent.indexOf(marker);
  if (at < 0 || at + marker.length !== def.signedContent.length) {
    throw new ProviderDefinitionError(def.id, `signedContent must end with {body}: '${def.signedContent}'`);
  }
  const prefix = compileField(def, 'signedContent', def.signedContent.slice(0, at), ['timestamp', 'id']);
  if (prefix.uses.has('timestamp') && !def.timestamp) {
    throw new ProviderDefinitionError(def.id, 'signedContent uses {timestamp} but no timestamp is declared');
  }
  if (prefix.uses.has('id') && !def.idHeader) {
    throw new ProviderDefinitionError(def.id, 'signedContent uses {id} but no idHeader is declared');
  }
  return prefix;
}

function compileDedupeRules(def: ProviderDefinition): CompiledDedupeRule[] {
  const rules: readonly DedupeRule[] = typeof def.dedupeKey === 'string' ? [{ key: def.dedupeKey }] : def.dedupeKey;
  if (rules.length === 0) throw new ProviderDefinitionError(def.id, 'dedupeKey needs at least one rule');
  const templates = rules.map((rule) => compileField(def, 'dedupeKey', rule.key, ['type', 'header', 'body', 'id', 'timestamp', 'sha256']));
  // The conditions under which escaping makes keys injective (the proof is in dedupe-key.ts).
  const literals = new Set<string>();
  for (const template of templates) {
    template.parts.forEach((part, i) => {
      if (part.kind === 'literal') {
        if (!/^[\x20-\x24\x26-\x7e]+$/.test(part.text)) {
          throw new ProviderDefinitionError(def.id, `dedupeKey '${template.source}': literal text must be printable ASCII without %`);
        }
        for (const c of part.text) literals.add(c);
      } else if (template.parts[i + 1] !== undefined && template.parts[i + 1]?.kind !== 'literal') {
        throw new ProviderDefinitionError(def.id, `dedupeKey '${template.source}': separate every two tokens with literal text`);
      }
    });
    if (templates.length > 1 && !(template.parts[0]?.kind === 'type' && template.parts[1]?.kind === 'literal')) {
      throw new ProviderDefinitionError(def.id, `dedupeKey '${template.source}': with several rules, every key starts with {type} and literal text`);
    }
  }
  if (rules[rules.length - 1]?.when !== undefined) {
    throw new ProviderDefinitionError(def.id, 'the last dedupeKey rule must have no `when`, so every event gets a key');
  }
  const escape = escapeSet(literals);
  return rules.map((rule, i) => ({ matches: typeMatcher(rule.when), key: templates[i]!, escape }));
}

/** The inputs a template reads that the signature does not cover, as `header:<name>`, `id`, `timestamp`. */
function unsignedReads(template: CompiledTemplate, signed: ReadonlySet<string>): string[] {
  const reads = template.parts.flatMap((part) =>
    part.kind === 'header' ? [`header:${part.name}`] : part.kind === 'id' || part.kind === 'timestamp' ? [part.kind] : [],
  );
  return reads.filter((input) => !signed.has(input));
}

/** Refuses unsigned inputs that are read without an opt-in, and opt-ins that are not needed. */
function checkUnsignedInputs(
  def: ProviderDefinition,
  signedPrefix: CompiledTemplate,
  eventType: CompiledTemplate,
  rules: readonly CompiledDedupeRule[],
): UnsignedInput[] {
  const signed = new Set<string>();
  if (signedPrefix.uses.has('id')) signed.add('id').add(`header:${def.idHeader?.toLowerCase()}`);
  if (signedPrefix.uses.has('timestamp')) {
    signed.add('timestamp');
    if (def.timestamp && def.timestamp.header !== 'signature') signed.add(`header:${def.timestamp.header.toLowerCase()}`);
  }
  const typeReads = unsignedReads(eventType, signed);
  // The type picks the rule when rules have `when`, and `{type}` copies it: both read what it reads.
  const byType = rules.length > 1 || rules.some((rule) => rule.key.uses.has('type'));
  const reads = {
    eventType: new Set(typeReads),
    dedupeKey: new Set([...rules.flatMap((rule) => unsignedReads(rule.key, signed)), ...(byType ? typeReads : [])]),
  };
  // Declarations also come from JSON configuration: refuse a shape this code would not read.
  for (const [field, optIns] of Object.entries(def.unsignedInputs ?? {})) {
    if ((field !== 'eventType' && field !== 'dedupeKey') || typeof optIns !== 'object' || optIns === null || Array.isArray(optIns)) {
      throw new ProviderDefinitionError(def.id, `unsignedInputs: expected { eventType?: { <input>: <reason> }, dedupeKey?: { <input>: <reason> } }, got key '${field}'`);
    }
  }
  const declared: UnsignedInput[] = [];
  for (const field of ['eventType', 'dedupeKey'] as const) {
    const optIns = new Map<string, string>();
    for (const [name, reason] of Object.entries(def.unsignedInputs?.[field] ?? {})) {
      const input = name.startsWith('header:') ? name.toLowerCase() : name;
      if (!reads[field].has(input)) {
        throw new ProviderDefinitionError(def.id, `unsignedInputs.${field} names '${name}', which ${field} does not read unsigned`);
      }
      if (typeof reason !== 'string' || reason.trim() === '') {
        throw new ProviderDefinitionError(def.id, `unsignedInputs.${field} '${name}' needs the reason it is safe`);
      }
      optIns.set(input, reason);
    }
    for (const input of reads[field]) {
      if (!optIns.has(input)) {
        throw new ProviderDefinitionError(
          def.id,
          `${field} reads ${input}, which the signature does not cover (a replayed request can change it): ` +
            `read signed content, or declare it in unsignedInputs.${field} with the reason it is safe`,
        );
      }
    }
    for (const [input, reason] of optIns) declared.push({ field, input, reason });
  }
  return declared;
}

function typeMatcher(when: string | undefined): (eventType: string) => boolean {
  if (when === undefined) return () => true;
  if (when.endsWith('*')) {
    const prefix = when.slice(0, -1);
    return (eventType) => eventType.startsWith(prefix);
  }
  return (eventType) => eventType === when;
}

/** Validates a declaration and compiles it. Throws ProviderDefinitionError with the exact problem. */
export function defineProvider(def: ProviderDefinition): Provider {
  if (!ID_PATTERN.test(def.id)) {
    throw new ProviderDefinitionError(def.id, 'id must be lowercase letters, digits and dashes (at most 48)');
  }
  const sig = def.signature;
  if (sig.format === 'pairs' && def.timestamp?.header !== 'signature') {
    throw new ProviderDefinitionError(def.id, "a 'pairs' signature carries the timestamp: set timestamp.header to 'signature'");
  }
  if (sig.format !== 'pairs' && def.timestamp?.header === 'signature') {
    throw new ProviderDefinitionError(def.id, "timestamp.header 'signature' needs signature.format 'pairs'");
  }
  if (sig.prefix !== undefined && sig.format !== 'plain') {
    throw new ProviderDefinitionError(def.id, "signature.prefix applies to the 'plain' format only");
  }
  if (def.timestamp && !(def.timestamp.toleranceSeconds > 0 && Number.isFinite(def.timestamp.toleranceSeconds))) {
    throw new ProviderDefinitionError(def.id, 'timestamp.toleranceSeconds must be a positive number');
  }
  const signedPrefix = compileSignedContent(def);
  const eventTypeTemplate = compileField(def, 'eventType', def.eventType, ['header', 'body']);
  const dedupeRules = compileDedupeRules(def);
  const unsignedInputs = checkUnsignedInputs(def, signedPrefix, eventTypeTemplate, dedupeRules);
  const timestampHeader =
    def.timestamp && def.timestamp.header !== 'signature' ? headerName(def, 'timestamp.header', def.timestamp.header) : undefined;
  return {
    ...def,
    signatureHeader: headerName(def, 'signature.header', sig.header),
    ...(timestampHeader ? { timestampHeader } : {}),
    ...(def.idHeader ? { idHeaderName: headerName(def, 'idHeader', def.idHeader) } : {}),
    signedPrefix,
    eventTypeTemplate,
    dedupeRules,
    unsignedInputs,
    needsJsonBody: eventTypeTemplate.uses.has('body') || dedupeRules.some((r) => r.key.uses.has('body')),
  };
}
