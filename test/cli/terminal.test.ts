/**
 * Sender-controlled text on the operator's terminal (ops/terminal.ts): escape sequences in a dedupe key
 * must reach the screen as visible text, in every human output of ops, and JSON output must stay JSON.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../ops/cli.ts';
import type { Io } from '../../ops/command.ts';
import { table } from '../../ops/commands/events.ts';
import { guardLine, json, shown } from '../../ops/terminal.ts';

const OSC_TITLE = '\u001b]0;pwned\u0007';
const CLEAR = '\u001b[2J';
const KEY = `evt_${OSC_TITLE}x${CLEAR}`;
/** What no line ops writes may contain (newline aside, which separates lines). */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('shown', () => {
  it('escapes C0, DEL, C1 and the Unicode bidi controls, and nothing else', () => {
    expect(shown(KEY)).toBe('evt_\\x1b]0;pwned\\x07x\\x1b[2J');
    expect(shown('a\tb\nc\rd\u007fe\u0085f\u009bg')).toBe('a\\x09b\\x0ac\\x0dd\\x7fe\\x85f\\x9bg');
    expect(shown('\u202eevil\u202c \u2066x\u2069 \u200f \u061c \u2028')).toBe('\\u202eevil\\u202c \\u2066x\\u2069 \\u200f \\u061c \\u2028');
    expect(shown('evt_1 Café ✓ 患者 back\\slash')).toBe('evt_1 Café ✓ 患者 back\\slash');
  });
});

describe('json', () => {
  it('is JSON with the same value, and holds no raw C1 or bidi control', () => {
    const value = { dedupeKey: `${KEY}\u009b2J\u202e` };
    const text = json(value, 2);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).not.toMatch(RAW);
    expect(text).toContain('\\u009b2J\\u202e');
  });
});

describe('ops events (table)', () => {
  it('prints a dedupe key, event type and error with escape sequences as visible text', () => {
    const lines = table([{
      dedupeKey: KEY, eventType: `x${CLEAR}`, status: 'failed', receivedAt: '2026-12-07T14:00:00.000Z', attempts: 2,
      lastError: `Error: bad id ${OSC_TITLE}\nforged line`,
    }]);
    const text = lines.join('\n');
    expect(text).not.toMatch(RAW);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('evt_\\x1b]0;pwned\\x07x\\x1b[2J');
    expect(lines[1]).toContain('x\\x1b[2J');
    expect(lines[1]).toContain('error: Error: bad id \\x1b]0;pwned\\x07\\x0aforged line');
  });
});

describe('every line main() writes', () => {
  it('escapes control characters other than newline and tab, JSON-safely', () => {
    expect(guardLine(`a\tb ${CLEAR}`)).toBe('a\tb \\u001b[2J');
    const line = JSON.stringify({ key: 'x\u009by' });
    expect(JSON.parse(guardLine(line))).toEqual({ key: 'x\u009by' });
  });

  it('applies to usage errors that quote what they were given', async () => {
    const lines: string[] = [];
    const io: Io = { out: (l) => lines.push(l), err: (l) => lines.push(l) };
    await main([`events${CLEAR}`], io);
    expect(lines.join('\n')).not.toMatch(RAW);
    expect(lines[0]).toContain('events\\u001b[2J');
  });
});
