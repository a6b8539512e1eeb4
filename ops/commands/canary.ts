/**
 * `ops canary`: one run of the synthetic canary now, with the scheduled function's own code
 * (lambdas/canary/run-canary.ts): sign a `canary.ping` event with the `canary` provider's secret (read from
 * the stack's Secrets Manager, as the function does), POST it to the stack's URL, then read its ledger entry
 * until it shows `processed`. Prints each hop with its time; exit 1 names the hop that failed. Never prints
 * the secret, the signature or the body.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readCanaryEntry } from '../../lambdas/canary/ledger.ts';
import { runCanary, type CanaryResult } from '../../lambdas/canary/run-canary.ts';
import { CANARY_PROVIDER_ID } from '../../providers/index.ts';
import { parseOptions, readFileArg, UsageError, type OptionSpecs } from '../args.ts';
import { ExitCode, type Command, type Io } from '../command.ts';
import { chooseTarget, failureMessage, resolveTarget, targetHelp, TARGET_OPTIONS, whereOf } from '../stack.ts';
import { json, shown } from '../terminal.ts';

const POST_TIMEOUT_MS = 30_000;
const DEFAULT_WAIT_SECONDS = 60;

const usage = `usage: ops canary [--local | --stack <name>] [--wait <seconds>] [--secret-file <path>] [--json]

Runs the synthetic canary once, with the scheduled canary function's code: signs a canary.ping event
with the canary provider's own secret (the stack's, read from Secrets Manager), POSTs it to the stack's
URL (<ApiUrl>webhooks/canary: the custom domain when set), then reads the event's ledger entry until it
shows processed. Prints each hop with its time: sign, post (the answer), received, enqueued (the
ledger's times) and processed. Canary events go to their own route, queue and processor, never to a
vendor's; list them with ops events --provider canary.

options:
${targetHelp()}
  --wait <seconds>      how long to wait for processed (default ${DEFAULT_WAIT_SECONDS}, as the scheduled canary; 1-600)
  --secret-file <path>  sign with the secret in this file instead of the stored one (to check what the
                        verifier does with a suspect secret); never --secret <value>
  --json                the hops as one JSON object instead of the table
  -h, --help            show this help

exit codes: 0 the canary event was processed; 1 a hop failed (named on stderr: sign, post, received,
enqueued or processed), or the stack was not found; 2 usage error

runbook: docs/runbook.md#canary-failed walks the path hop by hop`;

const time = (ms: number | undefined) => (ms === undefined ? '-' : `+${ms} ms`);

export function hopTable(result: CanaryResult): string[] {
  const rows = result.hops.map((h) => [h.hop, h.ok === undefined ? '-' : h.ok ? 'ok' : 'FAILED', time(h.atMs), shown(h.detail)]);
  const head = ['HOP', 'RESULT', 'TIME', 'DETAIL'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)];
}

async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  const { provider: _provider, ...targetOptions } = TARGET_OPTIONS;
  const specs: OptionSpecs = { ...targetOptions, wait: { type: 'string' }, 'secret-file': { type: 'string' }, json: { type: 'boolean' } };
  const args = parseOptions(argv, specs);
  const waitText = args.optional('wait') ?? String(DEFAULT_WAIT_SECONDS);
  if (!/^[0-9]{1,3}$/.test(waitText) || Number(waitText) < 1 || Number(waitText) > 600) throw new UsageError('--wait must be a whole number of seconds from 1 to 600');
  const secretFile = args.optional('secret-file');
  const overrideSecret = secretFile === undefined ? undefined : readFileArg(secretFile, '--secret-file').toString('utf8').trim();
  if (overrideSecret === '') throw new UsageError(`--secret-file ${secretFile} is empty`);
  const choice = await chooseTarget(args, io, 'canary');
  const where = whereOf(choice);

  let result: CanaryResult;
  try {
    const target = await resolveTarget(choice, CANARY_PROVIDER_ID);
    if (!target.apiUrl) throw new Error(`${target.where} has no ApiUrl output`);
    const secrets = new SecretsManagerClient(target.client('secretsManager'));
    const dynamodb = new DynamoDBClient(target.client('dynamodb'));
    try {
      result = await runCanary({
        url: target.apiUrl,
        readSecret: async () => {
          if (overrideSecret !== undefined) return overrideSecret;
          const out = await secrets.send(new GetSecretValueCommand({ SecretId: target.secretArn }));
          if (!out.SecretString) throw new Error('the canary secret has no string value');
          return out.SecretString;
        },
        post: async (url, headers, body) => {
          const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(POST_TIMEOUT_MS) });
          return { status: response.status, text: await response.text() };
        },
        readLedger: (dedupeKey) => readCanaryEntry(dynamodb, target.table, dedupeKey),
        waitMs: Number(waitText) * 1000,
      });
    } finally {
      secrets.destroy();
      dynamodb.destroy();
    }
  } catch (error) {
    io.err(`ops canary: ${failureMessage(error, where, choice.local, 'the canary')}`);
    return ExitCode.Negative;
  }

  if (args.flag('json')) io.out(json(result, 2));
  else for (const line of hopTable(result)) io.out(line);
  if (result.ok) {
    io.err(`canary passed in ${result.latencyMs} ms (${where}; ledger entry ${shown(result.dedupeKey ?? '-')})`);
    return ExitCode.Ok;
  }
  const failed = result.hops.find((h) => h.hop === result.failedHop);
  io.err(`ops canary: failed at hop '${result.failedHop}': ${shown(failed?.detail ?? '')} (runbook: docs/runbook.md#canary-failed)`);
  return ExitCode.Negative;
}

export const canary: Command = {
  name: 'canary',
  summary: 'run the synthetic canary once: sign, POST, ledger received, enqueued, processed, each hop timed',
  usage,
  run,
};
