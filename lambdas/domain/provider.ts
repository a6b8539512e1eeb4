/**
 * A provider is declared as data (see providers.ts). `defineProvider` validates a declaration once,
 * at module load, and compiles its templates so that verification does no parsing of the spec.
 */
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
  /** Idempotency key template(s): `{type}`, `{header:..}`, `{body:..}`, `{id}`, `{timestamp}`, `{sha256}`. */
  readonly dedupeKey: string | readonly DedupeRule[];
  /** What the sender does when we do not answer 2xx: operator documentation. */
  readonly retries: string;
  /** Where the scheme is documented. */
  readonly docs: string;
}

export interface CompiledDedupeRule {
  readonly matches: (eventType: string) => boolean;
  readonly key: CompiledTemplate;
}

/** A validated provider with its templates compiled. */
export interface Provider extends ProviderDefinition {
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
  const compiled = rules.map((rule) => ({
    matches: typeMatcher(rule.when),
    key: compileField(def, 'dedupeKey', rule.key, ['type', 'header', 'body', 'id', 'timestamp', 'sha256']),
  }));
  if (rules[rules.length - 1]?.when !== undefined) {
    throw new ProviderDefinitionError(def.id, 'the last dedupeKey rule must have no `when`, so every event gets a key');
  }
  return compiled;
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
    needsJsonBody: eventTypeTemplate.uses.has('body') || dedupeRules.some((r) => r.key.uses.has('body')),
  };
}
