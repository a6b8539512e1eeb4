// Lets the README's quick start be just `npm start` / `npm test` on a fresh clone: installs the locked
// dependencies once when node_modules is missing or older than package-lock.json, and does nothing otherwise.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};

const installed = mtime('node_modules/.package-lock.json');
if (installed < 0 || installed < mtime('package-lock.json')) {
  console.error('Installing the locked dependencies (npm ci) ...');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
