/**
 * Argument handling shared by every ops command: node's own `util.parseArgs` in strict mode, with its
 * errors turned into usage errors (exit 2), repeated options detected, and files and times validated.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { closest } from './suggest.ts';

/** A problem with how the command was called: printed with the command's synopsis, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** True when `-h` or `--help` appears before a `--` terminator, whatever else is on the line. */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/** Parsed options. Every string option is collected as a list so that repeats are caught, not silently overwritten. */
export class ParsedArgs {
  constructor(private readonly values: Readonly<Record<string, (string | boolean)[] | undefined>>) {}

  flag(name: string): boolean {
    return (this.values[name] ?? []).some((v) => v === true);
  }

  all(name: string): string[] {
    return (this.values[name] ?? []).filter((v): v is string => typeof v === 'string');
  }

  /** The option's value, or undefined when absent; given twice is a usage error. */
  optional(name: string): string | undefined {
    const values = this.all(name);
    if (values.length > 1) throw new UsageError(`--${name} given ${values.length} times; give it once`);
    return values[0];
  }

  /** The option's value; call `requireOptions` first to report every missing option at once. */
  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) throw new UsageError(`missing --${name}`);
    return value;
  }
}

function parseError(error: unknown, known: readonly string[]): UsageError {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
  // Node's message repeats the stray argument verbatim, which may be half of a secret split by the shell.
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return new UsageError('unexpected argument: this command takes only --options (quote values that contain spaces)');
  }
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    // Node names the option alone (never its =value): `--provder` -> did you mean --provider?
    const name = /^Unknown option '--([^'=]+)'/.exec(message)?.[1];
    const match = name === undefined ? undefined : closest(name, known.filter((k) => k !== 'help'));
    return new UsageError(`${message.replace(/^Unknown option/, 'unknown option')}${match === undefined ? '' : `; did you mean --${match}?`}`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return new UsageError(message.replace(/^Option/, 'option'));
  }
  return new UsageError('cannot parse the arguments');
}

/**
 * Parses argv strictly against `specs` (plus `-h/--help`) and checks that every option in `required`
 * is present, naming all the missing ones in one message.
 */
export function parseOptions(argv: readonly string[], specs: OptionSpecs, required: readonly string[] = []): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple: true }> = {
    help: { type: 'boolean', short: 'h', multiple: true },
  };
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = { type: spec.type, multiple: true, ...(spec.short ? { short: spec.short } : {}) };
  }
  let values: Record<string, (string | boolean)[] | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw parseError(error, Object.keys(options));
  }
  const parsed = new ParsedArgs(values);
  const missing = required.filter((name) => parsed.all(name).length === 0);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((name) => `--${name}`).join(', ')}`);
  return parsed;
}

/** Unix seconds as digits. Thirteen digits are almost always milliseconds: say so. */
export function parseUnixSeconds(text: string, flag: string): number {
  if (/^[0-9]{13}$/.test(text)) {
    throw new UsageError(`${flag} must be unix seconds; ${text} looks like milliseconds (drop the last 3 digits)`);
  }
  if (!/^[0-9]{1,10}$/.test(text)) throw new UsageError(`${flag} must be unix seconds as digits, e.g. ${Math.floor(Date.now() / 1000)}`);
  return Number(text);
}

const FS_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
};

/** Reads a file's exact bytes; an unreadable file is a usage error that names the option and the path. */
export function readFileArg(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`cannot read ${flag} ${path}: ${FS_ERRORS[code] ?? code}`);
  }
}
