/**
 * Every repository path that README.md and docs/*.md name (backticked, or as a link) exists
 * (scripts/check-doc-paths.mjs), and the check really fails for a document that names a missing one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'check-doc-paths.mjs');
const temp = mkdtempSync(join(tmpdir(), 'doc-paths-'));

function check(...files: string[]) {
  return spawnSync(process.execPath, [SCRIPT, '--root', ROOT, ...files], { encoding: 'utf8' });
}

function doc(name: string, text: string): string {
  const file = join(temp, name);
  writeFileSync(file, text);
  return file;
}

afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('paths named in the docs', () => {
  it('every markdown file, and every comment of the sources, names only paths that exist', () => {
    const result = check();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('fails, naming the file, line and path, when a document names a missing path', () => {
    const file = doc('missing.md', [
      '# A doc',
      '',
      'The handler lives in `lambdas/processor/no-such-module.ts`; see [the guide](docs/no-such-guide.md)',
      'and `PROVIDERS.md`.',
    ].join('\n'));
    const result = check(file);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${file}:3: lambdas/processor/no-such-module.ts`);
    expect(result.stderr).toContain(`${file}:3: docs/no-such-guide.md`);
    expect(result.stderr).toContain(`${file}:4: PROVIDERS.md`);
  });

  it('passes existing paths and skips placeholders, globs and fenced code', () => {
    const file = doc('fine.md', [
      'Configuration: `lib/config/load.ts`, `lib/constructs/provider-pipeline.ts:120`, `docs/runbook.md#spool`.',
      'Per provider: `providers/<id>/processor.ts`, `test/verifier/spool*`, `ops/{a,b}.ts`.',
      '```sh',
      'cat `lambdas/not-checked-in-a-fence.ts`',
      '```',
    ].join('\n'));
    const result = check(file);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('finds paths inside longer code spans, and checks link targets without their anchors', () => {
    const file = doc('spans.md', 'Run `npx tsx bin/no-such-cli.ts verify`; read [it](no-such-page.md#providers).\n');
    const result = check(file);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${file}:1: bin/no-such-cli.ts`);
    expect(result.stderr).toContain(`${file}:1: no-such-page.md\n`);
  });

  it('checks the comments of source files, not their code or strings, and only clear paths in prose', () => {
    const file = doc('module.ts', [
      '/**',
      ' * Reads lambdas/processor/no-such-reader.ts and the folder ops/no-such-folder/; ops/s is a unit.',
      ' */',
      "const glob = 'docs/*.md'; // see bench/no-such-bench.ts",
      "const inCode = 'lib/not-a-comment.ts';",
    ].join('\n'));
    const result = check(file);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${file}:2: lambdas/processor/no-such-reader.ts`);
    expect(result.stderr).toContain(`${file}:2: ops/no-such-folder/`);
    expect(result.stderr).toContain(`${file}:4: bench/no-such-bench.ts`);
    expect(result.stderr).not.toContain('ops/s\n');
    expect(result.stderr).not.toContain('lib/not-a-comment.ts');
  });
});
