/**
 * How the Lambda handlers are bundled, in one place for the stack (lib/constructs/webhook-function.ts), the
 * local emulator (local/build.ts) and the benchmarks: the bundle the tests run is the bundle deployed.
 *
 * esbuild itself rather than NodejsFunction, for one reason: NodejsFunction writes a single file, and the
 * verifier's bundle is split so that code it rarely needs (the S3 client, for claim checks) is a chunk
 * imported on first use instead of part of every cold start. Everything else matches what NodejsFunction
 * would do: ESM for the Lambda runtime's Node.js version, minified, source maps without sources content,
 * the AWS SDK bundled (the version the tests ran against, not whichever one the runtime ships this month).
 */
import type { BuildOptions, Metafile } from 'esbuild';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** esbuild's target for lib/constructs/webhook-function.ts FUNCTION_RUNTIME (Node.js 24). */
export const LAMBDA_TARGET = 'node24';

/**
 * esbuild's ESM output cannot `require()` the CommonJS dependencies it inlines: the banner gives every
 * output file (entry and chunks) a real `require`.
 */
export const ESM_REQUIRE_BANNER = "import { createRequire as __createRequire } from 'node:module';const require = __createRequire(import.meta.url);";

/** The file Lambda loads: handler `index.handler`. */
export const ENTRY_FILE = 'index.mjs';

/** The esbuild options for one handler, written to `outdir` as index.mjs plus chunks/. */
export function lambdaBundleOptions(entry: string, outdir: string): BuildOptions & { metafile: true } {
  return {
    entryPoints: { index: entry },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: LAMBDA_TARGET,
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    // Error class names reach the ledger's lastError and the logs: keep them readable.
    keepNames: true,
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    absWorkingDir: PROJECT_ROOT,
    logLevel: 'warning',
  };
}

export interface BundleSizes {
  /** What a cold start loads: the entry and the chunks it imports statically, in bytes. */
  readonly coldStartBytes: number;
  /** Every JavaScript file of the bundle, lazily imported chunks included. */
  readonly totalBytes: number;
}

/** The output files a cold start loads: the entry and the chunks it imports statically, transitively. */
export function coldStartFiles(metafile: Metafile): Set<string> {
  const outputs = metafile.outputs;
  const entry = Object.keys(outputs).find((file) => file.endsWith(ENTRY_FILE) && outputs[file]!.entryPoint);
  if (!entry) throw new Error(`the metafile has no ${ENTRY_FILE} entry`);
  const loaded = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    for (const imported of outputs[file]?.imports ?? []) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  visit(entry);
  return loaded;
}

/** Sizes of a bundle from its metafile (source maps not counted: Lambda never loads them unless asked). */
export function bundleSizes(metafile: Metafile): BundleSizes {
  const outputs = metafile.outputs;
  const bytes = (files: Iterable<string>) => [...files].reduce((sum, file) => sum + outputs[file]!.bytes, 0);
  return { coldStartBytes: bytes(coldStartFiles(metafile)), totalBytes: bytes(Object.keys(outputs).filter((file) => file.endsWith('.mjs'))) };
}
