/**
 * `ops verify`: the stack's verdict on a captured request, computed by the same pure domain code the
 * verifier Lambda runs. Prints which secret matched, the event type and the dedupe key, or the reason
 * and the HTTP status the stack would answer. Never prints the secret, the body or the signature.
 */
import type { Headers } from '../../lambdas/domain/headers.ts';
import { prepareKeys, SecretFormatError, type SigningKeys } from '../../lambdas/domain/keys.ts';
import type { Provider } from '../../lambdas/domain/provider.ts';
import type { Rejection } from '../../lambdas/domain/rejection.ts';
import { verify as verifyRequest, type Verified } from '../../lambdas/domain/verification.ts';
import { parseOptions, parseUnixSeconds, readFileArg, UsageError } from '../args.ts';
import { ExitCode, type Command, type Io } from '../command.ts';
import { describeHeaders, providerIds, requireProvider } from '../providers.ts';
import { readSigningSecrets, refuseSecretArguments, PREVIOUS_SECRET_ENV, SECRET_ENV, SECRET_HINT, SECRET_OPTIONS } from '../secrets.ts';
import { json, shown } from '../terminal.ts';

const usage = `usage: ops verify --provider <id> --body-file <path> --headers-file <path>
                  [--secret-file <current> [--secret-file <previous>] | --secret-stdin]
                  [--now <unix s>] [--json]

Checks a captured request exactly as the stack does: the signature over the raw body bytes,
the timestamp tolerance, then the event type and the dedupe key. Never prints the secret or the body.

options:
  --provider <id>        ${providerIds().join(', ')}
  --body-file <path>     the request body, byte-exact (base64-decode it first if API Gateway
                         marked it isBase64Encoded; do not re-save it from an editor)
  --headers-file <path>  a JSON object of header name -> string value (names in any case),
                         e.g. the output of ops sign
  --secret-file <path>   read the current secret from this file (one line); give it a second
                         time for the previous one, as during a rotation; - reads stdin
  --secret-stdin         read the current secret from stdin (piped, or typed at a prompt that
                         does not echo); with --secret-file <previous> for the previous one
                         neither: the environment variables ${SECRET_ENV} (current) and
                         ${PREVIOUS_SECRET_ENV} (previous, optional). Never --secret <value>:
                         process lists show arguments to every user of the machine
  --now <unix s>         the time to check the timestamp against (default: now); for a captured
                         request, the time it was received
  --json                 print the verdict as one JSON object instead of text
  -h, --help             show this help

output:
  valid: matched the current secret; event type <type>; dedupe key <key>         (exit 0)
    with a note line when the event type or dedupe key could not be read from the
    body: the event is still accepted (type unknown, key the body's SHA-256)
  invalid: <reason> (HTTP <status the stack would answer>, <code>), then hints   (exit 1)

exit codes: 0 valid; 1 invalid; 2 usage error (missing or bad option, unknown provider,
unreadable file, headers file not a JSON object of strings, malformed or too short secret,
a secret given as an argument)`;

/** Parses the headers file: a JSON object whose values are all strings, no name given twice in different case. */
function parseHeadersFile(bytes: Buffer, path: string): Headers {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    // JSON.parse's message quotes the file's content, which holds signatures: keep it out of the terminal.
    throw new UsageError(`--headers-file ${path} is not valid JSON; expected an object of header name -> string value`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const shape = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    throw new UsageError(`--headers-file ${path} holds ${shape}; expected an object of header name -> string value`);
  }
  const seen = new Map<string, string>();
  const entries: [string, string][] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') {
      const event = name === 'headers' || name === 'multiValueHeaders' ? ' (a whole API Gateway event? save its .headers)' : '';
      throw new UsageError(`--headers-file ${path}: header '${shown(name)}' is not a string${event}`);
    }
    const lower = name.toLowerCase();
    const earlier = seen.get(lower);
    if (earlier !== undefined) throw new UsageError(`--headers-file ${path}: header '${shown(name)}' is also given as '${shown(earlier)}'`);
    seen.set(lower, name);
    entries.push([name, value]);
  }
  return Object.fromEntries(entries);
}

function describeTimestamp(provider: Provider, timestamp: string, nowSeconds: number): string {
  const seconds = provider.timestamp?.unit === 'ms' ? Number(timestamp) / 1000 : Number(timestamp);
  const age = Math.round(nowSeconds - seconds);
  const relative = age >= 0 ? `${age} s before the check time` : `${-age} s after the check time`;
  return `signed at: ${new Date(seconds * 1000).toISOString()} (timestamp ${timestamp}, ${relative})`;
}

function dedupeTemplates(provider: Provider): string {
  return [...new Set(provider.dedupeRules.map((rule) => rule.key.source))].join(' | ');
}

function validLines(provider: Provider, verdict: Verified, nowSeconds: number): string[] {
  const lines = [
    `valid: matched the ${verdict.matched} secret; event type ${shown(verdict.eventType)}; dedupe key ${shown(verdict.dedupeKey)}`,
    `provider: ${provider.id} (${provider.name})`,
  ];
  if (verdict.timestamp !== undefined) lines.push(shown(describeTimestamp(provider, verdict.timestamp, nowSeconds)));
  else lines.push(`signed at: ${provider.id} signs no timestamp; only the dedupe ledger stops a replay`);
  if (verdict.id !== undefined) lines.push(`message id: ${shown(verdict.id)}`);
  if (verdict.unrecognized !== undefined) {
    // Authenticated, so the stack accepts it; the processor sets it aside instead of guessing.
    lines.push(
      `note: signed, but not recognized (${shown(verdict.unrecognized)}): the stack accepts it, and its processor moves it to the dead-letter queue`,
      `hint: ${provider.id} reads event type ${provider.eventTypeTemplate.source}; dedupe key ${dedupeTemplates(provider)}`,
    );
  }
  if (verdict.matched === 'previous') {
    lines.push('note: the sender still signs with the previous secret: the rotation at the vendor is not done; keep the previous secret configured');
  }
  return lines;
}

interface Context {
  readonly provider: Provider;
  readonly headers: Headers;
  readonly body: Buffer;
  readonly secretCount: number;
  readonly nowGiven: boolean;
}

function hints(rejection: Rejection, context: Context): string[] {
  const { provider, headers, body } = context;
  switch (rejection.code) {
    case 'timestamp_out_of_tolerance':
      return context.nowGiven
        ? ['hint: --now was given: is it the time the request was received (unix seconds)?']
        : [
            "hint: check this machine's clock (date -u); for a captured request, pass --now <unix s> with the time it was received",
          ];
    case 'signature_mismatch': {
      const lines = [
        context.secretCount > 1
          ? 'hint: neither secret matched: is it the secret configured at the vendor for this endpoint?'
          : 'hint: was the secret rotated at the vendor? pass the other one as a second --secret-file (or in WEBHOOK_SECRET_PREVIOUS)',
        'hint: is the body byte-exact? not re-serialized JSON, not re-encoded, base64-decoded if API Gateway encoded it',
      ];
      if (body.length > 0 && body[body.length - 1] === 0x0a) {
        lines.push('hint: the body file ends with a newline: was it in the request? editors add one');
      }
      return lines;
    }
    case 'missing_header':
    case 'malformed_header': {
      const names = Object.keys(headers);
      return [
        `hint: ${provider.id} sends ${describeHeaders(provider).join('; ')}`,
        `hint: the headers file has ${names.length === 0 ? 'no headers' : shown(names.join(', '))}`,
      ];
    }
  }
}

async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  refuseSecretArguments(argv, true);
  const args = parseOptions(
    argv,
    {
      provider: { type: 'string' },
      'body-file': { type: 'string' },
      'headers-file': { type: 'string' },
      ...SECRET_OPTIONS,
      now: { type: 'string' },
      json: { type: 'boolean' },
    },
    ['provider', 'body-file', 'headers-file'],
  );
  const provider = requireProvider(args.required('provider'));
  const nowText = args.optional('now');
  const nowSeconds = nowText === undefined ? Date.now() / 1000 : parseUnixSeconds(nowText, '--now');
  const secrets = await readSigningSecrets(args, 2, provider.id);
  if (secrets.length === 0) throw new UsageError(`no signing secret: ${SECRET_HINT}`);

  let keys: SigningKeys;
  try {
    const [current = '', previous] = secrets;
    keys = prepareKeys(provider, { current, ...(previous !== undefined ? { previous } : {}) });
  } catch (error) {
    if (error instanceof SecretFormatError) throw new UsageError(error.message);
    throw error;
  }
  const headersPath = args.required('headers-file');
  const headers = parseHeadersFile(readFileArg(headersPath, '--headers-file'), headersPath);
  const body = readFileArg(args.required('body-file'), '--body-file');

  const verdict = verifyRequest(provider, headers, body, keys, nowSeconds);
  if (args.flag('json')) {
    io.out(json({ provider: provider.id, ...verdict }));
  } else if (verdict.ok) {
    for (const line of validLines(provider, verdict, nowSeconds)) io.out(line);
  } else {
    io.out(`invalid: ${shown(verdict.reason)} (HTTP ${verdict.status}, ${verdict.code})`);
    const context = { provider, headers, body, secretCount: secrets.length, nowGiven: nowText !== undefined };
    for (const line of hints(verdict, context)) io.out(line);
  }
  return verdict.ok ? ExitCode.Ok : ExitCode.Negative;
}

export const verify: Command = {
  name: 'verify',
  summary: "check a captured request: which secret matched, event type, dedupe key, or why it fails",
  usage,
  run,
};
