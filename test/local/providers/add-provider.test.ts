/**
 * The contract of providers/ (README, "Add a provider"): a vendor is one folder plus one import and one list
 * entry in providers/index.ts, and nothing else. In a temporary copy of the repository (the working tree's
 * files, node_modules linked), providers/solatis/ is copied to a new folder `acme` with `solatis`/`Solatis`
 * replaced by `acme`/`Acme`, and the `solatis` lines of providers/index.ts are duplicated for `acme`. Then,
 * each in a child process of the copy: the synthesized stack has acme's route, queue, DLQ, processor and
 * alarms; `ops sign` and `ops verify` accept `--provider acme`; and on the local stack (`npm start`'s
 * runner), `ops send --provider acme` gets 202 and `ops events --provider acme --local --json` shows the
 * event processed. Any other place that still needed a per-provider edit fails one of these.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, ROOT, startLocalStack, type LocalStack } from '../e2e/support/local-stack.ts';

const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

let copy: string;
let work: string;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], env: Record<string, string> = {}, timeout = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: copy, encoding: 'utf8', timeout, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`${args.join(' ')} did not exit normally (${String(error.code ?? error.signal)}): ${stderr}`));
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

const ops = (args: readonly string[], env: Record<string, string> = {}) => run(TSX, ['bin/ops.ts', ...args], env);

/** The working tree's files (tracked, and new ones not ignored), as the lead would commit them. */
function copyRepository(into: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(into, file)), { recursive: true });
    cpSync(join(ROOT, file), join(into, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(into, 'node_modules'), 'dir');
}

/** Exactly the recipe of README.md, "Add a provider", done by a script. */
function addAcme(root: string): void {
  const acme = (text: string) => text.replaceAll('solatis', 'acme').replaceAll('Solatis', 'Acme');
  const from = join(root, 'providers', 'solatis');
  const to = join(root, 'providers', 'acme');
  mkdirSync(to);
  for (const file of readdirSync(from)) writeFileSync(join(to, file), acme(readFileSync(join(from, file), 'utf8')));
  const index = join(root, 'providers', 'index.ts');
  const lines = readFileSync(index, 'utf8').split('\n');
  const solatisLines = lines.filter((line) => line.includes('solatis'));
  expect(solatisLines.length).toBe(2); // one import, one list entry
  writeFileSync(index, lines.flatMap((line) => (line.includes('solatis') ? [line, acme(line)] : [line])).join('\n'));
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'webhook-add-provider-'));
  copy = join(work, 'repo');
  mkdirSync(copy);
  copyRepository(copy);
  addAcme(copy);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a provider added as one folder plus its two lines in providers/index.ts', () => {
  // The synth and the local stack are independent: started together, they share the two cores' wait.
  let synth: Promise<Run>;
  let local: Promise<LocalStack>;

  beforeAll(() => {
    const outdir = join(work, 'cdk.out');
    // `cdk synth` as a user runs it (cdk.json, bin/app.ts, esbuild bundling, cdk-nag), offline (see synth-cli.test.ts).
    synth = run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', outdir], {
      AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '',
      AWS_REGION: '', AWS_DEFAULT_REGION: '', CDK_DISABLE_CLI_TELEMETRY: 'true',
    }, 150_000);
    local = startLocalStack({ stateDir: join(work, 'state'), root: copy, env: { PORT: '0' }, timeoutMs: 120_000 });
  });

  afterAll(async () => {
    await (await local.catch(() => undefined))?.stop();
  });

  it('is in the synthesized stack: its route, queue, dead-letter queue, processor and alarms', async () => {
    const result = await synth;
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const template = JSON.parse(readFileSync(join(work, 'cdk.out', 'WebhookReceiver-dev.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
    };
    const of = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
    expect(of('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey)).toContain('POST /webhooks/acme');
    const ids = (type: string) => of(type).map(([id]) => id);
    expect(ids('AWS::SQS::Queue')).toEqual(expect.arrayContaining(['QueueAcme', 'DeadLetterQueueAcme']));
    const processor = of('AWS::Lambda::Function').find(([, r]) => r.Properties.Environment?.Variables?.PROVIDER_ID === 'acme');
    expect(processor, 'a processor function with PROVIDER_ID acme').toBeDefined();
    expect(processor![0]).toMatch(/^PipelineAcmeProcessorFunction/);
    expect(ids('AWS::Lambda::EventSourceMapping').some((id) => id.startsWith('PipelineAcmeProcessorFunction'))).toBe(true);
    // The same alarms as solatis, each named for acme.
    const alarmsOf = (name: string) => ids('AWS::CloudWatch::Alarm').filter((id) => id.includes(name)).map((id) => id.replace(name, '<p>').replace(/[0-9A-F]{8}$/, ''));
    expect(alarmsOf('Acme').length).toBeGreaterThanOrEqual(5);
    expect(alarmsOf('Acme').sort()).toEqual(alarmsOf('Solatis').sort());
    expect(of('AWS::SecretsManager::Secret').map(([id]) => id)).toContain('SecretAcme');
  }, 160_000);

  it('is known to ops sign and ops verify', async () => {
    const body = join(work, 'body.json');
    writeFileSync(body, JSON.stringify({ id: 'evt_1', event: 'document.processed', data: { document_id: 'doc_1' } }));
    const signed = await ops(['sign', '--provider', 'acme', '--body-file', body], { WEBHOOK_SECRET: 'acme-webhook-secret-0123' });
    expect(signed.code, signed.stderr).toBe(0);
    const headers = JSON.parse(signed.stdout) as Record<string, string>;
    expect(Object.keys(headers)).toContain('x-acme-signature');
    const headersFile = join(work, 'headers.json');
    writeFileSync(headersFile, signed.stdout);
    const verified = await ops(['verify', '--provider', 'acme', '--body-file', body, '--headers-file', headersFile], { WEBHOOK_SECRET: 'acme-webhook-secret-0123' });
    expect(verified.code, verified.stderr).toBe(0);
    const wrong = await ops(['verify', '--provider', 'acme', '--body-file', body, '--headers-file', headersFile], { WEBHOOK_SECRET: 'other-webhook-secret-0123' });
    expect(wrong.code).not.toBe(0);
  }, 60_000);

  it('runs on the local stack: ops send gets 202, and ops events shows the event processed', async () => {
    const stack = await local;
    const env = { LOCAL_STATE_DIR: stack.stateDir };
    const sent = await ops(['send', '--provider', 'acme'], env); // to the running local stack by default
    expect(sent.code, sent.stderr).toBe(0);
    expect(`${sent.stdout}\n${sent.stderr}`).toMatch(/\b202\b/);
    const entries = await eventually('the acme event processed', async () => {
      const listed = await ops(['events', '--provider', 'acme', '--local', '--json'], env);
      if (listed.code !== 0) return undefined;
      const all = JSON.parse(listed.stdout) as { status?: string; eventType?: string }[];
      return all.length > 0 && all.every((e) => e.status === 'processed') ? all : undefined;
    }, 30_000, 500);
    expect(entries).toEqual([expect.objectContaining({ status: 'processed', eventType: 'transcription.completed', outcome: 'applied' })]);
  }, 160_000);
});
