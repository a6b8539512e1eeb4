/**
 * The seam between the processor framework (lambdas/processor/) and the example business logic
 * (lambdas/example-state/): the framework never imports the example, so a fork can replace or delete it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const FRAMEWORK = new URL('../../lambdas/processor/', import.meta.url);
const IMPORT = /(?:from|import)\s*\(?\s*['"`]([^'"`]+)['"`]/g;

describe('processor framework seam', () => {
  it('lambdas/processor/ imports nothing from lambdas/example-state/', () => {
    const offending: string[] = [];
    for (const file of readdirSync(FRAMEWORK).filter((name) => name.endsWith('.ts'))) {
      const text = readFileSync(new URL(file, FRAMEWORK), 'utf8');
      for (const [, specifier] of text.matchAll(IMPORT)) {
        if (specifier!.includes('example-state')) offending.push(`${file}: ${specifier}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
