/**
 * `npm start` before anything is built: `--drill` brings the short local timings with it (a drilled event
 * is in the DLQ within seconds), a drill.json left by an earlier run does not start a drill, and a port in
 * use stops the runner at once with a clear message (a subprocess that never gets to build the bundles).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { clearStaleDrill, drillFile, effectiveDrill } from '../../local/drill.ts';
import { DRILL_DEFAULTS, loadAppConfig, readSettings, SettingsError } from '../../local/settings.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
const tempState = () => {
  const dir = mkdtempSync(join(tmpdir(), 'start-up-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('--drill', () => {
  const app = loadAppConfig();

  it('sets the drilled types and the short timings', () => {
    const settings = readSettings(['--drill', 'coding.succeeded'], {});
    expect(settings.failEventTypes).toBe('coding.succeeded');
    expect(settings.retryBudgetSeconds).toBe(DRILL_DEFAULTS.LOCAL_RETRY_BUDGET_SECONDS);
    expect(settings.visibilityTimeoutSeconds).toBe(DRILL_DEFAULTS.LOCAL_VISIBILITY_TIMEOUT_SECONDS);
    expect(new Set(settings.maxReceiveCount.values())).toEqual(new Set([DRILL_DEFAULTS.LOCAL_MAX_RECEIVE_COUNT]));
  });

  it('keeps the timings the environment sets, and takes --drill=a,b', () => {
    const settings = readSettings(['--drill=a.b,c.d'], { LOCAL_VISIBILITY_TIMEOUT_SECONDS: '9', LOCAL_MAX_RECEIVE_COUNT: '4' });
    expect(settings.failEventTypes).toBe('a.b,c.d');
    expect(settings.visibilityTimeoutSeconds).toBe(9);
    expect(new Set(settings.maxReceiveCount.values())).toEqual(new Set([4]));
    expect(settings.retryBudgetSeconds).toBe(DRILL_DEFAULTS.LOCAL_RETRY_BUDGET_SECONDS);
  });

  it('without it: no drill, cdk.json timings (PROCESSOR_FAIL_EVENT_TYPES alone keeps them too)', () => {
    const plain = readSettings([], {});
    expect(plain.failEventTypes).toBeUndefined();
    expect(plain.retryBudgetSeconds).toBe(app.retryBudgetSeconds);
    expect(plain.visibilityTimeoutSeconds).toBe(app.processor.timeoutSeconds * 6);
    expect(readSettings([], { PROCESSOR_FAIL_EVENT_TYPES: 'x.y' }).retryBudgetSeconds).toBe(app.retryBudgetSeconds);
  });

  it('needs the event types', () => {
    expect(() => readSettings(['--drill'], {})).toThrow(SettingsError);
    expect(() => readSettings(['--drill', '--fresh'], {})).toThrow(/--drill needs the event types/);
  });

  it('a drill.json of an earlier run is removed at start, so the environment decides', () => {
    const stateDir = tempState();
    writeFileSync(drillFile(stateDir), JSON.stringify({ processorFailEventTypes: 'old.type' }));
    expect(clearStaleDrill(stateDir)).toBe('old.type');
    expect(existsSync(drillFile(stateDir))).toBe(false);
    expect(effectiveDrill(stateDir, undefined).value).toBeUndefined();
    writeFileSync(drillFile(stateDir), JSON.stringify({ processorFailEventTypes: '' }));
    expect(clearStaleDrill(stateDir)).toBeUndefined();
    expect(effectiveDrill(stateDir, 'new.type').value).toBe('new.type');
  });
});

describe('a port in use', () => {
  let server: Server | undefined;
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('stops the runner before it builds anything: exit 1, what to do', async () => {
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const stateDir = tempState();

    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(join(ROOT, 'node_modules', '.bin', 'tsx'), ['local/main.ts'], {
        cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PORT: String(port), LOCAL_STATE_DIR: stateDir },
      }, (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }));
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`npm start: could not start the local stack: port ${port} on 127.0.0.1 is in use: stop what listens there, or set PORT (e.g. PORT=${port + 1} npm start)\n`);
    expect(existsSync(join(stateDir, 'runtime.json'))).toBe(false);
  });
});
