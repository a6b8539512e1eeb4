/**
 * `ops secret set|rotate|status|retire`: the provider's signing secret in Secrets Manager, as the verifier
 * reads it (AWSCURRENT always; AWSPREVIOUS for the rotation grace window, measured from the current
 * version's creation). Values come from stdin or --value-file, never from an argument; nothing here prints
 * a value. docs/runbook.md ("Rotating a signing secret") is the per-vendor procedure around these commands.
 */
import { PutSecretValueCommand, SecretsManagerClient, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { deriveKey, SecretFormatError } from '../../lambdas/domain/keys.ts';
import type { Provider } from '../../lambdas/domain/provider.ts';
import { parseOptions, UsageError, type OptionSpecs } from '../args.ts';
import { ExitCode, type Command, type Io } from '../command.ts';
import { providerOperations } from '../../providers/operations.ts';
import { providerIds, requireProvider } from '../providers.ts';
import {
  listVersions, mirrorToSecretsFile, readNewValue, recentMatches, refuseValueArguments, retireDecision, rotationWindow, stageValue, stillPlaceholder, tallyRotation,
  versionMatches, type MatchCounts, type RotationMatches, type RotationWindow, type VersionInfo,
} from '../secrets.ts';
import { chooseTarget, failureMessage, resolveTarget, rotationGrace, targetHelp, TARGET_OPTIONS, whereOf, type GraceWindow, type Target } from '../stack.ts';

/** lambdas/verifier/secret-cache.ts: fetched at most every 5 minutes, and at most every 30 s after a mismatch. */
const CACHE_NOTE = 'warm verifiers pick the change up at their next signature mismatch (at most every 30 s) or within 5 minutes (their secret cache)';

/** What each sender does around a rotation (`providers/<id>/notes.ts`; docs/runbook.md, "Rotating a signing secret"). */
const rotationNote = (providerId: string): string | undefined => providerOperations.get(providerId)?.notes.rotation;

const runbookLink = 'docs/runbook.md#rotating-a-signing-secret';

const fmt = (date: Date | undefined) => (date ? date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

export function age(from: Date | undefined, now = Date.now()): string {
  if (!from) return '-';
  const s = Math.max(0, Math.round((now - from.getTime()) / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7_200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3_600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

function until(to: Date, now = Date.now()): string {
  const ms = to.getTime() - now;
  return ms >= 0 ? `in ${age(new Date(now - ms), now)}` : `${age(to, now)} ago`;
}

/** The key the verifier would derive: refuses a value the provider's scheme cannot use, without echoing it. */
function validate(provider: Provider, value: string): void {
  try {
    deriveKey(provider, value, 'new secret');
  } catch (error) {
    if (error instanceof SecretFormatError) throw new UsageError(error.message);
    throw error;
  }
}

function graceEnd(currentCreatedAt: Date | undefined, grace: GraceWindow): Date | undefined {
  return currentCreatedAt ? new Date(currentCreatedAt.getTime() + grace.hours * 3_600_000) : undefined;
}

async function withTarget(
  name: string, argv: readonly string[], io: Io, extra: OptionSpecs,
  act: (ctx: { provider: Provider; target: Target; sm: SecretsManagerClient; args: ReturnType<typeof parseOptions> }) => Promise<ExitCode>,
  before?: (provider: Provider, args: ReturnType<typeof parseOptions>) => Promise<void>,
): Promise<ExitCode> {
  refuseValueArguments(argv);
  const args = parseOptions(argv, { ...TARGET_OPTIONS, ...extra }, ['provider']);
  const provider = requireProvider(args.required('provider'));
  const choice = await chooseTarget(args, io, `secret ${name}`);
  await before?.(provider, args);
  let sm: SecretsManagerClient | undefined;
  try {
    const target = await resolveTarget(choice, provider.id);
    sm = new SecretsManagerClient(target.client('secretsManager'));
    return await act({ provider, target, sm, args });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.err(`ops secret ${name}: ${failureMessage(error, whereOf(choice), choice.local, `the signing secret of ${provider.id}`)}`);
    return ExitCode.Negative;
  } finally {
    sm?.destroy();
  }
}

function mirrored(io: Io, target: Target, pair: { current: string; previous?: string }): void {
  const file = mirrorToSecretsFile(target, pair);
  if (file) io.err(`updated ${file} to match (the local stack seeds its Secrets Manager from it; ops send signs with its current secret)`);
}

/**
 * Which versions requests matched since the rotation (SecretVersionMatched: ops/secrets.ts). A version
 * without an id (a store that gives none) cannot be counted: reported as unavailable.
 */
async function rotationMatches(target: Target, window: RotationWindow, currentId: string | undefined, previousId: string | undefined): Promise<RotationMatches | { window: RotationWindow; unavailable: string }> {
  if (!currentId || !previousId) return { window, unavailable: 'Secrets Manager gave no version id' };
  const series = await versionMatches(target, [currentId, previousId], window.rotatedAt);
  return 'unavailable' in series ? { window, unavailable: series.unavailable } : tallyRotation(series, window, currentId, previousId);
}

// ---- set ----

const setUsage = `usage: ops secret set --provider <id> [--value-file <path>] [--local | --stack <name> [--region <region>]]

Stores a signing secret as the provider's only accepted secret: a new AWSCURRENT version, and no
AWSPREVIOUS (set starts no grace window). For the first setup after deploy (the stack creates a random
placeholder that matches no sender), or to replace a leaked secret at once. To keep the old secret
working while the sender switches, use 'ops secret rotate' instead.

The value is read from --value-file, or from stdin (piped, or typed at a prompt that does not echo);
never from an argument, which would land in shell history. One trailing newline is ignored.

options:
  --provider <id>     ${providerIds().join(', ')}
  --value-file <path> read the value from this file (e.g. a file only you can read; delete it afterwards)
${targetHelp()}
  -h, --help          show this help

exit codes: 0 stored; 1 the stack, secret or local stack was not found or could not be written;
2 usage error (unknown provider, no value, a value the provider's scheme cannot use)

examples:
  pbpaste | npm run -s ops -- secret set --provider sully --stack WebhookReceiver-prod
  npm run -s ops -- secret set --provider github --local --value-file ./github-secret.txt`;

async function runSet(argv: readonly string[], io: Io): Promise<ExitCode> {
  let value = '';
  return withTarget('set', argv, io, { 'value-file': { type: 'string' } }, async ({ provider, target, sm }) => {
    const before = await stageValue(sm, target.secretArn, 'AWSCURRENT').catch((error: Error) => {
      if (error.name === 'ResourceNotFoundException') return undefined; // no value yet: fine for a first setup
      throw error;
    });
    const put = await sm.send(new PutSecretValueCommand({ SecretId: target.secretArn, SecretString: value, ClientRequestToken: randomUUID() }));
    let removed = 0;
    for (const version of await listVersions(sm, target.secretArn)) {
      if (version.stages.includes('AWSPREVIOUS')) {
        await sm.send(new UpdateSecretVersionStageCommand({ SecretId: target.secretArn, VersionStage: 'AWSPREVIOUS', RemoveFromVersionId: version.id }));
        removed++;
      }
    }
    mirrored(io, target, { current: value });
    io.out(`stored the signing secret of ${provider.id} (${target.where}) as AWSCURRENT, version ${put.VersionId ?? '?'}; no previous secret is accepted`);
    if (before && before.value !== value) io.err(`the value it replaced stops working now (${removed > 0 ? 'its AWSPREVIOUS label was removed' : 'it keeps no label'}); ${CACHE_NOTE}`);
    else io.err(CACHE_NOTE);
    return ExitCode.Ok;
  }, async (provider, args) => {
    value = await readNewValue(args.optional('value-file'), provider.id);
    validate(provider, value);
  });
}

// ---- rotate ----

const rotateUsage = `usage: ops secret rotate --provider <id> [--value-file <path>] [--local | --stack <name> [--region <region>]]

Starts a rotation: stores the new signing secret as AWSCURRENT and keeps the old one as AWSPREVIOUS
(what PutSecretValue does), so both are accepted until the grace window ends (rotationGraceHours after
the new version's creation, 72 h by default). Prints when the window ends. Then switch the sender (the
order depends on the vendor: ${runbookLink}), watch 'ops secret status',
and 'ops secret retire' once requests match the new secret only. A secret that was AWSPREVIOUS before
this rotation stops being accepted.

The value is read from --value-file, or from stdin (piped, or typed at a prompt that does not echo);
never from an argument, which would land in shell history. One trailing newline is ignored.

options:
  --provider <id>     ${providerIds().join(', ')}
  --value-file <path> read the value from this file (delete it afterwards)
${targetHelp()}
  -h, --help          show this help

exit codes: 0 rotated; 1 the stack, secret or local stack was not found, or the value is the current
secret already; 2 usage error (unknown provider, no value, a value the provider's scheme cannot use)

examples:
  pbpaste | npm run -s ops -- secret rotate --provider stripe --stack WebhookReceiver-prod
  openssl rand -hex 32 | tee /dev/stderr | npm run -s ops -- secret rotate --provider solatis --local`;

async function runRotate(argv: readonly string[], io: Io): Promise<ExitCode> {
  let value = '';
  return withTarget('rotate', argv, io, { 'value-file': { type: 'string' } }, async ({ provider, target, sm }) => {
    let current;
    try {
      current = await stageValue(sm, target.secretArn, 'AWSCURRENT');
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
    if (!current) {
      io.err(`ops secret rotate: the signing secret of ${provider.id} (${target.where}) has no AWSCURRENT value to keep: use ops secret set`);
      return ExitCode.Negative;
    }
    if (current.value === value) {
      io.err(`ops secret rotate: the new value is the current secret of ${provider.id} already: nothing changed`);
      return ExitCode.Negative;
    }
    const previousBefore = await stageValue(sm, target.secretArn, 'AWSPREVIOUS');
    const put = await sm.send(new PutSecretValueCommand({ SecretId: target.secretArn, SecretString: value, ClientRequestToken: randomUUID() }));
    const now = await stageValue(sm, target.secretArn, 'AWSCURRENT');
    const grace = await rotationGrace(target);
    const ends = graceEnd(now?.createdAt, grace);
    mirrored(io, target, { current: value, previous: current.value });

    io.out(`rotated the signing secret of ${provider.id} (${target.where}): new AWSCURRENT version ${put.VersionId ?? '?'}; ` +
      `the old secret (version ${current.versionId ?? '?'}) is AWSPREVIOUS and accepted until ${fmt(ends)} (${grace.hours} h grace window, from ${grace.source})`);
    if (previousBefore && previousBefore.value !== current.value && previousBefore.value !== value) {
      io.err(`note: the secret that was AWSPREVIOUS before (version ${previousBefore.versionId ?? '?'}) is no longer accepted`);
    }
    io.err(CACHE_NOTE);
    io.err(`next: ${rotationNote(provider.id) ?? 'switch the sender to the new secret.'} Then watch: ops secret status --provider ${provider.id}${target.kind === 'local' ? ' --local' : ''}; ` +
      `retire the old secret once requests match the new version only (retire refuses for the first 5 minutes, until every verifier has the new secret, ` +
      `and while any request after that matches the old version). Procedure: ${runbookLink}`);
    return ExitCode.Ok;
  }, async (provider, args) => {
    value = await readNewValue(args.optional('value-file'), provider.id);
    validate(provider, value);
  });
}

// ---- status ----

const statusUsage = `usage: ops secret status --provider <id> [--local | --stack <name> [--region <region>]] [--hours <n>] [--json]

Shows the provider's signing secret: whether it is set ("not set" while AWSCURRENT is still the random
placeholder the stack generated, the secret's only version); its versions with their stages (AWSCURRENT,
AWSPREVIOUS), creation time and age; the grace window (until when the previous secret is accepted;
rotationGraceHours, read from the deployed verifier's configuration, else cdk.json); which secret
recent requests matched (SecretCurrentMatched, SecretPreviousMatched, PreviousSecretAfterGrace,
SignatureFailure: CloudWatch metrics for a deployed stack, the verifier's own metric lines for the local
stack; "current" there is the stage in each verifier's cache, which is the old secret until it refreshes);
and, during a rotation, how many requests matched each version id (SecretVersionMatched) since the
rotation and since every verifier had the new secret (5 minutes later), and whether ops secret retire
would proceed. Never a value.

options:
  --provider <id>    ${providerIds().join(', ')}
${targetHelp()}
  --hours <n>        how far back to count requests (default 24, at most 336)
  --json             one JSON object
  -h, --help         show this help

exit codes: 0 shown; 1 the stack, secret or local stack was not found or could not be read; 2 usage error

examples:
  npm run -s ops -- secret status --provider sully --local
  AWS_PROFILE=prod npm run -s ops -- secret status --provider stripe --stack WebhookReceiver-prod --json`;

interface Status {
  readonly versions: readonly VersionInfo[];
  readonly current?: VersionInfo;
  readonly previous?: VersionInfo;
  readonly grace: GraceWindow;
  readonly previousAcceptedUntil?: Date;
  readonly previousAccepted: boolean;
  /** AWSCURRENT is still the placeholder the stack generated (stillPlaceholder in ops/secrets.ts). */
  readonly placeholder: boolean;
  readonly recent: MatchCounts | { unavailable: string };
  /** Matches per version since the rotation, while there is a previous version and a grace window. */
  readonly rotation?: RotationMatches | { window: RotationWindow; unavailable: string };
}

async function readStatus(target: Target, sm: SecretsManagerClient, hours: number): Promise<Status> {
  const [listed, grace, recent, currentValue, previousValue, placeholder] = await Promise.all([
    listVersions(sm, target.secretArn), rotationGrace(target), recentMatches(target, hours),
    stageValue(sm, target.secretArn, 'AWSCURRENT').catch(() => undefined), stageValue(sm, target.secretArn, 'AWSPREVIOUS'),
    target.kind === 'deployed' ? stillPlaceholder(sm, target.secretArn) : false,
  ]);
  // The creation dates the verifier sees (GetSecretValue), which place the grace window; some Secrets
  // Manager emulators report other dates in ListSecretVersionIds.
  const seen = [currentValue, previousValue].filter((v) => v !== undefined);
  const versions = listed.map((v) => {
    const createdAt = seen.find((s) => s.versionId === v.id)?.createdAt ?? v.createdAt;
    return { ...v, ...(createdAt ? { createdAt } : {}) };
  }).sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
  const current = versions.find((v) => v.stages.includes('AWSCURRENT'));
  const previous = versions.find((v) => v.stages.includes('AWSPREVIOUS'));
  const ends = previous ? graceEnd(current?.createdAt, grace) : undefined;
  const rotation = previous && current?.createdAt
    ? await rotationMatches(target, rotationWindow(current.createdAt, grace.hours), current.id, previous.id)
    : undefined;
  return {
    versions, grace, recent,
    ...(rotation ? { rotation } : {}),
    ...(current ? { current } : {}),
    ...(previous ? { previous } : {}),
    ...(ends ? { previousAcceptedUntil: ends } : {}),
    previousAccepted: ends !== undefined && ends.getTime() > Date.now(),
    placeholder: placeholder && current !== undefined,
  };
}

/** `not set` while there is no AWSCURRENT, or it is still the stack's placeholder (which matches no sender: 401). */
const isSet = (status: Status): boolean => status.current !== undefined && !status.placeholder;

function stateLine(status: Status): string {
  if (!status.current) return 'not set (no AWSCURRENT version)';
  if (status.placeholder) return "not set (AWSCURRENT is still the placeholder the stack generated, the secret's only version: it matches no sender, so every request is answered 401)";
  return 'set';
}

function advice(providerId: string, status: Status, local: boolean, stackName?: string): string {
  const flag = local ? ' --local' : '';
  const recent = 'unavailable' in status.recent ? undefined : status.recent;
  if (!status.current) return 'no AWSCURRENT version: store one with ops secret set';
  if (status.placeholder) {
    return `not set: store the vendor's signing secret with ops secret set --provider ${providerId}${stackName ? ` --stack ${stackName}` : flag} (value on stdin or --value-file)`;
  }
  if (!status.previous) return 'one secret, no rotation in progress';
  if (!status.previousAccepted) {
    return `the grace window has ended: the previous secret is refused (401, PreviousSecretAfterGrace)${recent && recent.previousAfterGrace > 0 ? ` and the sender still used it ${recent.previousAfterGrace} times` : ''}; retire it: ops secret retire --provider ${providerId}${flag}`;
  }
  // By version id since the rotation, as retire decides (ops/secrets.ts retireDecision); not by the stage
  // counts, which call the old secret "current" while a verifier still caches it.
  if (!status.rotation) return `retire once the sender has switched: ops secret retire --provider ${providerId}${flag}`;
  const decision = retireDecision(status.rotation, Date.now());
  if (!decision.retire) return `ops secret retire refuses now: ${decision.why}. ${decision.then} (${runbookLink})`;
  if (decision.note) return `${decision.note}; retire once it has: ops secret retire --provider ${providerId}${flag}`;
  return `requests since every verifier had the new secret match the current version only: ops secret retire --provider ${providerId}${flag}`;
}

async function runStatus(argv: readonly string[], io: Io): Promise<ExitCode> {
  return withTarget('status', argv, io, { hours: { type: 'string' }, json: { type: 'boolean' } }, async ({ provider, target, sm, args }) => {
    const hoursText = args.optional('hours') ?? '24';
    if (!/^[0-9]{1,3}$/.test(hoursText) || Number(hoursText) < 1 || Number(hoursText) > 336) throw new UsageError('--hours must be a whole number from 1 to 336');
    const status = await readStatus(target, sm, Number(hoursText));
    const now = Date.now();
    if (args.flag('json')) {
      io.out(JSON.stringify({
        provider: provider.id,
        where: target.where,
        secretArn: target.secretArn,
        state: isSet(status) ? 'set' : 'not set',
        placeholder: status.placeholder,
        versions: status.versions.map((v) => ({
          id: v.id, stages: v.stages,
          ...(v.createdAt ? { createdAt: v.createdAt.toISOString(), ageSeconds: Math.round((now - v.createdAt.getTime()) / 1000) } : {}),
          ...(v.lastAccessedAt ? { lastAccessedAt: v.lastAccessedAt.toISOString() } : {}),
        })),
        grace: {
          hours: status.grace.hours,
          source: status.grace.source,
          ...(status.previousAcceptedUntil ? { previousAcceptedUntil: status.previousAcceptedUntil.toISOString() } : {}),
          previousAccepted: status.previousAccepted,
        },
        recent: status.recent,
        ...(status.rotation ? { rotation: rotationJson(status.rotation) } : {}),
        advice: advice(provider.id, status, target.kind === 'local', target.stackName),
      }, null, 2));
      return ExitCode.Ok;
    }
    io.out(`signing secret of ${provider.id} (${target.where}): ${target.secretArn}`);
    io.out(`secret: ${stateLine(status)}`);
    const rows = status.versions.map((v) => [v.id, v.stages.join(',') || '-', fmt(v.createdAt), age(v.createdAt, now)]);
    const head = ['VERSION', 'STAGES', 'CREATED', 'AGE'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const cells of [head, ...rows]) io.out(`  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`);
    if (!status.previous) io.out(`grace window: ${status.grace.hours} h (${status.grace.source}); no previous secret`);
    else if (status.previousAcceptedUntil) {
      io.out(`grace window: ${status.grace.hours} h (${status.grace.source}); the previous secret is ${status.previousAccepted ? 'accepted until' : 'refused since'} ${fmt(status.previousAcceptedUntil)} (${until(status.previousAcceptedUntil, now)})`);
    } else io.out(`grace window: ${status.grace.hours} h; the current version has no creation date, so the verifier accepts the current secret only`);
    if ('unavailable' in status.recent) io.out(`recent requests: not available (${status.recent.unavailable})`);
    else {
      const r = status.recent;
      io.out(`recent requests (last ${r.hours} h, ${r.source}): ${r.current} matched the current secret, ${r.previous} the previous one, ` +
        `${r.previousAfterGrace} the previous one after its grace window (refused), ${r.signatureFailures} failed signature checks ` +
        `(by the stage each verifier had cached)`);
    }
    const rotation = status.rotation;
    if (rotation && 'unavailable' in rotation) io.out(`matches by version since the rotation: not available (${rotation.unavailable})`);
    else if (rotation) {
      const { window: w, current: c, previous: p } = rotation;
      io.out(`matches by version since the rotation at ${fmt(w.rotatedAt)} (${rotation.source}): ${c.sinceRotation} current (${c.id}), ${p.sinceRotation} previous (${p.id}); ` +
        `since ${fmt(w.safeFrom)}, when every verifier had the new secret${w.safeFrom.getTime() > now ? ' (not yet)' : ''}: ${c.sinceSafe} current, ${p.sinceSafe} previous` +
        `${p.lastAt ? `; the last previous match before ${fmt(p.lastAt)}` : ''}`);
    }
    io.err(`next: ${advice(provider.id, status, target.kind === 'local', target.stackName)}`);
    return ExitCode.Ok;
  });
}

function rotationJson(rotation: NonNullable<Status['rotation']>): Record<string, unknown> {
  const w = rotation.window;
  const times = { rotatedAt: w.rotatedAt.toISOString(), safeFrom: w.safeFrom.toISOString(), graceEnds: w.graceEnds.toISOString() };
  if ('unavailable' in rotation) return { ...times, unavailable: rotation.unavailable };
  const version = (v: RotationMatches['current']) => ({ id: v.id, sinceRotation: v.sinceRotation, sinceSafe: v.sinceSafe, ...(v.lastAt ? { lastAt: v.lastAt.toISOString() } : {}) });
  const decision = retireDecision(rotation, Date.now());
  return {
    ...times, source: rotation.source, current: version(rotation.current), previous: version(rotation.previous),
    retire: decision.retire ? { allowed: true } : { allowed: false, why: decision.why, ...(decision.safeAt ? { safeAt: decision.safeAt.toISOString() } : {}) },
  };
}

// ---- retire ----

const retireUsage = `usage: ops secret retire --provider <id> [--force] [--local | --stack <name> [--region <region>]]

Ends a rotation: removes the AWSPREVIOUS label (UpdateSecretVersionStage RemoveFromVersionId), so only
the current secret is accepted. The verifier counts every passing signature under the Secrets Manager
version id that matched (metric SecretVersionMatched). Inside the grace window retire refuses, unless
--force, and says when it will be safe:
  - for 5 minutes after the rotation (the verifiers' secret cache): until every verifier has fetched the
    new version, no request can show which secret the sender signs with;
  - while the sender still signs with the previous version: a previous-version match since then blocks
    until the current version matched after the last one and 15 minutes passed without another (the
    sender switched); retiring earlier would refuse its events (Suki and SOAPNoteAPI never resend);
  - when those matches cannot be read.
After the grace window the verifier refuses the previous secret anyway: retire just removes the label.
Warm verifiers that cached the previous secret keep accepting it until their cache refreshes (at most 5
minutes).

options:
  --provider <id>    ${providerIds().join(', ')}
  --force            retire even though the checks above refuse (e.g. the vendor invalidated the old secret
                     already, as SOAPNoteAPI does)
${targetHelp()}
  -h, --help         show this help

exit codes: 0 retired, or nothing to retire; 1 refused (too soon after the rotation, the previous version
still matched, or the matches could not be read), or the stack, secret or local stack was not found;
2 usage error

examples:
  npm run -s ops -- secret retire --provider sully --local
  AWS_PROFILE=prod npm run -s ops -- secret retire --provider stripe --stack WebhookReceiver-prod`;

async function runRetire(argv: readonly string[], io: Io): Promise<ExitCode> {
  return withTarget('retire', argv, io, { force: { type: 'boolean' } }, async ({ provider, target, sm, args }) => {
    const previous = await stageValue(sm, target.secretArn, 'AWSPREVIOUS');
    if (!previous?.versionId) {
      io.out(`the signing secret of ${provider.id} (${target.where}) has no AWSPREVIOUS version: nothing to retire`);
      return ExitCode.Ok;
    }
    const current = await stageValue(sm, target.secretArn, 'AWSCURRENT');
    const grace = await rotationGrace(target);
    // No creation date for AWSCURRENT: the verifier cannot place the grace window and accepts the current
    // secret only (secret-cache.ts), so there is nothing to check.
    const rotation = current?.createdAt ? await rotationMatches(target, rotationWindow(current.createdAt, grace.hours), current.versionId, previous.versionId) : undefined;
    const decision = rotation ? retireDecision(rotation, Date.now()) : { retire: true as const };
    if (!decision.retire && !args.flag('force')) {
      const source = rotation && !('unavailable' in rotation) ? ` (${rotation.source})` : '';
      io.err(`ops secret retire: refused: ${decision.why}${source}. ${decision.then}. Retire anyway with --force. Procedure: ${runbookLink}`);
      return ExitCode.Negative;
    }
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: target.secretArn, VersionStage: 'AWSPREVIOUS', RemoveFromVersionId: previous.versionId }));
    if (current) mirrored(io, target, { current: current.value });
    io.out(`retired the previous signing secret of ${provider.id} (${target.where}): version ${previous.versionId} is no longer AWSPREVIOUS; ` +
      `only AWSCURRENT${current?.versionId ? ` (version ${current.versionId})` : ''} is accepted`);
    if (decision.retire && decision.note) io.err(`note: ${decision.note}`);
    if (!decision.retire) io.err(`note: retired with --force although: ${decision.why}`);
    io.err(`warm verifiers that cached the previous secret accept it until their cache refreshes (at most 5 minutes)`);
    return ExitCode.Ok;
  });
}

const setCommand: Command = { name: 'set', summary: 'store the only accepted secret (first setup, or a leaked secret)', usage: setUsage, run: runSet };
const rotate: Command = { name: 'rotate', summary: 'store a new secret, keep the old one for the grace window', usage: rotateUsage, run: runRotate };
const status: Command = { name: 'status', summary: 'versions, grace window, which secret requests match', usage: statusUsage, run: runStatus };
const retire: Command = { name: 'retire', summary: 'stop accepting the previous secret', usage: retireUsage, run: runRetire };

const usage = `usage: ops secret set --provider <id> [--value-file <path>] [--local | --stack <name>]
       ops secret rotate --provider <id> [--value-file <path>] [--local | --stack <name>]
       ops secret status --provider <id> [--local | --stack <name>] [--json]
       ops secret retire --provider <id> [--force] [--local | --stack <name>]

A provider's signing secret in Secrets Manager. The verifier accepts AWSCURRENT, and AWSPREVIOUS for
the grace window after a rotation.
  set      store the only accepted secret (first setup after deploy; a leaked secret)
  rotate   store a new secret as AWSCURRENT, keep the old one as AWSPREVIOUS; prints when the window ends
  status   versions, stages and ages, the grace window, which secret recent requests matched
  retire   remove AWSPREVIOUS once the sender signs with the new secret

Values are read from stdin or --value-file, never from an argument. Nothing prints a value.
Run 'ops secret <subcommand> --help' for the options. Per-vendor procedure:
${runbookLink}`;

export const secret: Command = {
  name: 'secret',
  summary: "set, rotate, inspect and retire a provider's signing secret",
  usage,
  run: () => {
    throw new UsageError('expected a subcommand: set, rotate, status, retire');
  },
  subcommands: [setCommand, rotate, status, retire],
};
