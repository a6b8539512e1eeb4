/**
 * Child process of `npm run bench:e2e`: the verifier bundle a running local stack built, imported here with
 * the verifier's environment (the stack's stand-ins, unproxied), invoked in a loop with freshly signed
 * payload-2.0 events, one at a time. Prints the CPU this process (the verifier alone: verification, SDK
 * calls, logging, metrics) spent per request, and the wall time per request. Arguments: the stack's state
 * directory, the number of timed requests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { runtimeEnvironment, verifierEnvironment } from '../../../../local/function-environment.ts';
import type { RuntimeInfo, SecretsFile } from '../../../../local/runtime-files.ts';
import { CLAIM_CHECK_BUCKET, LEDGER_TABLE, loadAppConfig } from '../../../../local/settings.ts';
import { signedRequest, type SignedRequest } from '../../e2e/support/webhooks.ts';

const [stateDir, countText] = process.argv.slice(2);
const count = Number(countText ?? 2_000);
const runtime = JSON.parse(readFileSync(join(stateDir!, 'runtime.json'), 'utf8')) as RuntimeInfo;
const secrets = JSON.parse(readFileSync(runtime.secretsFile, 'utf8')) as SecretsFile;
const app = loadAppConfig();
const resources = new Map(Object.entries(runtime.providers).map(([id, p]) => [id, { secretArn: p.secretArn, queueUrl: p.queueUrl }]));
Object.assign(process.env, runtimeEnvironment('bench-verifier-alone', app.verifier.memoryMb, runtime.endpoints, stateDir!), verifierEnvironment(app, resources, LEDGER_TABLE, CLAIM_CHECK_BUCKET));

function event(request: SignedRequest): APIGatewayProxyEventV2 {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: `POST /webhooks/${request.providerId}`,
    rawPath: `/webhooks/${request.providerId}`,
    rawQueryString: '',
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
    requestContext: {
      accountId: '123456789012', apiId: 'bench', domainName: '127.0.0.1', domainPrefix: '127', requestId: `r${now}`, routeKey: `POST /webhooks/${request.providerId}`,
      stage: '$default', time: new Date(now).toUTCString(), timeEpoch: now,
      http: { method: 'POST', path: `/webhooks/${request.providerId}`, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
    },
    pathParameters: { provider: request.providerId },
    isBase64Encoded: false,
    body: request.body.toString('utf8'),
  };
}

const context = {
  callbackWaitsForEmptyEventLoop: true, functionName: 'bench-verifier-alone', functionVersion: '$LATEST', memoryLimitInMB: String(app.verifier.memoryMb),
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench-verifier-alone', awsRequestId: 'bench', logGroupName: 'bench', logStreamName: 'bench',
  getRemainingTimeInMillis: () => 10_000, done: () => undefined, fail: () => undefined, succeed: () => undefined,
};

// The handler's log lines would cost a terminal; a Lambda writes them to a pipe: keep the write, drop the text.
process.stdout.write = ((_chunk: unknown, ...rest: unknown[]) => {
  const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
  callback?.();
  return true;
}) as typeof process.stdout.write;
const print = (text: string) => process.stderr.write(`${text}\n`);

const { handler } = (await import(pathToFileURL(join(stateDir!, 'build', 'verifier', 'index.mjs')).href)) as {
  handler: (event: APIGatewayProxyEventV2, context: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
};
const providers = Object.keys(runtime.providers);
const events = Array.from({ length: count + 200 }, (_, i) => event(signedRequest(providers[i % providers.length]!, secrets[providers[i % providers.length]!]!.current)));
for (let i = 0; i < 200; i++) await handler(events[i]!, context); // warm: secrets cached, JIT
const cpu = process.cpuUsage();
const started = performance.now();
let accepted = 0;
for (let i = 200; i < events.length; i++) if ((await handler(events[i]!, context)).statusCode === 202) accepted++;
const wall = performance.now() - started;
const used = process.cpuUsage(cpu);
print(JSON.stringify({ requests: count, accepted, cpuMsPerRequest: (used.user + used.system) / 1000 / count, wallMsPerRequest: wall / count }));
process.exit(0);
