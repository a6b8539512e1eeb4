/**
 * The on-call CLI's dispatcher: `ops <command> [options]`. Each command is a module in ops/commands/
 * with a summary, its usage text and `run(argv, io)`; adding one is one line in `commands`.
 */
import { readFileSync } from 'node:fs';
import { UsageError, wantsHelp } from './args.ts';
import { ExitCode, type Command, type Io } from './command.ts';
import { canary } from './commands/canary.ts';
import { dlq } from './commands/dlq.ts';
import { events } from './commands/events.ts';
import { replay } from './commands/replay.ts';
import { secret } from './commands/secret.ts';
import { send } from './commands/send.ts';
import { sign } from './commands/sign.ts';
import { status } from './commands/status.ts';
import { verify } from './commands/verify.ts';
import { didYouMean } from './suggest.ts';
import { guardLine, json } from './terminal.ts';

export const commands: readonly Command[] = [sign, verify, send, events, status, dlq, secret, replay, canary];

function topUsage(): string {
  const label = (c: Command) => (c.subcommands ? `${c.name} ${c.subcommands.map((s) => s.name).join('|')}` : c.name);
  const width = Math.max(...commands.map((c) => label(c).length));
  return `usage: ops <command> [options]
       ops <command> --help
       ops help <command> [<subcommand>]
       ops --version

On-call tool for the webhook receiver. Run it as \`npx tsx bin/ops.ts <command>\` or
\`npm run -s ops -- <command>\` (without -s, npm echoes the command line, secret included,
onto stdout). It never prints secrets or signatures, and prints webhook bodies (PHI) only
where you ask for them (ops dlq list --show-body).

commands:
${commands.map((c) => `  ${label(c).padEnd(width)}  ${c.summary}`).join('\n')}

target: --local (the stack npm start runs), --stack <name> (a deployed stack; --region, and --profile
as the AWS CLI takes it); with none of them, the running local stack when .local/runtime.json names
one that answers (said on stderr), else the stackName of cdk.json

exit codes: 0 ok; 1 negative result (e.g. an invalid signature, a stack or message not found);
2 usage error. With --json, an error is one JSON object on stderr: {"error": "...", "code": <exit code>}

on call: docs/runbook.md (one section per alarm)`;
}

/** The synopsis (first paragraph of the usage text), repeated under a usage error. */
function synopsis(command: Command): string {
  return command.usage.split('\n\n')[0] ?? command.usage;
}

export const processIo: Io = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

function findCommand(name: string): Command | undefined {
  return commands.find((c) => c.name === name);
}

function unknownCommand(name: string, io: Io): ExitCode {
  const names = commands.map((c) => c.name);
  io.err(`ops: unknown command '${name}'${didYouMean(name, [...names, 'help'])}${didYouMean(name, [...names, 'help']) ? ' ' : '; '}commands: ${names.join(', ')}`);
  io.err("run 'ops --help' for usage");
  return ExitCode.Usage;
}

/** Every line as written, control characters escaped (ops/terminal.ts): commands escape what they print with shown(); this catches the rest. */
function guarded(io: Io): Io {
  return { out: (line) => io.out(guardLine(line)), err: (line) => io.err(guardLine(line)) };
}

/** This checkout's version (package.json). */
export function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `--json` before any `--` terminator: errors are then one JSON object on stderr. */
function wantsJson(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--json') return true;
  }
  return false;
}

/** `ops --json --profile prod events ...` as the AWS CLI takes it: options before the command move after it (and its subcommand). */
function globalOptionsAfterCommand(argv: readonly string[]): readonly string[] {
  const globals: string[] = [];
  let i = 0;
  for (;;) {
    const arg = argv[i];
    if (arg === '--json' || arg?.startsWith('--profile=')) globals.push(arg), i++;
    else if (arg === '--profile' && i + 1 < argv.length) globals.push(arg, argv[i + 1]!), i += 2;
    else break;
  }
  if (globals.length === 0 || i >= argv.length) return argv;
  const rest = argv.slice(i);
  const sub = findCommand(rest[0]!)?.subcommands && rest[1] !== undefined && !rest[1].startsWith('-');
  const head = sub ? 2 : 1;
  return [...rest.slice(0, head), ...globals, ...rest.slice(head)];
}

/**
 * The lines a failed command wrote to stderr as one JSON object: the first `ops ...: ` line is the error
 * (its prefix names the command), the others are notes.
 */
function jsonError(lines: readonly string[], code: ExitCode): Record<string, unknown> {
  const all = lines.flatMap((line) => line.split('\n')).filter((line) => line.trim() !== '');
  const index = Math.max(0, all.findIndex((line) => /^ops(?: [a-z][a-z-]*){0,2}: /.test(line)));
  const match = /^ops((?: [a-z][a-z-]*){0,2}): (.*)$/s.exec(all[index] ?? '');
  const notes = all.filter((_, i) => i !== index);
  return {
    error: match ? match[2] : (all[index] ?? 'failed'),
    code,
    ...(match?.[1] ? { command: match[1].trim() } : {}),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

export async function main(argv: readonly string[], rawIo: Io = processIo): Promise<ExitCode> {
  // The SDK is pinned (package.json): its notice about future releases needing node 22 is noise on call.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const args = globalOptionsAfterCommand(argv);
  if (!wantsJson(args)) return dispatch(args, guarded(rawIo), false);
  // --json: stderr is held; a success writes it as text, a failure as one JSON object (same exit code).
  const held: string[] = [];
  const code = await dispatch(args, guarded({ out: rawIo.out, err: (line) => void held.push(line) }), true);
  if (code === ExitCode.Ok || held.length === 0) {
    for (const line of held) rawIo.err(line);
  } else {
    rawIo.err(guardLine(json(jsonError(held, code))));
  }
  return code;
}

async function dispatch(argv: readonly string[], io: Io, jsonMode: boolean): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(topUsage());
    return ExitCode.Usage;
  }
  if (name === '--help' || name === '-h') {
    io.out(topUsage());
    return ExitCode.Ok;
  }
  if (name === '--version' || name === '-V') {
    io.out(`ops ${version()}`);
    return ExitCode.Ok;
  }
  if (name === 'help') {
    const topic = rest[0];
    if (topic === undefined) {
      io.out(topUsage());
      return ExitCode.Ok;
    }
    const command = findCommand(topic);
    if (!command) return unknownCommand(topic, io);
    const sub = rest[1] === undefined ? undefined : command.subcommands?.find((c) => c.name === rest[1]);
    if (rest[1] !== undefined && command.subcommands && !sub) return unknownSubcommand(command, rest[1], io);
    io.out((sub ?? command).usage);
    return ExitCode.Ok;
  }
  if (name.startsWith('-')) {
    io.err(`ops: expected a command before options, got '${name.split('=')[0]}'${didYouMean(name.split('=')[0]!, ['--help', '--version'], '')}`);
    if (!jsonMode) io.err(topUsage());
    return ExitCode.Usage;
  }
  const command = findCommand(name);
  if (!command) return unknownCommand(name, io);
  if (command.subcommands) {
    const [subName, ...subRest] = rest;
    if (subName === undefined || subName.startsWith('-')) {
      if (wantsHelp(rest)) {
        io.out(command.usage);
        return ExitCode.Ok;
      }
      io.err(`ops ${command.name}: expected a subcommand: ${command.subcommands.map((c) => c.name).join(', ')}`);
      if (!jsonMode) io.err(synopsis(command));
      io.err(`run 'ops ${command.name} --help' for details`);
      return ExitCode.Usage;
    }
    const sub = command.subcommands.find((c) => c.name === subName);
    if (!sub) return unknownSubcommand(command, subName, io);
    return runCommand(sub, `${command.name} ${sub.name}`, subRest, io, jsonMode);
  }
  return runCommand(command, command.name, rest, io, jsonMode);
}

function unknownSubcommand(command: Command, name: string, io: Io): ExitCode {
  const names = (command.subcommands ?? []).map((c) => c.name);
  io.err(`ops ${command.name}: unknown subcommand '${name}'${didYouMean(name, names)}${didYouMean(name, names) ? ' ' : '; '}subcommands: ${names.join(', ')}`);
  io.err(`run 'ops ${command.name} --help' for usage`);
  return ExitCode.Usage;
}

async function runCommand(command: Command, fullName: string, argv: readonly string[], io: Io, jsonMode = false): Promise<ExitCode> {
  if (wantsHelp(argv)) {
    io.out(command.usage);
    return ExitCode.Ok;
  }
  try {
    return await command.run(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`ops ${fullName}: ${error.message}`);
      if (!jsonMode) io.err(synopsis(command));
      io.err(`run 'ops ${fullName} --help' for details`);
      return ExitCode.Usage;
    }
    // Name and message only: domain errors carry neither secrets nor bodies, and a stack adds nothing on call.
    io.err(`ops ${fullName}: internal error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return ExitCode.Internal;
  }
}
