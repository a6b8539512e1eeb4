/**
 * `ops send`: posts correctly signed sample events (the provider's payload shape, fresh ids each time) to
 * the local stack, or to any URL such as a deployed stage, and prints each answer's status code. Prints
 * status codes, event types, dedupe keys and the short JSON answer; never a body, a signature or a secret.
 */
import { deriveKey, SecretFormatError } from '../../lambdas/domain/keys.ts';
import type { Provider } from '../../lambdas/domain/provider.ts';
import { signRequest } from '../../lambdas/domain/signing.ts';
import { verify } from '../../lambdas/domain/verification.ts';
import { LocalFileError, readRuntime, readSecretsFile, secretsFileFrom, stateDirFrom } from '../local-target.ts';
import { parseOptions, UsageError } from '../args.ts';
import { ExitCode, type Command, type Io } from '../command.ts';
import { providerIds, requireProvider } from '../providers.ts';
import { defaultEventType, sampleEvent, SAMPLE_EVENT_TYPES } from '../samples.ts';
import { readSigningSecrets, refuseSecretArguments, SECRET_ENV, SECRET_HINT, SECRET_OPTIONS } from '../secrets.ts';
import { shown } from '../terminal.ts';

const MAX_COUNT = 1_000;
const TIMEOUT_MS = 15_000;

const usage = `usage: ops send --provider <id> [--event <type>] [--count <n>] [--url <url>]
                [--secret-file <path> | --secret-stdin]

Sends correctly signed sample events in the provider's payload shape, each with fresh ids (a new event
and dedupe key every time), and prints each answer: status code, event type, dedupe key, answer body.
By default to the local stack (\`npm start\`), signed with the provider's current secret from the
local secrets file; with --url to any endpoint, such as a deployed stage, signed with the secret
from --secret-file, --secret-stdin or ${SECRET_ENV}.

options:
  --provider <id>    ${providerIds().join(', ')}
  --event <type>     event type (default: the provider's first sample type, e.g. ${defaultEventType('sully')} for sully);
                     any type is accepted, unknown ones are recorded and counted by the processor
  --count <n>        events to send, one after another (default 1, at most ${MAX_COUNT})
  --url <url>        the API base URL (the stack's ApiUrl output) or the full /webhooks/<id> URL;
                     default: the running local stack (.local/runtime.json), else http://127.0.0.1:$PORT (3000)
  --secret-file <path>  read the signing secret from this file (one line); - reads stdin
  --secret-stdin     read it from stdin (piped, or typed at a prompt that does not echo)
                     neither: the environment variable ${SECRET_ENV}; else, for the local stack
                     only, "current" of the provider in WEBHOOK_SECRETS_FILE (.local/secrets.json).
                     A secret is required with a --url that is not on this machine. Never
                     --secret <value>: process lists show arguments to every user of the machine
  -h, --help         show this help

exit codes: 0 every answer was 2xx; 1 an answer was not 2xx, or the endpoint could not be reached;
2 usage error (unknown provider, bad option, no secret, a malformed or too short secret, a secret
given as an argument)

examples:
  npm run -s ops -- send --provider sully
  npm run -s ops -- send --provider stripe --event invoice.paid --count 5
  npm run -s ops -- send --provider github --url "$API_URL" --secret-file github.secret`;

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** `<base>/webhooks/<id>` unless the URL already ends with it. */
export function targetUrl(url: string, providerId: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('--url must be an absolute http(s) URL, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError('--url must use http or https');
  const path = parsed.pathname.replace(/\/+$/, '');
  if (path.endsWith(`/webhooks/${providerId}`)) {
    parsed.pathname = path;
    return parsed;
  }
  if (/\/webhooks\/[^/]+$/.test(path)) throw new UsageError(`--url ends with a route for another provider than ${providerId}`);
  parsed.pathname = `${path}/webhooks/${providerId}`;
  return parsed;
}

function localSecret(providerId: string, secretsFile: string): string {
  let secrets;
  try {
    secrets = readSecretsFile(secretsFile);
  } catch (error) {
    if (error instanceof LocalFileError) {
      throw new UsageError(`${error.message}; start the local stack once (npm start creates it) or ${SECRET_HINT}`);
    }
    throw error;
  }
  const pair = secrets[providerId];
  if (!pair) throw new UsageError(`${secretsFile} has no secret for ${providerId}; add it, or ${SECRET_HINT}`);
  return pair.current;
}

/** Answers are short JSON from the stack or API Gateway; anything else is summarized, not echoed. */
function answerText(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length <= 200 && /^\{[\x20-\x7e]*\}$/.test(trimmed)) return trimmed;
  return trimmed.length === 0 ? '(empty answer)' : `(${Buffer.byteLength(trimmed)}-byte answer, not shown)`;
}

function dedupeKeyOf(provider: Provider, secret: string, headers: Record<string, string>, body: Buffer): string | undefined {
  const verdict = verify(provider, headers, body, { current: deriveKey(provider, secret) }, Date.now() / 1000);
  return verdict.ok ? verdict.dedupeKey : undefined;
}

function reachProblem(error: unknown): string {
  if ((error as Error).name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message?.slice(0, 100) ?? (error as Error).name;
}

async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  refuseSecretArguments(argv);
  const args = parseOptions(argv, {
    provider: { type: 'string' },
    event: { type: 'string' },
    count: { type: 'string' },
    url: { type: 'string' },
    ...SECRET_OPTIONS,
  }, ['provider']);
  const provider = requireProvider(args.required('provider'));
  const eventType = args.optional('event') ?? defaultEventType(provider.id);
  if (!/^[\x21-\x7e]{1,128}$/.test(eventType)) throw new UsageError('--event must be 1-128 printable ASCII characters without spaces');
  const countText = args.optional('count') ?? '1';
  if (!/^[0-9]{1,4}$/.test(countText) || Number(countText) < 1 || Number(countText) > MAX_COUNT) {
    throw new UsageError(`--count must be a whole number from 1 to ${MAX_COUNT}`);
  }
  const count = Number(countText);

  const stateDir = stateDirFrom(process.env);
  const runtime = readRuntime(stateDir);
  const urlOption = args.optional('url');
  const base = urlOption ?? runtime?.url ?? `http://127.0.0.1:${process.env['PORT']?.trim() || '3000'}`;
  const target = targetUrl(base, provider.id);
  const local = LOCAL_HOSTS.has(target.hostname);
  let [secret] = await readSigningSecrets(args, 1, provider.id);
  if (secret === undefined) {
    if (!local) throw new UsageError(`a signing secret is required to send to ${target.host} (the local secrets file signs for the local stack only): ${SECRET_HINT}`);
    const secretsFile = process.env['WEBHOOK_SECRETS_FILE']?.trim() ? secretsFileFrom(process.env, stateDir) : (runtime?.secretsFile ?? secretsFileFrom(process.env, stateDir));
    secret = localSecret(provider.id, secretsFile);
  }
  try {
    deriveKey(provider, secret);
  } catch (error) {
    if (error instanceof SecretFormatError) throw new UsageError(error.message);
    throw error;
  }
  const known = SAMPLE_EVENT_TYPES[provider.id] ?? [];
  if (!known.includes(eventType)) io.err(`note: ${eventType} is not one of the sample types of ${provider.id} (${known.join(', ')}); sending it anyway`);

  let failures = 0;
  for (let i = 0; i < count; i++) {
    const sample = sampleEvent(provider, eventType);
    const headers = {
      ...signRequest(provider, secret, sample.body, sample.headerEventType ? { eventType: sample.headerEventType } : {}),
      'content-type': 'application/json',
      'user-agent': 'webhook-receiver-ops-send',
    };
    const dedupeKey = dedupeKeyOf(provider, secret, headers, sample.body);
    let response: Response;
    try {
      response = await fetch(target, { method: 'POST', headers, body: sample.body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      io.err(`ops send: cannot reach ${target.origin}: ${reachProblem(error)}${local ? ' (is `npm start` running? it prints the port it listens on)' : ''}`);
      return ExitCode.Negative;
    }
    const text = await response.text();
    if (response.status < 200 || response.status > 299) failures++;
    io.out(`${response.status} ${provider.id} ${shown(sample.eventType)} ${shown(dedupeKey ?? '-')} ${answerText(text)}`);
  }
  if (count > 1) io.err(`${count - failures} of ${count} answered 2xx (${target.href})`);
  return failures === 0 ? ExitCode.Ok : ExitCode.Negative;
}

export const send: Command = {
  name: 'send',
  summary: 'send signed sample events to the local stack or a deployed stage',
  usage,
  run,
};
