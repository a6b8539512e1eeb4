/** What every ops command provides, and the exit codes they share. */

export const ExitCode = {
  /** The command did what was asked; for checks, the answer is positive. */
  Ok: 0,
  /** A negative result: the request is invalid. */
  Negative: 1,
  /** Bad or missing arguments, unknown provider, unreadable file, malformed secret or input file. */
  Usage: 2,
  /** A bug in this tool (EX_SOFTWARE). */
  Internal: 70,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Where a command writes. Lines, without their newline. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export interface Command {
  readonly name: string;
  /** One line for the command table. */
  readonly summary: string;
  /** Full help text; its first paragraph is the synopsis repeated under usage errors. */
  readonly usage: string;
  /** Throws UsageError for exit code 2; returns the exit code otherwise. Not called for a command with subcommands. */
  run(argv: readonly string[], io: Io): ExitCode | Promise<ExitCode>;
  /** `ops <name> <subcommand> ...` (dlq list, secret rotate): each with its own usage and help. */
  readonly subcommands?: readonly Command[];
}
