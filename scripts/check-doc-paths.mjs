// Checks that the repository paths the documentation names exist: every backticked path that starts with one
// of the repository's top-level folders (`lambdas/...`, `lib/...`, `test/...`, ...) and every relative link
// target in every tracked markdown file, and every such path in the comments of the source files (.ts, .mjs).
// Paths with placeholders or globs (`<id>`, `*`, `{...}`) are skipped. Fenced code blocks are skipped too
// (commands, not references). Plain node, no dependencies.
//
//   node scripts/check-doc-paths.mjs                  # every tracked *.md, and comments of tracked *.ts / *.mjs
//   node scripts/check-doc-paths.mjs a.md b.md        # these files instead
//   node scripts/check-doc-paths.mjs --root <dir>     # resolve repo-relative paths against <dir>
//
// Exit 0 when every named path exists; 1, listing each missing one as file:line: path, otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const FOLDERS = ['lambdas', 'lib', 'test', 'docs', 'ops', 'scripts', 'bin', 'bench', 'providers', 'local', 'tools'];
const PATH_IN_CODE = new RegExp(`(?:^|[\\s(=:'"\\[])((?:\\.\\./|\\./)*(?:${FOLDERS.join('|')})/[^\\s\`'"(),;]*)`, 'g');
const LINK = /\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;
const INLINE_CODE = /`([^`\n]+)`/g;
const BARE_MARKDOWN = /^[A-Za-z0-9_-]+\.md$/;

/** True for names we cannot check: placeholders, globs, ellipses. */
const isPattern = (path) => /[<*{]/.test(path) || path.includes('...');

/** Drops a `#fragment` or `?query`, a `:line[:column]` suffix and trailing sentence punctuation. */
function clean(path) {
  return path.replace(/[#?].*$/, '').replace(/(:\d+)+$/, '').replace(/[.,:;]+$/, '');
}

/**
 * Every path a markdown text names: `{ line, path, base }`, base 'root' (repo-relative), 'file' (a link:
 * relative to the markdown file) or 'either' (a backticked bare `NAME.md`, such as `README.md`).
 */
export function namedPaths(markdown) {
  const found = [];
  let fenced = false;
  markdown.split('\n').forEach((text, index) => {
    const line = index + 1;
    if (/^\s*(```|~~~)/.test(text)) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    for (const [, target] of text.matchAll(LINK)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue; // URL, mailto:, same-page anchor
      const path = clean(target);
      if (path && !isPattern(path)) found.push({ line, path, base: 'file' });
    }
    for (const [, code] of text.matchAll(INLINE_CODE)) {
      if (BARE_MARKDOWN.test(code.trim())) found.push({ line, path: code.trim(), base: 'either' });
      for (const [, candidate] of code.matchAll(PATH_IN_CODE)) {
        const path = clean(candidate);
        if (path && !isPattern(path)) found.push({ line, path, base: 'root' });
      }
    }
  });
  return found;
}

/** The missing paths of one markdown file, as `file:line: path` strings. */
export function missingPaths(file, root) {
  const missing = [];
  const text = readFileSync(file, 'utf8');
  for (const { line, path, base } of file.endsWith('.md') ? namedPaths(text) : commentPaths(text)) {
    const bases = base === 'file' ? [dirname(file)] : base === 'root' ? [root] : [root, dirname(file)];
    const exists = bases.some((dir) => existsSync(isAbsolute(path) ? path : resolve(dir, path)));
    const shown = relative(root, file);
    if (!exists) missing.push(`${shown && !shown.startsWith('..') ? shown : file}:${line}: ${path}`);
  }
  return missing;
}

/** Every path named in the comments of a source text: `{ line, path, base: 'root' }`. */
export function commentPaths(source) {
  const found = [];
  let inBlock = false;
  source.split('\n').forEach((text, index) => {
    let comment = '';
    if (inBlock) {
      const end = text.indexOf('*/');
      comment = end >= 0 ? text.slice(0, end) : text;
      if (end >= 0) inBlock = false;
    } else {
      // A block comment starts a line here; a `/*` elsewhere is a glob in a string (`docs/*.md`).
      const block = text.trimStart().startsWith('/*') ? text.indexOf('/*') : -1;
      const line = text.search(/(^|\s)\/\/\s/);
      if (line >= 0 && (block < 0 || line < block)) comment = text.slice(line);
      else if (block >= 0) {
        const end = text.indexOf('*/', block + 2);
        comment = end >= 0 ? text.slice(block, end) : text.slice(block);
        if (end < 0) inBlock = true;
      }
    }
    for (const [, candidate] of comment.matchAll(PATH_IN_CODE)) {
      const path = clean(candidate);
      // In prose, only what is clearly a path: a file name with an extension, or a folder with its slash
      // (`ops/s` is operations per second).
      if (path && !isPattern(path) && /(\.[a-z0-9]+|\/)$/i.test(candidate.replace(/[.,:;]+$/, ''))) found.push({ line: index + 1, path, base: 'root' });
    }
  });
  return found;
}

/** Tracked (and new, not ignored) files of the repository, per git; none outside a git work tree. */
function repositoryFiles(root) {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (listed.status !== 0) return [];
  return [...new Set(listed.stdout.split('\0').filter(Boolean))].filter((f) => existsSync(join(root, f))).sort().map((f) => join(root, f));
}

/** Every markdown file and every .ts/.mjs source of the repository (vendored and generated files excluded). */
export function defaultFiles(root) {
  // The checker's own test is left out: its fixtures name missing paths on purpose.
  const files = repositoryFiles(root).filter((f) => /\.(md|ts|mjs)$/.test(f) && !/(^|\/)(node_modules|cdk\.out)\//.test(relative(root, f)) &&
    relative(root, f) !== join('test', 'docs', 'paths.test.ts'));
  if (files.length > 0) return files;
  const docs = join(root, 'docs');
  const inDocs = existsSync(docs) ? readdirSync(docs).filter((f) => f.endsWith('.md')).sort().map((f) => join(docs, f)) : [];
  return [join(root, 'README.md'), ...inDocs];
}

function main(argv) {
  let root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root') root = resolve(argv[++i] ?? '.');
    else files.push(resolve(argv[i]));
  }
  const checked = files.length > 0 ? files : defaultFiles(root);
  const missing = checked.flatMap((file) => missingPaths(file, root));
  if (missing.length > 0) {
    console.error(`Paths named in the docs that do not exist (${missing.length}):`);
    for (const m of missing) console.error(`  ${m}`);
    return 1;
  }
  console.log(`check-doc-paths: every path named in ${checked.length} file(s) exists`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
