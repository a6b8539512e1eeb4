/**
 * Every alarm in the synthesized template names a runbook section that exists: the anchor in its
 * description (`Runbook: docs/runbook.md#<anchor>`) must be the GitHub anchor of a heading in
 * docs/runbook.md, and that section must say what the alarm means, what to check, what to run, how to
 * resolve and when to escalate. The commands the runbook tells the on-call engineer to run must exist.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../ops/cli.ts';
import { RUNBOOK_ANCHORS } from '../../lib/runbook-anchors.ts';
import { resources, synthesize, type Synthesized } from './synth.ts';
import { CANARY_PROVIDER_ID, providerDeclarations } from '../../providers/index.ts';

const VENDORS = providerDeclarations.map((d) => d.id).filter((id) => id !== CANARY_PROVIDER_ID);

const RUNBOOK = readFileSync(new URL('../../docs/runbook.md', import.meta.url), 'utf8');

/** GitHub's heading anchors: lowercase, punctuation except `-` and `_` dropped, spaces to `-`, repeats numbered. */
export function githubAnchors(markdown: string): Map<string, string> {
  const anchors = new Map<string, string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]!.replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').trim().replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.set(n === 0 ? base : `${base}-${n}`, text);
  }
  return anchors;
}

/** The text between a `## ` heading with this anchor and the next `## ` heading. */
function section(anchor: string): string {
  const lines = RUNBOOK.split('\n');
  const start = lines.findIndex((line) => line.startsWith('## ') && githubAnchors(line).has(anchor));
  if (start < 0) return '';
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

describe('docs/runbook.md and the alarms', () => {
  let synth: Synthesized;
  let alarms: { id: string; description: string }[];
  const anchors = githubAnchors(RUNBOOK);

  beforeAll(() => {
    // Every alarm kind, vendor silence included (cdk.json sets no expectAtLeastEveryMinutes).
    synth = synthesize({ providers: { ...Object.fromEntries(VENDORS.map((id) => [id, {}])), solatis: { expectAtLeastEveryMinutes: 60 } } });
    alarms = Object.entries(resources(synth.template, 'AWS::CloudWatch::Alarm')).map(([id, alarm]) => ({
      id,
      description: String(alarm.Properties?.AlarmDescription ?? ''),
    }));
  }, 60_000);

  it('the stack has alarms for the verifier and for every enabled provider', () => {
    expect(alarms.length).toBeGreaterThanOrEqual(3 + 6 * synth.config.providers.length);
  });

  it('every alarm description names a heading that exists in docs/runbook.md', () => {
    const broken: string[] = [];
    for (const alarm of alarms) {
      const match = /Runbook: docs\/runbook\.md#([a-z0-9_-]+)$/.exec(alarm.description);
      if (!match) broken.push(`${alarm.id}: no runbook link in "${alarm.description}"`);
      else if (!anchors.has(match[1]!)) broken.push(`${alarm.id}: #${match[1]} is not a heading of docs/runbook.md`);
    }
    expect(broken).toEqual([]);
  });

  it('every runbook anchor of lib/runbook-anchors.ts is used by an alarm and has its section', () => {
    const used = new Set(alarms.map((a) => /#([a-z0-9_-]+)$/.exec(a.description)?.[1]));
    for (const anchor of RUNBOOK_ANCHORS) {
      expect(used.has(anchor), `no alarm points at #${anchor}`).toBe(true);
      expect(anchors.has(anchor), `docs/runbook.md has no heading for #${anchor}`).toBe(true);
    }
  });

  it.each([...RUNBOOK_ANCHORS])('#%s says what it means, what to check, what to run, how to resolve, when to escalate', (anchor) => {
    const text = section(anchor);
    for (const part of ['**What it means.**', '**First three checks.**', '**Commands.**', '**Resolve.**', '**Escalate**']) {
      expect(text, `#${anchor} lacks ${part}`).toContain(part);
    }
    expect(text).toMatch(/\n1\. [\s\S]*\n2\. [\s\S]*\n3\. /);
    // Step 1 of every alarm: the one-screen overview, before the section's own checks.
    expect(text.indexOf('**Step 1: `ops status`**'), `#${anchor} does not start with ops status`).toBeGreaterThan(-1);
    expect(text.indexOf('**Step 1: `ops status`**')).toBeLessThan(text.indexOf('**First three checks.**'));
    expect(text).toMatch(/```sh\n[\s\S]*ops /);
  });

  it('has a rotation procedure and a non-2xx row for every provider', () => {
    const rotation = section('rotating-a-signing-secret');
    const table = section('what-each-sender-does-when-we-answer-non-2xx');
    for (const provider of synth.config.providers) {
      expect(rotation, `no rotation procedure mentions ${provider.id}`).toContain(`--provider ${provider.id}`);
      expect(table, `no non-2xx row for ${provider.id}`).toContain(`| \`${provider.id}\` |`);
    }
  });

  it('links only to headings that exist, and names only ops commands that exist', () => {
    const links = [...RUNBOOK.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.filter((l) => !anchors.has(l))).toEqual([]);
    const named = [...RUNBOOK.matchAll(/\bops ([a-z]+)(?: ([a-z]+))?/g)];
    const unknown = named.filter(([, name, sub]) => {
      const command = commands.find((c) => c.name === name);
      if (!command) return true;
      return command.subcommands !== undefined && sub !== undefined && !command.subcommands.some((s) => s.name === sub);
    }).map((m) => m[0]);
    expect(unknown).toEqual([]);
  });
});
