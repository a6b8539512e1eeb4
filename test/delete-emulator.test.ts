/**
 * A fork may delete the local emulator: this copies the working tree (tracked and new files, as git lists
 * them; node_modules symlinked) to a temporary directory, deletes `local/` and `test/local/` there, and proves
 * that what remains still holds together:
 * - no remaining file imports `local/` or `test/local/` (a static scan of every import, export-from and
 *   dynamic import of every .ts/.mjs/.js file), and every relative import still resolves;
 * - `npx tsc --noEmit -p .` passes (so `npm run synth`'s `bin/app.ts`, `ops` and every remaining test
 *   type-check without the emulator);
 * - `ops` starts and, asked for the local stack, says it is not available instead of crashing.
 * Running `npm run synth` and the remaining `npm test` in the copy would take minutes: the import graph
 * check plus tsc prove the same dependency fact (nothing left refers to the deleted folders), and the
 * synth and tests themselves run in this repository in the same CI run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EMULATOR = ['local', join('test', 'local')];
const SOURCE = /\.(ts|mts|mjs|js)$/;
/** `from '...'` (import and export), bare `import '...'`, and `import('...')` with a literal specifier. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])([^'"\n]+)\1/gm;

let copy: string;

/** Tracked and untracked-but-not-ignored files that exist in the working tree. */
function workingTreeFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return [...new Set(listed.split('\0').filter(Boolean))].filter((file) => {
    const path = join(ROOT, file);
    return existsSync(path) && statSync(path).isFile();
  });
}

const insideEmulator = (file: string) => EMULATOR.some((dir) => file === dir || file.startsWith(`${dir}${sep}`));

/** Every relative import of every remaining source file: `{ file, specifier, target }` (target repo-relative). */
function relativeImports(root: string, files: readonly string[]) {
  const found: { file: string; specifier: string; target: string }[] = [];
  for (const file of files.filter((f) => SOURCE.test(f) && !f.endsWith('.d.ts'))) {
    // Comments are not imports (block comments and whole-line // comments dropped; strings kept).
    const text = readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const [, , specifier] of text.matchAll(SPECIFIER)) {
      if (!specifier!.startsWith('.')) continue;
      found.push({ file, specifier: specifier!, target: relative(root, resolve(root, dirname(file), specifier!)) });
    }
  }
  return found;
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'delete-emulator-'));
  for (const file of workingTreeFiles()) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(ROOT, file), join(copy, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  for (const dir of EMULATOR) rmSync(join(copy, dir), { recursive: true, force: true });
});

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('deleting the local emulator (local/ and test/local/)', () => {
  it('leaves no file that imports them, and every relative import resolving', () => {
    const remaining = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
      .split('\0').filter((file) => file && !insideEmulator(file) && existsSync(join(copy, file)));
    const imports = relativeImports(copy, remaining);
    expect(imports.length).toBeGreaterThan(100); // the scan saw the code
    const intoEmulator = imports.filter((i) => insideEmulator(i.target)).map((i) => `${i.file}: ${i.specifier}`);
    expect(intoEmulator).toEqual([]);
    const unresolved = imports.filter((i) => !existsSync(join(copy, i.target))).map((i) => `${i.file}: ${i.specifier}`);
    expect(unresolved).toEqual([]);
  });

  it('type-checks (npx tsc --noEmit -p .)', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.'], { cwd: copy, encoding: 'utf8', timeout: 120_000 });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  }, 150_000);

  it('keeps ops working, and says that the local stack is not available', () => {
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'bin/ops.ts', ...args], {
      cwd: copy, encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', LOCAL_STATE_DIR: join(copy, '.local') },
    });
    const help = run(['--help']);
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    const local = run(['events', '--provider', 'sully', '--local']);
    expect(local.stderr).toContain('the local stack is not available in this checkout');
    expect(local.status).toBe(1);
  }, 120_000);
});

describe('benchmarks and the cost model stay outside the product (bench/, tools/)', () => {
  it('no file of lib/, lambdas/, providers/, ops/ or bin/ imports them', () => {
    const product = workingTreeFiles().filter((file) => /^(lib|lambdas|providers|ops|bin)\//.test(file));
    const imports = relativeImports(ROOT, product);
    expect(imports.length).toBeGreaterThan(100);
    const intoTools = imports.filter((i) => /^(bench|tools)(\/|$)/.test(i.target)).map((i) => `${i.file}: ${i.specifier}`);
    expect(intoTools).toEqual([]);
  });
});
