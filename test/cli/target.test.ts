/**
 * How a newcomer's first commands go, as a subprocess, without a local stack or AWS: the target rule (a
 * fake `.local/runtime.json` naming an HTTP server started here, live or stopped), actionable messages
 * without a region or credentials, `--profile` (a fake ~/.aws config and credentials file, and a fake
 * CloudFormation endpoint that records which key and region signed the request), "did you mean"
 * suggestions, `--version`, and errors as JSON under `--json` (in process where no environment of its own
 * is needed). Every subprocess gets an environment without the caller's AWS_* variables: nothing here can
 * reach AWS.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../ops/cli.ts';
import { firstLine, tempDir, type Run } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const tmp = tempDir('ops-target-');
const home = tmp.write('home-marker', '').replace(/home-marker$/, '');

/** `ops <args>` with no AWS_* variable of the caller's environment: only `env` (and no credentials from the machine). */
function run(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^AWS_|^LOCAL_STATE_DIR$/.test(name)));
  const isolated = {
    ...clean,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LOCAL_STATE_DIR: join(home, 'no-local-stack'),
    ...env,
  };
  return new Promise((resolve, reject) => {
    const child = execFile(TSX, ['bin/ops.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 45_000, env: isolated }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(new Error(`ops did not exit normally: ${stderr}`));
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

async function listen(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

const close = (server: Server | undefined) => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));

/** A runtime.json as the runner writes it (local/main.ts), every endpoint at `port`, for process `pid`. */
function writeRuntime(stateDir: string, port: number, pid = process.pid): void {
  mkdirSync(stateDir, { recursive: true });
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(join(stateDir, 'runtime.json'), JSON.stringify({
    pid, startedAt: new Date().toISOString(), url, port, region: 'us-east-1',
    endpoints: { dynamodb: url, sqs: url, s3: url, secretsManager: url }, secretsAndS3: 'stand-ins',
    table: 'webhook-ledger', bucket: 'webhook-claim-checks', secretsFile: join(stateDir, 'secrets.json'),
    providers: { sully: { queueUrl: `${url}/q/sully`, deadLetterQueueUrl: `${url}/q/sully-dlq`, secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sully', maxReceiveCount: 3 } },
  }));
}

/** The one stderr line with --json: parsed. */
function jsonError(result: Run): Record<string, unknown> {
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

const DEPLOYED = 'WebhookReceiver-dev'; // cdk.json stackName

describe.concurrent('the target: the running local stack when runtime.json names a live one, else the configured stack', () => {
  let live: { server: Server; port: number };
  let deadPort: number;
  const liveDir = join(home, 'live-state');
  const deadDir = join(home, 'dead-state');
  const queries: string[] = [];

  beforeAll(async () => {
    // Stands in for the local stack's DynamoDB: an empty answer to the ledger Query of each shard.
    live = await listen((req, _body, res) => {
      queries.push(String(req.headers['x-amz-target']));
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ Items: [], Count: 0, ScannedCount: 0 }));
    });
    writeRuntime(liveDir, live.port);
    const dead = await listen((_req, _body, res) => res.end());
    deadPort = dead.port;
    await close(dead.server);
    writeRuntime(deadDir, deadPort);
  });

  afterAll(() => close(live?.server));

  it('no --local, --stack: uses the live local stack and says so in one stderr line', async () => {
    const result = await run(['events', '--provider', 'sully'], { LOCAL_STATE_DIR: liveDir });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('no ledger entries for sully in the local stack\n');
    expect(result.stderr).toBe(`ops events: using the local stack running at http://127.0.0.1:${live.port} (${liveDir}/runtime.json); --stack ${DEPLOYED} for the deployed one\n`);
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.every((target) => target === 'DynamoDB_20120810.Query')).toBe(true);
  });

  it('a runtime.json whose port no longer answers: the configured stack, with what to set when there is no region', async () => {
    const result = await run(['events', '--provider', 'sully'], { LOCAL_STATE_DIR: deadDir });

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `ops events: no AWS region for stack ${DEPLOYED}: set AWS_REGION (or AWS_PROFILE / --profile <name> with a region in ~/.aws/config), ` +
        'or give --region; for the local stack (npm start), --local\n',
    );
  });

  it('a runtime.json whose process is gone: the configured stack', async () => {
    const gone = join(home, 'gone-state');
    writeRuntime(gone, live.port, 2 ** 22 + 12_345); // above Linux's default pid_max: no such process
    const result = await run(['dlq', 'list', '--provider', 'sully'], { LOCAL_STATE_DIR: gone });

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^ops dlq list: no AWS region for stack ${DEPLOYED}: `));
  });

  it('no credentials: says what to set, or --local; never a bare Error', async () => {
    const result = await run(['secret', 'status', '--provider', 'sully'], { AWS_REGION: 'eu-west-1', LOCAL_STATE_DIR: deadDir });

    expect(result.code).toBe(1);
    expect(firstLine(result.stderr)).toBe(
      `ops secret status: no usable AWS credentials for stack ${DEPLOYED} (CredentialsProviderError): set AWS_PROFILE or give --profile <name> ` +
        '(or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or aws sso login; for the local stack (npm start), --local',
    );
  });

  it('--local: a stack that does not answer, or none: exit 1, with the next step', async () => {
    const dead = await run(['events', '--provider', 'sully', '--local'], { LOCAL_STATE_DIR: deadDir });
    expect(dead.code).toBe(1);
    expect(dead.stderr).toBe('ops events: the local stack does not answer: is npm start still running?\n');
    const none = await run(['events', '--provider', 'sully', '--local']);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(`ops events: the local stack is not running (no live ${join(home, 'no-local-stack')}/runtime.json): start it with npm start\n`);
  });
});

describe.concurrent('--profile: the credentials and region of an AWS CLI profile, for every SDK client', () => {
  let cfn: { server: Server; port: number };
  const seen: { authorization: string; body: string }[] = [];
  const config = tmp.write('aws-config', '[profile ops-test]\nregion = eu-west-3\n');
  const credentials = tmp.write('aws-credentials', '[ops-test]\naws_access_key_id = AKIAOPSTESTPROFILE01\naws_secret_access_key = not-a-real-secret-key-0123456789\n');
  const liveDir = join(home, 'profile-live-state');

  beforeAll(async () => {
    // Stands in for CloudFormation (query protocol): the stack does not exist.
    cfn = await listen((req, body, res) => {
      seen.push({ authorization: String(req.headers['authorization']), body });
      res.writeHead(400, { 'content-type': 'text/xml' }).end(
        '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code>' +
          `<Message>Stack with id ${DEPLOYED} does not exist</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
      );
    });
    // A live local stack too: --profile means a deployed stack, so it is not used.
    writeRuntime(liveDir, cfn.port);
  });

  afterAll(() => close(cfn?.server));

  const env = () => ({ AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_ENDPOINT_URL: `http://127.0.0.1:${cfn.port}`, LOCAL_STATE_DIR: liveDir });

  it.each([
    ['after the command', ['events', '--provider', 'sully', '--profile', 'ops-test']],
    ['before it, as the AWS CLI allows', ['--profile', 'ops-test', 'events', '--provider', 'sully']],
  ])('%s: signs with the profile key in the profile region, and not against the running local stack', async (_where, args) => {
    const before = seen.length;
    const result = await run(args, env());

    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toBe(`ops events: stack ${DEPLOYED} was not found in eu-west-3 (check --stack and --region)\n`);
    const requests = seen.slice(before);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests[0]!.authorization).toMatch(/Credential=AKIAOPSTESTPROFILE01\/\d{8}\/eu-west-3\/cloudformation\/aws4_request/);
    expect(requests[0]!.body).toContain('Action=DescribeStacks');
    expect(result.stdout + result.stderr).not.toContain('not-a-real-secret-key');
  });

  it('a profile that is not configured: says so', async () => {
    const result = await run(['events', '--provider', 'sully', '--profile', 'no-such-profile', '--region', 'eu-west-3'], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "ops events: the AWS profile 'no-such-profile' is in neither ~/.aws/config nor ~/.aws/credentials (AWS_CONFIG_FILE, " +
        'AWS_SHARED_CREDENTIALS_FILE): check --profile (aws configure list-profiles)\n',
    );
  });

  it('--local with --profile is a usage error', async () => {
    const result = await run(['events', '--provider', 'sully', '--local', '--profile', 'ops-test']);
    expect(result.code).toBe(2);
    expect(firstLine(result.stderr)).toBe('ops events: --local reads the local stack: --stack, --region and --profile do not apply');
  });
});

/** `ops <args>` in this process (main() with captured lines): cheap, for what needs no environment of its own. */
async function inProcess(args: readonly string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  const text = (lines: string[]) => lines.map((line) => `${line}\n`).join('');
  return { code, stdout: text(out), stderr: text(err) };
}

describe.concurrent('suggestions, --version (in process)', () => {
  it.each([
    [['evnts', '--provider', 'sully'], "ops: unknown command 'evnts'; did you mean 'events'? commands: "],
    [['events', '--provder', 'sully'], "ops events: unknown option '--provder'; did you mean --provider?"],
    [['dlq', 'list', '--provider', 'sully', '--show-bdy'], "ops dlq list: unknown option '--show-bdy'; did you mean --show-body?"],
    [['send', '--provider', 'stirpe'], "ops send: unknown provider 'stirpe'; did you mean 'stripe'? known providers: "],
    [['events', '--provider', 'standard-webhook'], "ops events: unknown provider 'standard-webhook'; did you mean 'standard-webhooks'? known providers: "],
    [['dlq', 'redriv', '--provider', 'sully'], "ops dlq: unknown subcommand 'redriv'; did you mean 'redrive'? subcommands: "],
    [['--verison'], "ops: expected a command before options, got '--verison'; did you mean --version?"],
  ])('%j', async (args, start) => {
    const result = await inProcess(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(firstLine(result.stderr).startsWith(start), result.stderr).toBe(true);
  });

  it('no suggestion for a name that is not close', async () => {
    const result = await inProcess(['events', '--provider', 'acme']);
    expect(firstLine(result.stderr)).toMatch(/^ops events: unknown provider 'acme'; known providers: /);
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await inProcess(['--version'])).toEqual({ code: 0, stdout: `ops ${version}\n`, stderr: '' });
  });
});

describe('--json: an error is one JSON object on stderr, with the same exit code', () => {
  it('a usage error: code 2', async () => {
    const result = await inProcess(['events', '--provder', 'sully', '--json']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(jsonError(result)).toEqual({ error: "unknown option '--provder'; did you mean --provider?", code: 2, command: 'events', notes: ["run 'ops events --help' for details"] });
  });

  it('an unknown command, --json first: code 2', async () => {
    const result = await inProcess(['--json', 'evnts']);
    expect(result.code).toBe(2);
    expect(jsonError(result)).toMatchObject({ error: expect.stringMatching(/^unknown command 'evnts'; did you mean 'events'\?/), code: 2 });
  });

  it('a negative result (no local stack; a subprocess): code 1', async () => {
    const result = await run(['dlq', 'list', '--provider', 'sully', '--local', '--json']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(jsonError(result)).toEqual({
      error: `the local stack is not running (no live ${join(home, 'no-local-stack')}/runtime.json): start it with npm start`,
      code: 1,
      command: 'dlq list',
    });
  });

  it('without --json the same error is text', async () => {
    const result = await inProcess(['events', '--provder', 'sully']);
    expect(result.code).toBe(2);
    expect(() => JSON.parse(firstLine(result.stderr))).toThrow();
  });
});

afterAll(() => tmp.remove());
