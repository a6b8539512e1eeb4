/**
 * Tiny templates for provider declarations: literal text with `{type}`, `{id}`, `{timestamp}`,
 * `{sha256}` (hex SHA-256 of the raw body),
 * `{header:<name>}` and `{body:<dotted.path>[|<alternative.path>...]}` (the first present path wins). Hand-written because the grammar is five tokens and a
 * template engine would allow far more than a security-relevant declaration should.
 */
import { createHash } from 'node:crypto';
import { escapeValue, PERCENT_ONLY, type EscapeSet } from './dedupe-key.ts';
import { getHeader, type Headers } from './headers.ts';
import { ARRAY_INDEX, numberSource } from './json-source.ts';

export type TokenKind = 'type' | 'id' | 'timestamp' | 'sha256' | 'header' | 'body';

type Part =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'type' | 'id' | 'timestamp' | 'sha256' }
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'body'; readonly paths: readonly (readonly string[])[]; readonly label: string };

export interface CompiledTemplate {
  readonly source: string;
  readonly parts: readonly Part[];
  readonly uses: ReadonlySet<TokenKind>;
}

/** What a template may read. `body` is the parsed JSON, present only when the template needs it. */
export interface TemplateInput {
  readonly headers: Headers;
  readonly type?: string;
  readonly id?: string;
  readonly timestamp?: string;
  readonly body?: unknown;
  /** The text `body` was parsed from: a number is rendered as its source text, never re-formatted. */
  readonly bodyText?: string;
  /** The raw body, hashed only by templates with `{sha256}`. */
  readonly rawBody?: Uint8Array;
}

export type Rendered =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly missing: string; readonly invalid: boolean };

const TOKEN = /\{([a-z0-9]+)(?::([^{}]+))?\}/g;

export class TemplateError extends Error {}

export function compileTemplate(source: string, allowed: readonly TokenKind[]): CompiledTemplate {
  const parts: Part[] = [];
  const uses = new Set<TokenKind>();
  let last = 0;
  for (const match of source.matchAll(TOKEN)) {
    const [whole, kind = '', arg] = match;
    if (match.index > last) parts.push({ kind: 'literal', text: source.slice(last, match.index) });
    last = match.index + whole.length;
    if (!(allowed as readonly string[]).includes(kind)) {
      throw new TemplateError(`template '${source}': {${kind}} is not allowed here (allowed: ${allowed.join(', ')})`);
    }
    const token = kind as TokenKind;
    uses.add(token);
    if (token === 'header' || token === 'body') {
      if (!arg) throw new TemplateError(`template '${source}': {${token}:...} needs a name`);
      parts.push(
        token === 'header'
          ? { kind: 'header', name: arg.toLowerCase() }
          : { kind: 'body', paths: arg.split('|').map((path) => path.split('.')), label: arg },
      );
    } else {
      if (arg) throw new TemplateError(`template '${source}': {${token}} takes no argument`);
      parts.push({ kind: token });
    }
  }
  const rest = source.slice(last);
  if (/[{}]/.test(rest) || parts.some((p) => p.kind === 'literal' && /[{}]/.test(p.text))) {
    throw new TemplateError(`template '${source}': unbalanced or unknown {token}`);
  }
  if (rest) parts.push({ kind: 'literal', text: rest });
  return { source, parts, uses };
}

function readPath(body: unknown, path: readonly string[]): unknown {
  let node = body;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    // Arrays by index only (not `length`), exactly as numberSource walks them.
    if (Array.isArray(node) && !ARRAY_INDEX.test(segment)) return undefined;
    node = Object.hasOwn(node, segment) ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return node;
}

/**
 * Renders a template; a missing or non-scalar value is reported, never thrown. With `escape` (dedupe
 * keys, see dedupe-key.ts), each value followed by literal text has those characters percent-encoded,
 * and the value at the end has `%` encoded.
 */
export function renderTemplate(template: CompiledTemplate, input: TemplateInput, escape?: EscapeSet): Rendered {
  let out = '';
  const parts = template.parts;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    let value: string | undefined;
    switch (part.kind) {
      case 'literal':
        out += part.text;
        continue;
      case 'header':
        value = getHeader(input.headers, part.name);
        if (!value) return { ok: false, missing: `header ${part.name}`, invalid: false };
        break;
      case 'body': {
        // The first path with a value (not null, not '') wins.
        let found: unknown;
        let path: readonly string[] | undefined;
        for (const candidate of part.paths) {
          found = readPath(input.body, candidate);
          if (found !== undefined && found !== null && found !== '') {
            path = candidate;
            break;
          }
        }
        if (path === undefined) return { ok: false, missing: `body field ${part.label}`, invalid: false };
        if (typeof found === 'string') value = found;
        else if (typeof found === 'number' && input.bodyText !== undefined) value = numberSource(input.bodyText, path);
        if (value === undefined) return { ok: false, missing: `body field ${part.label}`, invalid: true };
        break;
      }
      case 'sha256':
        value = input.rawBody && createHash('sha256').update(input.rawBody).digest('hex');
        if (!value) return { ok: false, missing: 'sha256', invalid: false };
        break;
      default:
        value = input[part.kind];
        if (!value) return { ok: false, missing: part.kind, invalid: false };
    }
    out += escape ? escapeValue(value, i === parts.length - 1 ? PERCENT_ONLY : escape) : value;
  }
  return { ok: true, value: out };
}
