/**
 * Tiny templates for provider declarations: literal text with `{type}`, `{id}`, `{timestamp}`,
 * `{sha256}` (hex SHA-256 of the raw body),
 * `{header:<name>}` and `{body:<dotted.path>[|<alternative.path>...]}` (the first present path wins). Hand-written because the grammar is five tokens and a
 * template engine would allow far more than a security-relevant declaration should.
 */
import { createHash } from 'node:crypto';
import { getHeader, type Headers } from './headers.ts';

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

function firstPresent(body: unknown, paths: readonly (readonly string[])[]): unknown {
  for (const path of paths) {
    const value = readPath(body, path);
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return undefined;
}

function readPath(body: unknown, path: readonly string[]): unknown {
  let node = body;
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = Object.hasOwn(node, segment) ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return node;
}

/** Renders a template; a missing or non-scalar value is reported, never thrown. */
export function renderTemplate(template: CompiledTemplate, input: TemplateInput): Rendered {
  let out = '';
  for (const part of template.parts) {
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
        const raw = firstPresent(input.body, part.paths);
        if (raw === undefined) return { ok: false, missing: `body field ${part.label}`, invalid: false };
        if (typeof raw === 'string') value = raw;
        else if (typeof raw === 'number' && Number.isFinite(raw)) value = String(raw);
        else return { ok: false, missing: `body field ${part.label}`, invalid: true };
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
    out += value;
  }
  return { ok: true, value: out };
}
