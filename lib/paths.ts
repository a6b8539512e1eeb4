/** Where the handler sources live, resolved from this file so synth works from any working directory. */
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const VERIFIER_ENTRY = fileURLToPath(new URL('../lambdas/verifier/handler.ts', import.meta.url));
/** The verifier with Powertools Tracer (`traceVerifierAwsCalls`). */
export const TRACED_VERIFIER_ENTRY = fileURLToPath(new URL('../lambdas/verifier/traced-handler.ts', import.meta.url));
export const PROCESSOR_ENTRY = fileURLToPath(new URL('../lambdas/processor/handler.ts', import.meta.url));
/** The spool sweeper (lib/constructs/spool-sweeper.ts). */
export const SPOOL_SWEEPER_ENTRY = fileURLToPath(new URL('../lambdas/spool/handler.ts', import.meta.url));
/** The synthetic canary (lib/constructs/synthetic-canary.ts). */
export const CANARY_ENTRY = fileURLToPath(new URL('../lambdas/canary/handler.ts', import.meta.url));
