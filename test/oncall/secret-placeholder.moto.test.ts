/**
 * `ops secret status` on a deployed stack (found through CloudFormation; AWS is moto_server) recognizes a
 * provider still on the placeholder the stack generated: the secret's only version is AWSCURRENT. It says
 * "not set" in text and JSON and advises `ops secret set`; once a value is stored (the placeholder version
 * keeps no label and counts still, as IncludeDeprecated lists it) the secret is "set". The moto part is
 * skipped with a visible warning where moto_server is not installed; the request itself (IncludeDeprecated,
 * pages) is checked against a mocked client everywhere, since moto lists unlabeled versions either way.
 */
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateSecretCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stillPlaceholder } from '../../ops/secrets.ts';
import { startMoto, type MotoServer } from '../processor/support/moto.ts';
import { HAS_MOTO, ops, Sensitive, type Run } from './support.ts';

const STACK = 'WebhookReceiver-placeholder';
const REGION = 'us-east-1';
const sensitive = new Sensitive();

if (!HAS_MOTO) console.warn('[test/oncall] moto_server is not on PATH: the placeholder-secret status tests are SKIPPED (pip install "moto[server]").');

interface StatusJson {
  state: string;
  placeholder: boolean;
  versions: { stages: string[] }[];
  advice: string;
}

describe.skipIf(!HAS_MOTO)('ops secret status: a provider still on the placeholder the stack generated (AWS is moto_server)', () => {
  let moto: MotoServer;
  let env: Record<string, string | undefined>;
  const tmp = mkdtempSync(join(tmpdir(), 'oncall-placeholder-'));
  const outputs: string[] = [];
  const run = async (args: string[]): Promise<Run> => {
    const result = await ops(args, { env });
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const status = async (provider: string) => {
    const result = await run(['secret', 'status', '--provider', provider, '--stack', STACK, '--json']);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as StatusJson;
  };

  beforeAll(async () => {
    moto = (await startMoto())!;
    const config = { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    const sm = new SecretsManagerClient(config);
    const cfn = new CloudFormationClient(config);
    // As CloudFormation creates them: one version, AWSCURRENT, holding the generated placeholder.
    const placeholder = () => sensitive.add(randomBytes(36).toString('base64').replace(/[+/]/g, 'A'));
    const arns: Record<string, string> = {};
    for (const [suffix, name] of [['StandardWebhooks', 'standard-webhooks'], ['Sully', 'sully']] as const) {
      arns[suffix] = (await sm.send(new CreateSecretCommand({ Name: `webhooks/${name}`, SecretString: placeholder() }))).ARN!;
    }
    await cfn.send(new CreateStackCommand({
      StackName: STACK,
      TemplateBody: JSON.stringify({
        Resources: { Placeholder: { Type: 'AWS::SQS::Queue', Properties: {} } },
        Outputs: {
          LedgerTableName: { Value: 'ledger' },
          ...Object.fromEntries(Object.keys(arns).flatMap((suffix) => [
            [`QueueUrl${suffix}`, { Value: `https://sqs.${REGION}.amazonaws.com/123456789012/${suffix}` }],
            [`DeadLetterQueueUrl${suffix}`, { Value: `https://sqs.${REGION}.amazonaws.com/123456789012/${suffix}-dlq` }],
            [`SecretArn${suffix}`, { Value: arns[suffix] }],
          ])),
        },
      }),
    }));
    sm.destroy();
    cfn.destroy();
    env = {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: join(tmp, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('--json: state "not set", placeholder true, and the advice is ops secret set', async () => {
    const data = await status('standard-webhooks');

    expect(data).toMatchObject({ state: 'not set', placeholder: true });
    expect(data.versions.map((v) => v.stages)).toEqual([['AWSCURRENT']]);
    expect(data.advice).toBe(`not set: store the vendor's signing secret with ops secret set --provider standard-webhooks --stack ${STACK} (value on stdin or --value-file)`);
  });

  it('text: "not set" with the reason, and the next step', async () => {
    const text = await run(['secret', 'status', '--provider', 'standard-webhooks', '--stack', STACK]);

    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[1]).toBe("secret: not set (AWSCURRENT is still the placeholder the stack generated, the secret's only version: it matches no sender, so every request is answered 401)");
    expect(text.stderr).toContain(`next: not set: store the vendor's signing secret with ops secret set --provider standard-webhooks --stack ${STACK}`);
  });

  it('after ops secret set: "set" (the placeholder version, now without a label, still counts)', async () => {
    const valueFile = join(tmp, 'value');
    writeFileSync(valueFile, `${sensitive.add(`whsec_${randomBytes(24).toString('base64')}`)}\n`, { mode: 0o600 });
    const set = await run(['secret', 'set', '--provider', 'standard-webhooks', '--stack', STACK, '--value-file', valueFile]);
    expect(set.code, set.stderr).toBe(0);

    const data = await status('standard-webhooks');
    const text = await run(['secret', 'status', '--provider', 'standard-webhooks', '--stack', STACK]);

    expect(data).toMatchObject({ state: 'set', placeholder: false });
    expect(data.versions.map((v) => v.stages)).toEqual([['AWSCURRENT']]);
    expect(data.advice).toBe('one secret, no rotation in progress');
    expect(text.stdout.split('\n')[1]).toBe('secret: set');
  });

  it('each provider on its own: sully is still on its placeholder', async () => {
    expect(await status('sully')).toMatchObject({ state: 'not set', placeholder: true });
  });

  it('never printed a secret', () => {
    expect(sensitive.foundIn(outputs.join('\n'))).toEqual([]);
  });
});

describe('stillPlaceholder (mocked Secrets Manager: what real Secrets Manager needs to be asked)', () => {
  // Mocked only inside this block: the moto block above uses real clients.
  let sm: AwsClientStub<SecretsManagerClient>;
  let client: SecretsManagerClient;
  const listing = (...stages: string[][]) => ({ Versions: stages.map((VersionStages, i) => ({ VersionId: `v${i}`, VersionStages })) });

  beforeAll(() => {
    sm = mockClient(SecretsManagerClient);
    client = new SecretsManagerClient({ region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  });

  afterAll(() => {
    sm.restore();
    client.destroy();
  });

  it('asks for deprecated versions too: a placeholder replaced by ops secret set keeps no label, and must still count', async () => {
    sm.reset();
    sm.on(ListSecretVersionIdsCommand).resolves(listing(['AWSCURRENT'], []));

    expect(await stillPlaceholder(client, 'arn:sw')).toBe(false);
    expect(sm.commandCalls(ListSecretVersionIdsCommand)[0]!.args[0].input).toMatchObject({ SecretId: 'arn:sw', IncludeDeprecated: true });
  });

  it('is true only for a single version that is AWSCURRENT, across pages', async () => {
    sm.reset();
    sm.on(ListSecretVersionIdsCommand).resolves(listing(['AWSCURRENT']));
    expect(await stillPlaceholder(client, 'a')).toBe(true);

    sm.reset();
    sm.on(ListSecretVersionIdsCommand).resolvesOnce({ ...listing(['AWSCURRENT']), NextToken: 't' }).resolves(listing(['AWSPREVIOUS']));
    expect(await stillPlaceholder(client, 'b')).toBe(false);

    sm.reset();
    sm.on(ListSecretVersionIdsCommand).resolves(listing(['AWSPENDING']));
    expect(await stillPlaceholder(client, 'c')).toBe(false);
  });
});
