/**
 * Text that reaches the operator's terminal. Dedupe keys, event types, message ids, error reasons and the
 * other values ops prints come from senders (a body's `data.id`) or from what the stack recorded about
 * them: printed raw, an escape sequence in one (`ESC ] 0 ; ... BEL` sets the window title, `ESC [ 2 J`
 * clears the screen, a newline forges an output line, U+202E reverses what follows) acts on the terminal.
 *
 * - `shown(text)`: for human output. Every control character is written as an escape: C0 (including tab
 *   and newline), DEL and C1 as `\xHH`; the Unicode bidi controls and the line and paragraph separators as
 *   `\uHHHH`. Everything else, backslashes included, is printed as is (the exact value: --json).
 * - `json(value, space)`: JSON.stringify, which escapes C0 already, plus DEL, C1 and the same Unicode
 *   controls as `\uHHHH`: still JSON that parses to the same value, and safe if it is printed to a terminal
 *   (UTF-8 terminals that honour C1 read U+009B as CSI).
 * - `guardLine(line)`: the last line of defence main() applies to every line a command writes: the same
 *   characters except newline and tab, as `\uHHHH` so that JSON stays JSON.
 */

/** C0, DEL, C1, ALM (U+061C), LRM/RLM, LRE..RLO (U+202A-202E), LRI..PDI (U+2066-2069), LS/PS (U+2028/2029). */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const GUARDED = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const hex = (char: string, width: number) => char.charCodeAt(0).toString(16).padStart(width, '0');
const u = (char: string) => `\\u${hex(char, 4)}`;

/** Sender-controlled text for human output, its control characters escaped. */
export function shown(text: string): string {
  return text.replace(CONTROLS, (char) => (char.charCodeAt(0) <= 0xff ? `\\x${hex(char, 2)}` : u(char)));
}

/** JSON.stringify with DEL, C1 and the Unicode controls escaped too (same parsed value). */
export function json(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(UNSAFE_IN_JSON, u);
}

/** What main() writes: control characters other than newline and tab escaped, as JSON-valid \uHHHH. */
export function guardLine(line: string): string {
  return line.replace(GUARDED, u);
}
