/**
 * The on-call CLI's dispatcher: `ops <command> [options]`. Each command is a module in ops/commands/
 * with a summary, its usage text and `run(argv, io)`; adding one is one line in `commands`.
 */
import { UsageError, wantsHelp } from './args.ts';
import { ExitCode, type Command, type Io } from './command.ts';
import { dlq } from './commands/dlq.ts';
import { events } from './commands/events.ts';
import { replay } from './commands/replay.ts';
import { secret } from './commands/secret.ts';
import { send } from './commands/send.ts';
import { sign } from './commands/sign.ts';
import { verify } from './commands/verify.ts';
import { guardLine } from './terminal.ts';

export const commands: readonly Command[] = [sign, verify, send, events, dlq, secret, replay];

function topUsage(): string {
  const label = (c: Command) => (c.subcommands ? `${c.name} ${c.subcommands.map((s) => s.name).join('|')}` : c.name);
  const width = Math.max(...commands.map((c) => label(c).length));
  return `usage: ops <command> [options]
       ops <command> --help
       ops help <command> [<subcommand>]

On-call tool for the webhook receiver. Run it as \`npx tsx bin/ops.ts <command>\` or
\`npm run -s ops -- <command>\` (without -s, npm echoes the command line, secret included,
onto stdout). It never prints secrets or signatures, and prints webhook bodies (PHI) only
where you ask for them (ops dlq list --show-body).

commands:
${commands.map((c) => `  ${label(c).padEnd(width)}  ${c.summary}`).join('\n')}

exit codes: 0 ok; 1 negative result (e.g. an invalid signature, a stack or message not found);
2 usage error

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
  io.err(`ops: unknown command '${name}'; commands: ${commands.map((c) => c.name).join(', ')}`);
  io.err("run 'ops --help' for usage");
  return ExitCode.Usage;
}

/** Every line as written, control characters escaped (ops/terminal.ts): commands escape what they print with shown(); this catches the rest. */
function guarded(io: Io): Io {
  return { out: (line) => io.out(guardLine(line)), err: (line) => io.err(guardLine(line)) };
}

export async function main(argv: readonly string[], rawIo: Io = processIo): Promise<ExitCode> {
  const io = guarded(rawIo);
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(topUsage());
    return ExitCode.Usage;
  }
  if (name === '--help' || name === '-h') {
    io.out(topUsage());
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
    io.err(`ops: expected a command before options, got '${name.split('=')[0]}'`);
    io.err(topUsage());
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
      io.err(synopsis(command));
      io.err(`run 'ops ${command.name} --help' for details`);
      return ExitCode.Usage;
    }
    const sub = command.subcommands.find((c) => c.name === subName);
    if (!sub) return unknownSubcommand(command, subName, io);
    return runCommand(sub, `${command.name} ${sub.name}`, subRest, io);
  }
  return runCommand(command, command.name, rest, io);
}

function unknownSubcommand(command: Command, name: string, io: Io): ExitCode {
  io.err(`ops ${command.name}: unknown subcommand '${name}'; subcommands: ${(command.subcommands ?? []).map((c) => c.name).join(', ')}`);
  io.err(`run 'ops ${command.name} --help' for usage`);
  return ExitCode.Usage;
}

async function runCommand(command: Command, fullName: string, argv: readonly string[], io: Io): Promise<ExitCode> {
  if (wantsHelp(argv)) {
    io.out(command.usage);
    return ExitCode.Ok;
  }
  try {
    return await command.run(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`ops ${fullName}: ${error.message}`);
      io.err(synopsis(command));
      io.err(`run 'ops ${fullName} --help' for details`);
      return ExitCode.Usage;
    }
    // Name and message only: domain errors carry neither secrets nor bodies, and a stack adds nothing on call.
    io.err(`ops ${fullName}: internal error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return ExitCode.Internal;
  }
}
