/**
 * Signing-secret plumbing for `ops secret`: reading a new value without it touching argv or the terminal's
 * echo, the secret's versions and stages, which secret recent requests matched (CloudWatch metrics when
 * deployed, the local verifier's EMF log lines locally; by stage, and by secret version since a rotation),
 * and keeping the local secrets file in step.
 * Secret values stay in memory: never printed, never in an error message.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand, ListSecretVersionIdsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_VERSION_MATCHED } from '../lambdas/contract/metrics.ts';
import { SECRET_CACHE_TTL_MS } from '../lambdas/verifier/secret-cache.ts';
import { readSecretsFile, writePrivate, type SecretPair } from './local-target.ts';
import { readFileArg, UsageError, type OptionSpecs, type ParsedArgs } from './args.ts';
import type { Target } from './stack.ts';

/** Options that would put a secret value on the command line: refused with a reason, not "unknown option". */
const VALUE_OPTIONS = ['--value', '--secret', '--secret-value', '--new-secret'];

const VALUE_HINT = 'pipe the value on stdin or give --value-file <path>';

export function refuseValueArguments(argv: readonly string[], hint = VALUE_HINT): void {
  for (const arg of argv) {
    if (arg === '--') return;
    const name = arg.split('=')[0]!;
    if (VALUE_OPTIONS.includes(name)) {
      throw new UsageError(`${name}: secret values are never taken as arguments (they land in shell history and process lists); ${hint}`);
    }
  }
}

/** Strips one trailing newline (files and `echo` add one); refuses empty and multi-line values. */
export function cleanValue(text: string, from: string, hint = 'pipe it on stdin or give --value-file <path>'): string {
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw new UsageError(`no secret value on ${from}: ${hint}`);
  if (/[\r\n]/.test(value)) throw new UsageError(`the secret value on ${from} spans several lines; a signing secret is one line`);
  return value;
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 65_536) throw new UsageError('the secret value on stdin is longer than 64 KiB');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads one line from the terminal with echo off (raw mode), so the value is neither shown nor kept in scrollback. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003' || char === '\u0004') return done(new UsageError('cancelled: no secret value was read'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * Signing secrets for `ops sign`, `ops verify` and `ops send`, read like `ops secret set` reads a new value
 * (cleanValue; stdin piped, or typed at a hidden prompt) and never from an argument, which `ps` shows to
 * every user of the machine while the command runs. Sources, in this order:
 * - `--secret-stdin`: one secret on stdin (the current one);
 * - `--secret-file <path>`, repeatable where a command takes a previous secret too (verify): in the order
 *   given; `--secret-file -` is stdin;
 * - none of these: the environment, WEBHOOK_SECRET (and WEBHOOK_SECRET_PREVIOUS for verify), which only the
 *   same user (and root) can read in /proc/<pid>/environ.
 */
export const SECRET_OPTIONS: OptionSpecs = { 'secret-file': { type: 'string' }, 'secret-stdin': { type: 'boolean' } };
export const SECRET_ENV = 'WEBHOOK_SECRET';
export const PREVIOUS_SECRET_ENV = 'WEBHOOK_SECRET_PREVIOUS';
export const SECRET_HINT = `give --secret-file <path> (a file only you can read), pipe it with --secret-stdin (or --secret-file -), or set ${SECRET_ENV}`;

/** Refuses --secret <value> (and the other value options) on argv, saying how to pass a signing secret instead. */
export function refuseSecretArguments(argv: readonly string[], previous = false): void {
  refuseValueArguments(argv, previous ? `${SECRET_HINT} (and ${PREVIOUS_SECRET_ENV} for the previous one; or give --secret-file twice)` : SECRET_HINT);
}

/**
 * The signing secrets given (current first), at most `max`; empty when none is given, so that the caller
 * decides (a usage error, or another default). `env` is process.env except in tests.
 */
export async function readSigningSecrets(args: ParsedArgs, max: 1 | 2, providerId: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const sources: string[] = [...(args.flag('secret-stdin') ? ['-'] : []), ...args.all('secret-file')];
  if (sources.filter((s) => s === '-').length > 1) throw new UsageError('stdin carries one secret: give --secret-stdin (or --secret-file -) once');
  if (sources.length > max) {
    throw new UsageError(max === 1 ? 'give one secret (--secret-file or --secret-stdin, once)' : `${sources.length} secrets given; give the current and at most the previous one`);
  }
  const secrets: string[] = [];
  for (const [i, source] of sources.entries()) {
    if (source !== '-') {
      secrets.push(cleanValue(readFileArg(source, '--secret-file').toString('utf8'), `--secret-file ${source}`, SECRET_HINT));
    } else if (process.stdin.isTTY) {
      secrets.push(cleanValue(await promptHidden(`${i === 0 ? '' : 'previous '}signing secret for ${providerId} (not shown; Enter ends it): `), 'the prompt', SECRET_HINT));
    } else {
      secrets.push(cleanValue(await readAllStdin(), 'stdin', SECRET_HINT));
    }
  }
  if (sources.length > 0) return secrets;
  const current = env[SECRET_ENV];
  const previous = max === 2 ? env[PREVIOUS_SECRET_ENV] : undefined;
  if (current === undefined || current === '') {
    if (previous) throw new UsageError(`${PREVIOUS_SECRET_ENV} is set but ${SECRET_ENV} is not: set the current secret too`);
    return [];
  }
  secrets.push(cleanValue(current, `$${SECRET_ENV}`, SECRET_HINT));
  if (previous) secrets.push(cleanValue(previous, `$${PREVIOUS_SECRET_ENV}`, SECRET_HINT));
  return secrets;
}

/** The new secret value: from --value-file, else stdin (piped, or typed at a hidden prompt). */
export async function readNewValue(valueFile: string | undefined, providerId: string): Promise<string> {
  if (valueFile !== undefined) return cleanValue(readFileArg(valueFile, '--value-file').toString('utf8'), `--value-file ${valueFile}`);
  if (process.stdin.isTTY) return cleanValue(await promptHidden(`new signing secret for ${providerId} (not shown; Enter ends it): `), 'the prompt');
  return cleanValue(await readAllStdin(), 'stdin');
}

export interface VersionInfo {
  readonly id: string;
  readonly stages: readonly string[];
  readonly createdAt?: Date;
  readonly lastAccessedAt?: Date;
}

/** Versions that carry a staging label, newest first. */
export async function listVersions(client: SecretsManagerClient, secretId: string): Promise<VersionInfo[]> {
  const versions: VersionInfo[] = [];
  let token: string | undefined;
  do {
    const out = await client.send(new ListSecretVersionIdsCommand({ SecretId: secretId, ...(token ? { NextToken: token } : {}) }));
    for (const v of out.Versions ?? []) {
      if (!v.VersionId || (v.VersionStages ?? []).length === 0) continue;
      versions.push({
        id: v.VersionId,
        stages: v.VersionStages ?? [],
        ...(v.CreatedDate ? { createdAt: v.CreatedDate } : {}),
        ...(v.LastAccessedDate ? { lastAccessedAt: v.LastAccessedDate } : {}),
      });
    }
    token = out.NextToken;
  } while (token);
  return versions.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
}

/**
 * Whether AWSCURRENT still holds the placeholder CloudFormation generated when the stack created the secret
 * (lib/secret-placeholder.ts): true when the secret has only ever had one version, and it is AWSCURRENT.
 *
 * Why this signal: every value stored afterwards (ops secret set/rotate, the console, put-secret-value,
 * update-secret) is a new version, and Secrets Manager keeps versions that lost their labels (deprecated:
 * IncludeDeprecated lists them; it deletes them only beyond 100 versions), so the count never returns to
 * one. Counting versions needs no clock: comparing the version's CreatedDate with DescribeSecret's would,
 * and moto reports the time of the call as every version's CreatedDate in ListSecretVersionIds. It holds
 * against moto and Secrets Manager alike. Not recognized: a placeholder CloudFormation stores later as a
 * new version, which it does only when a deploy changes the GenerateSecretString block (README, "Deploy").
 * Deployed stacks only: the local stack seeds the real secrets from its secrets file as the first version.
 */
export async function stillPlaceholder(client: SecretsManagerClient, secretId: string): Promise<boolean> {
  const versions: (readonly string[])[] = [];
  let token: string | undefined;
  do {
    const out = await client.send(new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true, ...(token ? { NextToken: token } : {}) }));
    for (const v of out.Versions ?? []) versions.push(v.VersionStages ?? []);
    token = out.NextToken;
  } while (token && versions.length < 2);
  return versions.length === 1 && versions[0]!.includes('AWSCURRENT');
}

/** The value and creation date of a stage, or undefined when no version carries it. */
export async function stageValue(client: SecretsManagerClient, secretId: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<{ value: string; versionId?: string; createdAt?: Date } | undefined> {
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
    return { value: out.SecretString ?? '', ...(out.VersionId ? { versionId: out.VersionId } : {}), ...(out.CreatedDate ? { createdAt: out.CreatedDate } : {}) };
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException' && stage === 'AWSPREVIOUS') return undefined;
    // No AWSCURRENT at all means the secret itself is missing or was never set: let the caller say so.
    throw error;
  }
}

export interface MatchCounts {
  readonly hours: number;
  readonly current: number;
  readonly previous: number;
  readonly previousAfterGrace: number;
  readonly signatureFailures: number;
  /** Where the counts come from. */
  readonly source: string;
}

const METRICS = {
  current: 'SecretCurrentMatched',
  previous: 'SecretPreviousMatched',
  previousAfterGrace: 'PreviousSecretAfterGrace',
  signatureFailures: 'SignatureFailure',
} as const;

type CountKey = keyof typeof METRICS;

/**
 * How many of the provider's requests in the last `hours` matched the current secret, the previous one,
 * the previous one after its grace window, or none. Deployed: CloudWatch (namespace WebhookReceiver,
 * dimension provider). Local: the EMF lines in the verifier's log. Undefined with a reason when neither
 * can be read.
 */
export async function recentMatches(target: Target, hours: number): Promise<MatchCounts | { unavailable: string }> {
  if (target.local) return localMatches(join(target.local.stateDir, 'logs', 'verifier.log'), target.providerId, hours);
  const client = new CloudWatchClient(target.client('cloudwatch'));
  const end = new Date();
  const start = new Date(end.getTime() - hours * 3_600_000);
  try {
    const out = await client.send(new GetMetricDataCommand({
      StartTime: start,
      EndTime: end,
      MetricDataQueries: (Object.keys(METRICS) as CountKey[]).map((key) => ({
        Id: key.toLowerCase(),
        MetricStat: {
          Metric: { Namespace: 'WebhookReceiver', MetricName: METRICS[key], Dimensions: [{ Name: 'provider', Value: target.providerId }] },
          Period: 300,
          Stat: 'Sum',
        },
      })),
    }));
    const sum = (key: CountKey) => (out.MetricDataResults ?? []).find((r) => r.Id === key.toLowerCase())?.Values?.reduce((a, b) => a + b, 0) ?? 0;
    return {
      hours, current: sum('current'), previous: sum('previous'), previousAfterGrace: sum('previousAfterGrace'), signatureFailures: sum('signatureFailures'),
      source: 'CloudWatch metrics',
    };
  } catch (error) {
    return { unavailable: `CloudWatch metrics could not be read (${(error as Error).name})` };
  } finally {
    client.destroy();
  }
}

const LOG_TAIL_BYTES = 32 * 1024 * 1024;

/** The last 32 MiB of a log file; undefined when it cannot be read. */
function readLogTail(logFile: string): string | undefined {
  try {
    const fd = openSync(logFile, 'r');
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, LOG_TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      return buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** Sums the verifier's EMF metric lines (what CloudWatch would ingest) for one provider. */
export function localMatches(logFile: string, providerId: string, hours: number, now = Date.now()): MatchCounts | { unavailable: string } {
  const text = readLogTail(logFile);
  if (text === undefined) return { unavailable: `no verifier log yet (${logFile})` };
  const since = now - hours * 3_600_000;
  const counts: Record<CountKey, number> = { current: 0, previous: 0, previousAfterGrace: 0, signatureFailures: 0 };
  for (const line of text.split('\n')) {
    if (!line.startsWith('{"_aws"')) continue;
    let record: Record<string, unknown> & { _aws?: { Timestamp?: number } };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      continue;
    }
    if (record['provider'] !== providerId || (record._aws?.Timestamp ?? 0) < since) continue;
    for (const key of Object.keys(METRICS) as CountKey[]) {
      const value = record[METRICS[key]];
      if (typeof value === 'number') counts[key] += value;
    }
  }
  return { hours, ...counts, source: 'the local verifier log (EMF metric lines)' };
}

/**
 * SecretVersionMatched data points (lambdas/shared/observability.ts): each says `count` requests matched the
 * version somewhere in [at, at + widthMs). CloudWatch gives per-minute sums (or coarser for old data); the
 * local log gives one point per request.
 */
export interface MatchPoint {
  readonly at: number;
  readonly count: number;
}

export interface VersionMatchSeries {
  /** Points per version id asked for (an id nobody matched has none). */
  readonly points: ReadonlyMap<string, readonly MatchPoint[]>;
  readonly widthMs: number;
  readonly source: string;
}

/** CloudWatch keeps 1-minute data for 15 days, 5-minute data for 63 days, then hourly. */
function periodFor(since: number, now: number): number {
  const days = (now - since) / 86_400_000;
  return days <= 14 ? 60 : days <= 62 ? 300 : 3_600;
}

/**
 * Which secret versions the provider's requests matched since `since`: the metric SecretVersionMatched
 * (dimensions provider, secretVersionId) from CloudWatch when deployed, from the verifier's EMF lines locally.
 */
export async function versionMatches(target: Target, versionIds: readonly string[], since: Date, now = Date.now()): Promise<VersionMatchSeries | { unavailable: string }> {
  if (target.local) return localVersionMatches(join(target.local.stateDir, 'logs', 'verifier.log'), target.providerId, versionIds, since);
  const period = periodFor(since.getTime(), now);
  const client = new CloudWatchClient(target.client('cloudwatch'));
  const points = new Map<string, MatchPoint[]>(versionIds.map((id) => [id, []]));
  try {
    let token: string | undefined;
    do {
      const out = await client.send(new GetMetricDataCommand({
        // CloudWatch may round the start down to the period: points from just before `since` then count too,
        // which errs towards refusing.
        StartTime: new Date(Math.floor(since.getTime() / (period * 1000)) * period * 1000),
        EndTime: new Date(now + period * 1000),
        MetricDataQueries: versionIds.map((id, i) => ({
          Id: `v${i}`,
          MetricStat: {
            Metric: {
              Namespace: 'WebhookReceiver',
              MetricName: SECRET_VERSION_MATCHED,
              Dimensions: [{ Name: 'provider', Value: target.providerId }, { Name: 'secretVersionId', Value: id }],
            },
            Period: period,
            Stat: 'Sum',
          },
        })),
        ...(token ? { NextToken: token } : {}),
      }));
      for (const result of out.MetricDataResults ?? []) {
        const id = versionIds[Number(result.Id?.slice(1))];
        if (id === undefined) continue;
        (result.Timestamps ?? []).forEach((at, i) => {
          const count = result.Values?.[i] ?? 0;
          if (count > 0) points.get(id)!.push({ at: at.getTime(), count });
        });
      }
      token = out.NextToken;
    } while (token);
    return { points, widthMs: period * 1000, source: 'CloudWatch metrics' };
  } catch (error) {
    return { unavailable: `CloudWatch metrics could not be read (${(error as Error).name})` };
  } finally {
    client.destroy();
  }
}

/** SecretVersionMatched records of the local verifier's log (what CloudWatch would ingest) for one provider. */
export function localVersionMatches(logFile: string, providerId: string, versionIds: readonly string[], since: Date): VersionMatchSeries | { unavailable: string } {
  const text = readLogTail(logFile);
  if (text === undefined) return { unavailable: `no verifier log yet (${logFile})` };
  const points = new Map<string, MatchPoint[]>(versionIds.map((id) => [id, []]));
  for (const line of text.split('\n')) {
    if (!line.startsWith('{"_aws"') || !line.includes(SECRET_VERSION_MATCHED)) continue;
    let record: Record<string, unknown> & { _aws?: { Timestamp?: number } };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      continue;
    }
    const at = record._aws?.Timestamp ?? 0;
    const id = record['secretVersionId'];
    const count = record[SECRET_VERSION_MATCHED];
    if (record['provider'] !== providerId || at < since.getTime() || typeof id !== 'string' || typeof count !== 'number') continue;
    points.get(id)?.push({ at, count });
  }
  return { points, widthMs: 1, source: 'the local verifier log (EMF metric lines)' };
}

/** How many matches of one version the series holds from `from` on, and when the last one was (its point's end). */
export function matchesFrom(series: VersionMatchSeries, versionId: string | undefined, from: number): { count: number; last?: Date } {
  let count = 0;
  let last: number | undefined;
  for (const point of (versionId ? series.points.get(versionId) : undefined) ?? []) {
    if (point.at + series.widthMs <= from) continue; // entirely before `from`; a point that straddles it counts
    count += point.count;
    last = Math.max(last ?? 0, point.at + series.widthMs - 1);
  }
  return { count, ...(last !== undefined ? { last: new Date(last) } : {}) };
}

/**
 * The times that matter after a rotation. Warm verifiers keep using the keys they fetched before it for up
 * to their cache TTL (lambdas/verifier/secret-cache.ts): until then a request signed with the old secret can
 * match a verifier that has not seen the rotation, and one signed with the new secret can be refused by it
 * (its early refresh is rate-limited), so only matches from `safeFrom` on say which secret the sender uses.
 */
export interface RotationWindow {
  /** The AWSCURRENT version's creation: the rotation. */
  readonly rotatedAt: Date;
  /** rotatedAt + the verifiers' secret cache TTL: every warm verifier has fetched the new version since. */
  readonly safeFrom: Date;
  /** The grace window's end: from then on the verifier refuses the previous secret anyway. */
  readonly graceEnds: Date;
}

export function rotationWindow(rotatedAt: Date, graceHours: number, cacheTtlMs = SECRET_CACHE_TTL_MS): RotationWindow {
  return { rotatedAt, safeFrom: new Date(rotatedAt.getTime() + cacheTtlMs), graceEnds: new Date(rotatedAt.getTime() + graceHours * 3_600_000) };
}

/** Matches of one version since the rotation, and since every verifier could have refreshed. */
export interface VersionTally {
  readonly id: string;
  readonly sinceRotation: number;
  readonly sinceSafe: number;
  /** The end of the last point with a match (a minute's end in CloudWatch), since the rotation. */
  readonly lastAt?: Date;
}

export interface RotationMatches {
  readonly window: RotationWindow;
  readonly current: VersionTally;
  readonly previous: VersionTally;
  readonly source: string;
}

export function tallyRotation(series: VersionMatchSeries, window: RotationWindow, currentId: string, previousId: string): RotationMatches {
  const tally = (id: string): VersionTally => {
    const all = matchesFrom(series, id, window.rotatedAt.getTime());
    return { id, sinceRotation: all.count, sinceSafe: matchesFrom(series, id, window.safeFrom.getTime()).count, ...(all.last ? { lastAt: all.last } : {}) };
  };
  return { window, current: tally(currentId), previous: tally(previousId), source: series.source };
}

const at = (date: Date) => date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');

/**
 * How long after the last previous-version match, once the current version has matched after it, retire
 * waits: a sender that runs several instances (or regions) switches them one by one, and those still on the
 * old secret show up within minutes.
 */
export const SWITCH_QUIET_MS = 15 * 60_000;

export type RetireDecision =
  | { readonly retire: true; readonly note?: string }
  | { readonly retire: false; readonly why: string; readonly safeAt?: Date; readonly then: string };

/**
 * Whether `ops secret retire` may remove AWSPREVIOUS now, on version ids (a stage says what a verifier had
 * cached, not which secret signed): not before every verifier could have fetched the rotated secret
 * (safeFrom), and not while the sender still signs with the previous version: a previous-version match since
 * then blocks until the current version has matched after it and SWITCH_QUIET_MS passed with no previous
 * one (the sender switched: the usual order for senders whose secret we choose, rotated here first). Once the
 * grace window has ended the verifier refuses the previous secret anyway: nothing left to protect.
 */
export function retireDecision(matches: RotationMatches | { window: RotationWindow; unavailable: string }, now: number): RetireDecision {
  const { window } = matches;
  if (now >= window.graceEnds.getTime()) return { retire: true };
  if ('unavailable' in matches) {
    return { retire: false, why: `which secret requests matched could not be read (${matches.unavailable})`, then: 'Make sure the sender signs with the new secret (a test event from the vendor) before you retire' };
  }
  const { current, previous } = matches;
  if (now < window.safeFrom.getTime()) {
    const seen = previous.sinceRotation > 0 ? `; ${previous.sinceRotation} request(s) since the rotation matched the previous version ${previous.id}` : '';
    const safeAt = new Date(Math.min(window.safeFrom.getTime(), window.graceEnds.getTime()));
    return {
      retire: false,
      safeAt,
      why: `the rotation (${at(window.rotatedAt)}) is less than ${Math.round((window.safeFrom.getTime() - window.rotatedAt.getTime()) / 60_000)} minutes old: ` +
        `verifiers may still use the secret they fetched before it, so no request can show yet which secret the sender signs with${seen}`,
      then: `It is safe to retire from ${at(safeAt)} if no request after that time matches version ${previous.id}: run retire again then`,
    };
  }
  const switched = previous.sinceSafe > 0 && previous.lastAt !== undefined && current.lastAt !== undefined &&
    current.lastAt.getTime() > previous.lastAt.getTime();
  if (switched) {
    const quietFrom = new Date(previous.lastAt!.getTime() + SWITCH_QUIET_MS);
    const switchedNote = `the sender switched: version ${previous.id} matched last before ${at(previous.lastAt!)}, version ${current.id} after it`;
    if (now >= quietFrom.getTime()) return { retire: true, note: switchedNote };
    const safeAt = new Date(Math.min(quietFrom.getTime(), window.graceEnds.getTime()));
    return {
      retire: false,
      safeAt,
      why: `${switchedNote}, less than ${SWITCH_QUIET_MS / 60_000} minutes ago: a sender's other instances may still sign with the old secret`,
      then: `It is safe to retire from ${at(safeAt)} if no request after that time matches version ${previous.id}: run retire again then`,
    };
  }
  if (previous.sinceSafe > 0) {
    return {
      retire: false,
      safeAt: window.graceEnds,
      why: `${previous.sinceSafe} request(s) since ${at(window.safeFrom)} (when every verifier had the rotated secret) matched the previous version ${previous.id}` +
        `${previous.lastAt ? `, the last before ${at(previous.lastAt)}` : ''}: the sender still signs with the old secret`,
      then: `Switch the sender: once version ${current.id} matches after the last ${previous.id} match and ${SWITCH_QUIET_MS / 60_000} minutes pass ` +
        `without another, retire proceeds (at the latest when the grace window ends at ${at(window.graceEnds)}: the verifier refuses the old secret from then on)`,
    };
  }
  if (current.sinceSafe === 0) return { retire: true, note: `no request since ${at(window.safeFrom)} matched either version: nothing shows yet that the sender switched` };
  return { retire: true };
}

/**
 * Locally, the secrets file is what the runner seeds its Secrets Manager from (at start and when the file
 * changes): after a change through the API, write the same pair there, so that a restart, `ops send` and
 * anything that signs from the file agree with the store. The runner sees nothing to change.
 */
export function mirrorToSecretsFile(target: Target, pair: SecretPair): string | undefined {
  if (!target.local) return undefined;
  const path = target.local.runtime.secretsFile;
  const secrets = { ...readSecretsFile(path) };
  secrets[target.providerId] = pair;
  writePrivate(path, `${JSON.stringify(secrets, null, 2)}\n`);
  return path;
}
