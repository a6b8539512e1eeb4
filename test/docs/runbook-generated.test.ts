/**
 * Each provider's runbook entries live in its folder (providers/<id>/notes.ts, `runbook`); docs/runbook.md
 * carries them as generated blocks (tools/docs/generate-runbook.ts, `npm run docs`). This fails while the two differ.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { providerDeclarations } from '../../providers/index.ts';
import { generatedBlocks, renderRunbook, RUNBOOK_PATH } from '../../tools/docs/generate-runbook.ts';

describe('docs/runbook.md provider entries', () => {
  it('are what providers/<id>/notes.ts says (run `npm run docs` after editing them)', () => {
    const current = readFileSync(RUNBOOK_PATH, 'utf8');
    expect(renderRunbook(current) === current, 'docs/runbook.md is out of date: run npm run docs').toBe(true);
  });

  it('have a rotation procedure and a non-2xx row for every registered provider', () => {
    const blocks = generatedBlocks();
    for (const { id } of providerDeclarations) {
      expect(blocks['provider-non-2xx']).toContain(`| \`${id}\` |`);
    }
    expect(blocks['provider-rotation'].match(/^### /gm)).toHaveLength(providerDeclarations.length);
  });

  it('refuses a runbook whose generated block markers are gone', () => {
    expect(() => renderRunbook('# Runbook\n')).toThrow(/has no generated:provider-rotation block/);
  });
});
