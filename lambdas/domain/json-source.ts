/**
 * The source text of the JSON number at a path. Dedupe keys are built from it because JSON.parse
 * rounds: `9007199254740993` reads as 9007199254740992 and `1e3` as 1000, so distinct ids would share
 * a key. Hand-written because JSON.parse's reviver `context.source` needs Node 21+ (the tests run on 20),
 * and only the number lexemes are needed: a scanner over text that JSON.parse has already accepted is
 * short, and runs only when a dedupe key reads a number.
 */

/** How readPath in template.ts, and this scanner, index arrays: canonical decimal indexes only. */
export const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

/** Characters where a skip of a container must look: quotes and brackets. */
const STRUCTURE = /["[\]{}]/g;
/** Characters that end a number or a literal (true, false, null). */
const SCALAR_END = /[\s,\]}]/g;

/**
 * The lexeme of the number at `path` in `text`, or undefined when there is no number there. `text` must
 * be JSON that JSON.parse accepted: it is not validated again. A key given twice counts its last
 * occurrence, as JSON.parse does.
 */
export function numberSource(text: string, path: readonly string[]): string | undefined {
  let pos = 0;

  function skipSpace(): void {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      pos++;
    }
  }

  /** From an opening quote: moves past the closing one, returns the string's raw text (quotes included). */
  function skipString(): string {
    const start = pos;
    let from = pos + 1;
    for (;;) {
      const quote = text.indexOf('"', from);
      let backslashes = 0;
      while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
      from = quote + 1;
      if (backslashes % 2 === 0) break; // an even run escapes itself, not the quote
    }
    pos = from;
    return text.slice(start, from);
  }

  function skipValue(): void {
    const c = text[pos];
    if (c === '"') {
      skipString();
    } else if (c === '{' || c === '[') {
      let depth = 0;
      do {
        STRUCTURE.lastIndex = pos;
        pos = STRUCTURE.exec(text)!.index;
        const s = text[pos];
        if (s === '"') skipString();
        else {
          depth += s === '{' || s === '[' ? 1 : -1;
          pos++;
        }
      } while (depth > 0);
    } else {
      SCALAR_END.lastIndex = pos;
      pos = SCALAR_END.exec(text)?.index ?? text.length;
    }
  }

  /** Reads the value at `pos`, returning its lexeme when it is a number at the end of the path. */
  function valueAt(depth: number): string | undefined {
    skipSpace();
    const start = pos;
    const c = text[pos];
    if (depth === path.length) {
      skipValue();
      return c === '-' || (c !== undefined && c >= '0' && c <= '9') ? text.slice(start, pos) : undefined;
    }
    const segment = path[depth];
    if (c === '{') {
      let found: string | undefined;
      pos++;
      skipSpace();
      if (text[pos] === '}') {
        pos++;
        return undefined;
      }
      for (;;) {
        skipSpace();
        const raw = skipString();
        const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        skipSpace();
        pos++; // ':'
        if (key === segment) found = valueAt(depth + 1); // the last occurrence wins, even when it holds no number
        else {
          skipSpace();
          skipValue();
        }
        skipSpace();
        if (text[pos++] === '}') return found; // else ','
      }
    }
    if (c === '[') {
      let found: string | undefined;
      const wanted = segment !== undefined && ARRAY_INDEX.test(segment) ? Number(segment) : -1;
      pos++;
      skipSpace();
      if (text[pos] === ']') {
        pos++;
        return undefined;
      }
      for (let index = 0; ; index++) {
        if (index === wanted) found = valueAt(depth + 1);
        else {
          skipSpace();
          skipValue();
        }
        skipSpace();
        if (text[pos++] === ']') return found;
      }
    }
    skipValue();
    return undefined;
  }

  return valueAt(0);
}
