/**
 * `cdk synth` exactly as a user runs it (cdk.json, bin/app.ts, local esbuild bundling, both cdk-nag packs
 * as validation plugins), offline and without AWS credentials; then cfn-lint over the template when it is
 * installed (it is on developer and CI machines, not necessarily on a user's).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const STACK = 'WebhookReceiver-dev';
const hasCfnLint = spawnSync('cfn-lint', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasCfnLint) console.warn('cfn-lint is not on PATH: skipping the cfn-lint check of the synthesized template (pip install cfn-lint)');

let outdir: string;
let templatePath: string;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'webhook-synth-'));
  execFileSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', outdir], {
    cwd: ROOT,
    stdio: 'pipe',
    env: {
      ...process.env,
      // Prove the synth needs no AWS account: no credentials, no region, no telemetry call.
      AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '',
      AWS_REGION: '', AWS_DEFAULT_REGION: '', CDK_DISABLE_CLI_TELEMETRY: 'true',
    },
  });
  templatePath = join(outdir, `${STACK}.template.json`);
}, 180_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

/**
 * The asset directories of this project's handlers: not that of the provider CDK adds in dev to empty the
 * buckets on `cdk destroy` (autoDeleteObjects), which CDK ships prebuilt.
 */
function handlerAssets(): string[] {
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }> };
  const cdkProvided = Object.entries(template.Resources)
    .filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('CustomS3AutoDeleteObjectsCustomResourceProvider'))
    .map(([, r]) => `asset.${r.Properties.Code!.S3Key!.replace(/\.zip$/, '')}`);
  return readdirSync(outdir).filter((d) => d.startsWith('asset.') && statSync(join(outdir, d)).isDirectory() && !cdkProvided.includes(d));
}

describe('cdk synth', () => {
  it('writes an environment-agnostic template with no unacknowledged cdk-nag finding', () => {
    expect(existsSync(templatePath)).toBe(true);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts[STACK].environment).toBe('aws://unknown-account/unknown-region');
    // The synth would have exited non-zero on a finding; the report says the same in writing.
    const validation = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    expect(validation.pluginReports.flatMap((r: { violations?: unknown[] }) => r.violations ?? [])).toEqual([]);
  });

  it('bundles each handler as minified ESM with source maps: index.mjs plus lazily imported chunks', () => {
    const assets = handlerAssets();
    expect(assets).toHaveLength(4); // the verifier, the processor shared by every provider, the spool sweeper, the canary
    for (const asset of assets) {
      const files = readdirSync(join(outdir, asset), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.mjs'));
      expect(files).toContain('index.mjs');
      for (const file of files) {
        const code = readFileSync(join(outdir, asset, file), 'utf8');
        expect(code.startsWith("import { createRequire as __createRequire } from 'node:module';"), file).toBe(true);
        expect(code).toMatch(/\/\/# sourceMappingURL=[\w.-]+\.mjs\.map\s*$/);
        expect(existsSync(join(outdir, asset, `${file}.map`)), `${file}.map`).toBe(true);
      }
      const entry = readFileSync(join(outdir, asset, 'index.mjs'), 'utf8');
      expect(entry.length / entry.split('\n').length, 'average line length of a minified bundle').toBeGreaterThan(1_000);
    }
  });

  it('gives the verifier its own asset, with the S3 client in a chunk of its own', () => {
    const template = JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }> };
    const keys = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Code?.S3Key)
      .map(([id, r]) => ({ id, asset: `asset.${r.Properties.Code!.S3Key!.replace(/\.zip$/, '')}` }));
    const verifier = keys.filter((k) => k.id.startsWith('IngressVerifier'));
    const processors = keys.filter((k) => k.id.includes('Processor'));
    expect(verifier).toHaveLength(1);
    expect(processors.length).toBeGreaterThan(1);
    expect(new Set(processors.map((p) => p.asset)).size).toBe(1);
    expect(processors[0]!.asset).not.toBe(verifier[0]!.asset);
    const chunks = readdirSync(join(outdir, verifier[0]!.asset, 'chunks'));
    expect(chunks.some((f) => /^claim-check-store-.+\.mjs$/.test(f))).toBe(true);
  });

  it('each bundle loads as an ES module under plain node and exports handler (CommonJS dependencies included)', () => {
    const assets = handlerAssets();
    // The contract's environment (docs/architecture.md); the handlers validate it at module load.
    const env = {
      ...process.env,
      PROVIDERS_CONFIG: JSON.stringify({ sully: { secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q' } }),
      LEDGER_TABLE: 'ledger', CLAIM_CHECK_BUCKET: 'bucket', PROVIDER_ID: 'sully', AWS_REGION: 'us-east-1',
      QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q', DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq',
      QUEUE_URLS: JSON.stringify(['https://sqs.us-east-1.amazonaws.com/123456789012/q']),
      CANARY_URL: 'https://hooks.example.com/webhooks/canary', CANARY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:c',
      POWERTOOLS_SERVICE_NAME: 'smoke', POWERTOOLS_METRICS_NAMESPACE: 'WebhookReceiver',
    };
    for (const asset of assets) {
      const script = `import(${JSON.stringify(join(outdir, asset, 'index.mjs'))}).then((m) => console.log(typeof m.handler))`;
      const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
      expect(result.stdout.trim(), `${asset}: ${result.stderr}`).toBe('function');
    }
  });

  it.skipIf(!hasCfnLint)('passes cfn-lint (W3005 ignored: CDK writes explicit DependsOn)', () => {
    const result = spawnSync('cfn-lint', ['--ignore-checks', 'W3005', '--', templatePath], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
