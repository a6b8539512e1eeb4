/**
 * Usage errors (exit 2, message on stderr, nothing on stdout) and help (stdout, exit 0), as a subprocess.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { firstLine, ops, secretFile, tempDir, vectors } from './helpers.ts';

const tmp = tempDir('ops-usage-');
afterAll(() => tmp.remove());

const sully = vectors(Math.floor(Date.now() / 1000)).find((v) => v.provider === 'sully');
if (!sully) throw new Error('no sully vector');
const body = tmp.write('sully.body', sully.body);
const headers = tmp.write('sully.headers.json', JSON.stringify(sully.headers));
const sullySecret = secretFile(tmp, sully.secret);
const anySecret = secretFile(tmp, 'any-secret-of-16-bytes-or-more');
const verifySully = (...extra: string[]) => ['verify', '--provider', 'sully', ...sullySecret, '--body-file', body, ...extra];

const PROVIDER_IDS = ['sully', 'suki', 'soapnoteapi', 'solatis', 'generic', 'standard-webhooks', 'github', 'stripe'];

interface UsageCase {
  readonly name: string;
  readonly args: readonly string[];
  /** The first line of stderr. */
  readonly error: string | RegExp;
  /** Text that must not reach the terminal (secrets, values the shell split off a secret, file content). */
  readonly secret?: string;
}

const cases: UsageCase[] = [
  {
    name: 'unknown provider lists the known ids',
    args: ['verify', '--provider', 'acme', ...anySecret, '--body-file', body, '--headers-file', headers],
    error: `ops verify: unknown provider 'acme'; known providers: ${[...PROVIDER_IDS, 'canary'].join(', ')}`,
  },
  {
    name: 'missing options are all named at once',
    args: ['sign', '--provider', 'sully'],
    error: 'ops sign: missing --body-file',
  },
  {
    name: 'an unknown flag',
    args: verifySully('--headers-file', headers, '--verbose'),
    error: "ops verify: unknown option '--verbose'",
  },
  {
    name: 'a value split off by the shell is not echoed',
    args: ['sign', '--provider', 'sully', '--secret-file', 'correct', 'horse-battery', '--body-file', body],
    error: 'ops sign: unexpected argument: this command takes only --options (quote values that contain spaces)',
    secret: 'horse-battery',
  },
  {
    name: 'an option given twice',
    args: ['sign', '--provider', 'sully', '--provider', 'suki', ...anySecret, '--body-file', body],
    error: 'ops sign: --provider given 2 times; give it once',
  },
  {
    name: 'an unreadable body file names the path',
    args: ['verify', '--provider', 'sully', ...anySecret, '--body-file', `${body}.missing`, '--headers-file', headers],
    error: `ops verify: cannot read --body-file ${body}.missing: no such file`,
  },
  {
    name: 'a headers file that is an array',
    args: verifySully('--headers-file', tmp.write('array.json', JSON.stringify([sully.headers]))),
    error: /^ops verify: --headers-file .*array\.json holds an array; expected an object of header name -> string value$/,
  },
  {
    name: 'a headers file with a non-string value',
    args: verifySully('--headers-file', tmp.write('number.json', JSON.stringify({ 'X-Sully-Signature': 42 }))),
    error: /^ops verify: --headers-file .*number\.json: header 'X-Sully-Signature' is not a string$/,
  },
  {
    name: 'a headers file that is not JSON does not echo its content',
    args: verifySully('--headers-file', tmp.write('broken.json', `x-sully-signature: ${sully.headers['X-Sully-Signature']}`)),
    error: /^ops verify: --headers-file .*broken\.json is not valid JSON; expected an object of header name -> string value$/,
    secret: sully.signature,
  },
  {
    name: 'a secret that is not whsec_ + base64 for standard-webhooks, without echoing it',
    args: ['verify', '--provider', 'standard-webhooks', ...secretFile(tmp, 'whsec_not*base64!'), '--body-file', body, '--headers-file', headers],
    error: 'ops verify: standard-webhooks current secret must be whsec_ followed by base64',
    secret: 'not*base64!',
  },
  {
    name: '--now in milliseconds',
    args: verifySully('--headers-file', headers, '--now', '1767225600000'),
    error: 'ops verify: --now must be unix seconds; 1767225600000 looks like milliseconds (drop the last 3 digits)',
  },
  {
    name: 'no command prints the top-level usage to stderr',
    args: [],
    error: 'usage: ops <command> [options]',
  },
  {
    name: 'an unknown command',
    args: ['replay-all'],
    error: "ops: unknown command 'replay-all'; commands: sign, verify, send, events, status, dlq, secret, replay, canary",
  },
  {
    name: 'a command with subcommands and none given',
    args: ['dlq', '--provider', 'sully'],
    error: 'ops dlq: expected a subcommand: list, redrive',
  },
  {
    name: 'an unknown subcommand lists the known ones',
    args: ['secret', 'show', '--provider', 'sully'],
    error: "ops secret: unknown subcommand 'show'; subcommands: set, rotate, status, retire",
  },
  {
    name: 'an unknown provider on a subcommand',
    args: ['dlq', 'list', '--provider', 'acme', '--local'],
    error: `ops dlq list: unknown provider 'acme'; known providers: ${[...PROVIDER_IDS, 'canary'].join(', ')}`,
  },
  {
    name: 'a secret value given as an argument is refused, not echoed',
    args: ['secret', 'rotate', '--provider', 'sully', '--local', '--value', 'whsec_argv_secret_123'],
    error: 'ops secret rotate: --value: secret values are never taken as arguments (they land in shell history and process lists); pipe the value on stdin or give --value-file <path>',
    secret: 'whsec_argv_secret_123',
  },
  {
    name: 'secret set refuses a raw secret shorter than 16 bytes, without echoing it',
    args: ['secret', 'set', '--provider', 'sully', '--local', '--value-file', tmp.write('short.secret', 'whsec_tiny_key\n')],
    error: /^ops secret set: sully new secret is too short: 14 bytes, at least 16 are required/,
    secret: 'whsec_tiny_key',
  },
  {
    name: 'secret set refuses a 1-byte whsec_ key for standard-webhooks',
    args: ['secret', 'set', '--provider', 'standard-webhooks', '--local', '--value-file', tmp.write('one-byte.secret', 'whsec_QQ==')],
    error: /^ops secret set: standard-webhooks new secret is too short: its base64 decodes to 1 bytes, at least 24 are required/,
    secret: 'whsec_QQ==',
  },
  {
    name: '--local and --stack together',
    args: ['replay', '--provider', 'stripe', '--key', 'evt_1', '--local', '--stack', 'WebhookReceiver-prod'],
    error: 'ops replay: --local reads the local stack: --stack, --region and --profile do not apply',
  },
  {
    name: 'replay needs a key or a time range',
    args: ['replay', '--provider', 'stripe', '--local'],
    error: 'ops replay: give either --key <dedupe key> or --since <time>',
  },
  {
    name: 'replay --key and --since together',
    args: ['replay', '--provider', 'stripe', '--key', 'evt_1', '--since', '1h', '--local'],
    error: 'ops replay: give either --key <dedupe key> or --since <time>',
  },
  {
    name: 'replay --since that is not a time',
    args: ['replay', '--provider', 'stripe', '--since', 'yesterday', '--local'],
    error: /^ops replay: --since must be ISO 8601 \(e\.g\. 2026-12-07T16:00:00Z\) or a duration before now/,
  },
  {
    name: 'replay --until before --since',
    args: ['replay', '--provider', 'stripe', '--since', '1h', '--until', '2h', '--local'],
    error: /^ops replay: --since \(\S+\) is after --until \(\S+\)$/,
  },
  {
    name: 'redrive --max out of range',
    args: ['dlq', 'redrive', '--provider', 'sully', '--local', '--max', '0'],
    error: 'ops dlq redrive: --max must be a whole number from 1 to 1000',
  },
  {
    name: 'redrive --wait out of range',
    args: ['dlq', 'redrive', '--provider', 'sully', '--local', '--wait', '5000'],
    error: 'ops dlq redrive: --wait must be a whole number of seconds from 0 to 3600',
  },
];

describe.concurrent('usage errors exit 2 with the reason on stderr and nothing on stdout', () => {
  it.for(cases)('$name', async (c, { expect }) => {
    const run = await ops(c.args);

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    if (typeof c.error === 'string') expect(firstLine(run.stderr)).toBe(c.error);
    else expect(firstLine(run.stderr)).toMatch(c.error);
    if (c.secret !== undefined) expect(run.stderr).not.toContain(c.secret);
    expect(run.stderr).not.toContain(sully.secret);
  });
});

describe.concurrent('help prints usage to stdout and exits 0', () => {
  const helps = [
    { args: ['--help'], first: 'usage: ops <command> [options]', mentions: ['sign', 'verify', 'exit codes', 'dlq list|redrive', 'secret set|rotate|status|retire', 'replay', 'docs/runbook.md'] },
    { args: ['-h'], first: 'usage: ops <command> [options]', mentions: ['sign', 'verify'] },
    { args: ['help', 'verify'], first: 'usage: ops verify --provider <id> --body-file <path> --headers-file <path>', mentions: ['--json'] },
    { args: ['sign', '--help'], first: 'usage: ops sign --provider <id> --body-file <path> [--secret-file <path> | --secret-stdin]', mentions: ['--event', 'WEBHOOK_SECRET', ...PROVIDER_IDS] },
    { args: ['verify', '-h'], first: 'usage: ops verify --provider <id> --body-file <path> --headers-file <path>', mentions: ['--now', ...PROVIDER_IDS] },
    { args: ['dlq', '--help'], first: 'usage: ops dlq list --provider <id> [--local | --stack <name>] [--max <n>] [--json] [--show-body]', mentions: ['redrive', 'docs/runbook.md#dlq-not-empty'] },
    { args: ['dlq', 'list', '--help'], first: 'usage: ops dlq list --provider <id> [--local | --stack <name> [--region <region>]] [--max <n>] [--json] [--show-body]', mentions: ['PATIENT DATA', ...PROVIDER_IDS] },
    { args: ['help', 'dlq', 'redrive'], first: 'usage: ops dlq redrive --provider <id> [--local | --stack <name> [--region <region>]] [--max <n>] [--wait <s>] [--dry-run] [--json]', mentions: ['StartMessageMoveTask'] },
    { args: ['secret', 'rotate', '-h'], first: 'usage: ops secret rotate --provider <id> [--value-file <path>] [--local | --stack <name> [--region <region>]]', mentions: ['AWSPREVIOUS', 'stdin'] },
    { args: ['secret', 'status', '--help'], first: 'usage: ops secret status --provider <id> [--local | --stack <name> [--region <region>]] [--hours <n>] [--json]', mentions: ['SecretPreviousMatched'] },
    { args: ['replay', '--help'], first: 'usage: ops replay --provider <id> (--key <dedupe key> | --since <time> [--until <time>]) [--type <event type>]', mentions: ['archive', 'claim-check', '--dry-run', '--max', 'replays', 'not found'] },
    // Help wins over otherwise invalid arguments.
    { args: ['sign', '--provider', 'acme', '--bogus', '-h'], first: 'usage: ops sign --provider <id> --body-file <path> [--secret-file <path> | --secret-stdin]', mentions: [] },
  ];

  it.for(helps)('ops $args', async (h, { expect }) => {
    const run = await ops(h.args);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(firstLine(run.stdout)).toBe(h.first);
    for (const text of h.mentions) expect(run.stdout).toContain(text);
  });
});

it('the entry point is executable through its shebang', async () => {
  const { access, constants } = await import('node:fs/promises');
  await expect(access(new URL('../../bin/ops.ts', import.meta.url), constants.X_OK)).resolves.toBeUndefined();
});
