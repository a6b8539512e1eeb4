/**
 * Bundles the verifier, processor and spool sweeper handlers exactly as the stack does: lib/bundling.ts's options, the
 * ones lib/constructs/webhook-function.ts builds its code assets with. The local stack runs these bundles,
 * not the TypeScript sources.
 */
import { build, stop } from 'esbuild';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ENTRY_FILE, lambdaBundleOptions } from '../lib/bundling.ts';
import { PROJECT_ROOT } from './settings.ts';

export const HANDLER_ENTRIES = {
  verifier: join(PROJECT_ROOT, 'lambdas', 'verifier', 'handler.ts'),
  processor: join(PROJECT_ROOT, 'lambdas', 'processor', 'handler.ts'),
  spoolSweeper: join(PROJECT_ROOT, 'lambdas', 'spool', 'handler.ts'),
} as const;

export type FunctionKind = keyof typeof HANDLER_ENTRIES;

export interface Bundles {
  readonly verifier: string;
  readonly processor: string;
  readonly spoolSweeper: string;
}

/** Builds every bundle into `<stateDir>/build/<kind>/` and returns the path of each index.mjs. */
export async function buildHandlers(stateDir: string): Promise<Bundles> {
  const out = join(stateDir, 'build');
  rmSync(out, { recursive: true, force: true });
  const paths = {} as Record<FunctionKind, string>;
  try {
    await Promise.all(
      (Object.keys(HANDLER_ENTRIES) as FunctionKind[]).map(async (kind) => {
        const outdir = join(out, kind);
        await build(lambdaBundleOptions(HANDLER_ENTRIES[kind], outdir));
        paths[kind] = join(outdir, ENTRY_FILE);
      }),
    );
  } finally {
    // esbuild keeps a service process for further builds; the runner builds once.
    await stop();
  }
  return paths;
}
