/**
 * Bundles the verifier and processor handlers with the esbuild options that `NodejsFunction` passes for
 * lib/constructs/webhook-function.ts (aws-cdk-lib 2.276 aws-lambda-nodejs/lib/bundling.js): platform node,
 * target of the Lambda runtime, ESM with the createRequire banner, module/main fields, minified, source
 * maps without sources content, the AWS SDK bundled (no externals). The local stack runs these bundles,
 * not the TypeScript sources. test/e2e/build-options.test.ts pins this against lib/.
 */
import { build, stop, type BuildOptions } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './settings.ts';

/** lib/constructs/webhook-function.ts FUNCTION_RUNTIME (Node.js 24) → NodejsFunction's `--target=node24`. */
export const LAMBDA_TARGET = 'node24';

/** The banner of lib/constructs/webhook-function.ts, byte for byte. */
export const ESM_REQUIRE_BANNER = "import { createRequire as __createRequire } from 'node:module';const require = __createRequire(import.meta.url);";

export const HANDLER_ENTRIES = {
  verifier: join(PROJECT_ROOT, 'lambdas', 'verifier', 'handler.ts'),
  processor: join(PROJECT_ROOT, 'lambdas', 'processor', 'handler.ts'),
} as const;

export type FunctionKind = keyof typeof HANDLER_ENTRIES;

/** The options NodejsFunction's command line amounts to, for one entry. */
export function bundleOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    target: LAMBDA_TARGET,
    platform: 'node',
    format: 'esm',
    outfile,
    minify: true,
    keepNames: true,
    sourcemap: true,
    sourcesContent: false,
    external: [],
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    absWorkingDir: PROJECT_ROOT,
    logLevel: 'warning',
  };
}

export interface Bundles {
  readonly verifier: string;
  readonly processor: string;
}

/** Builds both bundles into `<stateDir>/build/<kind>/index.mjs` (NodejsFunction's file name for ESM). */
export async function buildHandlers(stateDir: string): Promise<Bundles> {
  const out = join(stateDir, 'build');
  rmSync(out, { recursive: true, force: true });
  const paths = {} as Record<FunctionKind, string>;
  try {
    await Promise.all(
      (Object.keys(HANDLER_ENTRIES) as FunctionKind[]).map(async (kind) => {
        mkdirSync(join(out, kind), { recursive: true });
        const outfile = join(out, kind, 'index.mjs');
        await build(bundleOptions(HANDLER_ENTRIES[kind], outfile));
        paths[kind] = outfile;
      }),
    );
  } finally {
    // esbuild keeps a service process for further builds; the runner builds once.
    await stop();
  }
  return paths;
}
