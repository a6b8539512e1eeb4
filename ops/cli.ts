/**
 * The on-call CLI's dispatcher: `ops <command> [options]`. Each command is a module in ops/commands/
 * with a summary, its usage text and `run(argv, io)`; adding one is one line in `commands`.
 */
import { UsageError, wantsHelp } from './args.ts';
import { ExitCode, type Command, type Io } from './command.ts';
import { events } from './commands/events.ts';
import { send } from './commands/send.ts';
import { sign } from './commands/sign.ts';
import { verify } from './commands/verify.ts';

export const commands: readonly Command[] = [sign, verify, send, events];

function topUsage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `usage: ops <command> [options]
       ops <command> --help
       ops help <command>

On-call tool for the webhook receiver. Run it as \`npx tsx bin/ops.ts <command>\` or
\`npm run -s ops -- <command>\` (without -s, npm echoes the command line, secret included,
onto stdout). It never prints secrets or webhook bodies (they hold PHI).

commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

exit codes: 0 ok; 1 negative result (e.g. an invalid signature); 2 usage error`;
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

export async function main(argv: readonly string[], io: Io = processIo): Promise<ExitCode> {
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
    io.out(command.usage);
    return ExitCode.Ok;
  }
  if (name.startsWith('-')) {
    io.err(`ops: expected a command before options, got '${name.split('=')[0]}'`);
    io.err(topUsage());
    return ExitCode.Usage;
  }
  const command = findCommand(name);
  if (!command) return unknownCommand(name, io);
  if (wantsHelp(rest)) {
    io.out(command.usage);
    return ExitCode.Ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`ops ${command.name}: ${error.message}`);
      io.err(synopsis(command));
      io.err(`run 'ops ${command.name} --help' for details`);
      return ExitCode.Usage;
    }
    // Name and message only: domain errors carry neither secrets nor bodies, and a stack adds nothing on call.
    io.err(`ops ${command.name}: internal error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return ExitCode.Internal;
  }
}
