/**
 * Writes each provider's part of docs/runbook.md from its `providers/<id>/notes.ts` (`runbook`): the rotation
 * procedures and the rows of "What each sender does when we answer non-2xx", between generated-block markers.
 * A new provider folder thus gets its runbook entries with `npm run docs`; test/docs/runbook-generated.test.ts
 * fails while the runbook is out of date. Run: `npm run docs` (or `--check` to only compare).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { providerDeclarations } from '../../providers/index.ts';
import { providerOperations } from '../../providers/operations.ts';

export const RUNBOOK_PATH = fileURLToPath(new URL('../../docs/runbook.md', import.meta.url));
const WIDTH = 115;

/** Greedy word wrap, as the rest of the runbook is written. */
function wrap(paragraph: string): string {
  const lines: string[] = [];
  let line = '';
  // Words, with a `code span` kept whole: a command split across lines would no longer be found by search.
  for (const word of paragraph.match(/(?:`[^`]*`|[^\s`])+/g) ?? []) {
    if (line && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

const notesOf = (id: string) => providerOperations.get(id)!.notes.runbook;

export function generatedBlocks(): Record<'provider-rotation' | 'provider-non-2xx', string> {
  const ids = providerDeclarations.map((d) => d.id);
  const rotation = ids.map((id) => {
    const r = notesOf(id);
    return `### ${r.title}\n\n${r.rotation.split(/\n\n+/).map(wrap).join('\n\n')}`;
  }).join('\n\n');
  const table = [
    '| provider | on non-2xx or timeout | what is lost, and how to recover it |',
    '|---|---|---|',
    ...ids.map((id) => `| \`${id}\` | ${notesOf(id).onFailure} | ${notesOf(id).recovery} |`),
  ].join('\n');
  return { 'provider-rotation': rotation, 'provider-non-2xx': table };
}

const marker = (name: string) => new RegExp(`(<!-- generated:${name} .*?-->\\n)[\\s\\S]*?(\\n<!-- /generated:${name} -->)`);

/** The runbook text with every generated block replaced by its current rendering. */
export function renderRunbook(text: string): string {
  let out = text;
  for (const [name, block] of Object.entries(generatedBlocks())) {
    if (!marker(name).test(out)) throw new Error(`docs/runbook.md has no generated:${name} block`);
    out = out.replace(marker(name), (_m, open: string, close: string) => `${open}${block}${close}`);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const current = readFileSync(RUNBOOK_PATH, 'utf8');
  const next = renderRunbook(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error('docs/runbook.md is out of date with providers/*/notes.ts: run npm run docs');
      process.exit(1);
    }
  } else if (next !== current) {
    writeFileSync(RUNBOOK_PATH, next);
    console.log('docs/runbook.md updated from providers/*/notes.ts');
  } else {
    console.log('docs/runbook.md is up to date');
  }
}
