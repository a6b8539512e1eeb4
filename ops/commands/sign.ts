/**
 * `ops sign`: the headers a provider would send for a body, as one JSON object on stdout, to drive the
 * stack by hand or to make a headers file for `ops verify`. Prints the signature (that is its output),
 * never the secret or the body.
 */
import { SecretFormatError } from '../../lambdas/domain/keys.ts';
import { signRequest, SignError } from '../../lambdas/domain/signing.ts';
import { parseOptions, parseUnixSeconds, readFileArg, UsageError } from '../args.ts';
import { ExitCode, type Command, type Io } from '../command.ts';
import { dedupeHeaders, eventTypeHeader, providerIds, requireProvider } from '../providers.ts';
import { readSigningSecrets, refuseSecretArguments, SECRET_HINT, SECRET_OPTIONS } from '../secrets.ts';

const usage = `usage: ops sign --provider <id> --body-file <path> [--secret-file <path> | --secret-stdin]
                [--timestamp <unix s>] [--id <message id>] [--event <type>]

Signs the exact bytes of the body file as the provider would and prints the headers to send,
as one JSON object on stdout.

options:
  --provider <id>       ${providerIds().join(', ')}
  --secret-file <path>  read the signing secret as stored (whsec_... where the provider issues one)
                        from this file (one line); - reads stdin
  --secret-stdin        read it from stdin (piped, or typed at a prompt that does not echo)
                        neither: from the environment variable WEBHOOK_SECRET. Never --secret <value>:
                        process lists show arguments to every user of the machine
  --body-file <path>    the body, read as raw bytes: a trailing newline is part of it
  --timestamp <unix s>  signing time in unix seconds (default: now); suki's header gets milliseconds
  --id <message id>     webhook-id (standard-webhooks) or X-GitHub-Delivery (github); default: random
  --event <type>        the event type, for providers that send it in a header: required for github
  -h, --help            show this help

exit codes: 0 headers printed; 2 usage error (missing or bad option, unknown provider,
unreadable file, malformed or too short secret, a secret given as an argument)

example:
  npx tsx bin/ops.ts sign --provider stripe --secret-file stripe.secret --body-file event.json > headers.json
  npx tsx bin/ops.ts verify --provider stripe --secret-file stripe.secret --body-file event.json --headers-file headers.json`;

async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  refuseSecretArguments(argv);
  const args = parseOptions(
    argv,
    {
      provider: { type: 'string' },
      ...SECRET_OPTIONS,
      'body-file': { type: 'string' },
      timestamp: { type: 'string' },
      id: { type: 'string' },
      event: { type: 'string' },
    },
    ['provider', 'body-file'],
  );
  const provider = requireProvider(args.required('provider'));
  const timestampText = args.optional('timestamp');
  const timestamp = timestampText === undefined ? undefined : parseUnixSeconds(timestampText, '--timestamp');
  const id = args.optional('id');
  const eventType = args.optional('event');
  const bodyPath = args.required('body-file');

  const typeHeader = eventTypeHeader(provider);
  if (typeHeader && !eventType) {
    throw new UsageError(`${provider.id} sends the event type in header ${typeHeader}: pass --event <type> (e.g. --event push)`);
  }
  if (eventType !== undefined && (eventType === '' || !/^[\x21-\x7e]{1,128}$/.test(eventType))) {
    throw new UsageError('--event must be 1-128 printable ASCII characters without spaces');
  }
  if (id !== undefined && !/^[\x21-\x7e]{1,256}$/.test(id)) {
    throw new UsageError('--id must be 1-256 printable ASCII characters without spaces');
  }
  // Options that this provider's scheme does not use are accepted (scripts pass them to every provider) but noted.
  if (eventType !== undefined && !typeHeader) {
    io.err(`note: --event is not used by ${provider.id}: it reads the event type from the body (${provider.eventTypeTemplate.source})`);
  }
  if (id !== undefined && !provider.idHeaderName && dedupeHeaders(provider).length === 0) {
    io.err(`note: --id is not used by ${provider.id}: it sends no message id header`);
  }
  if (timestamp !== undefined && !provider.timestamp) {
    io.err(`note: --timestamp is not used by ${provider.id}: it signs no timestamp`);
  }

  const body = readFileArg(bodyPath, '--body-file');
  const [secret] = await readSigningSecrets(args, 1, provider.id);
  if (secret === undefined) throw new UsageError(`no signing secret: ${SECRET_HINT}`);
  let headers: Record<string, string>;
  try {
    headers = signRequest(provider, secret, body, {
      ...(timestamp !== undefined ? { timestamp } : {}),
      ...(id !== undefined ? { id } : {}),
      ...(eventType !== undefined ? { eventType } : {}),
    });
  } catch (error) {
    if (error instanceof SecretFormatError || error instanceof SignError) throw new UsageError(error.message);
    throw error;
  }
  io.out(JSON.stringify(headers, null, 2));
  return ExitCode.Ok;
}

export const sign: Command = {
  name: 'sign',
  summary: 'print the headers a provider would send for a body (one JSON object)',
  usage,
  run,
};
