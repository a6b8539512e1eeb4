/**
 * `ops verify` as a subprocess, against requests signed by independent signers (see helpers.ts).
 */
import { createHash, createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import { firstLine, GITHUB_DOC_VECTOR, leaks, ops, PHI, secretFile, tempDir, vectors, type Vector } from './helpers.ts';

const now = Math.floor(Date.now() / 1000);
const all = vectors(now);
const tmp = tempDir('ops-verify-');
afterAll(() => tmp.remove());

function vector(provider: string): Vector {
  const found = all.find((v) => v.provider === provider);
  if (!found) throw new Error(`no vector for ${provider}`);
  return found;
}

function files(name: string, body: Uint8Array, headers: unknown): string[] {
  return [
    '--body-file',
    tmp.write(`${name}.body`, body),
    '--headers-file',
    tmp.write(`${name}.headers.json`, JSON.stringify(headers)),
  ];
}

function verifyArgs(v: Vector, name: string, overrides: { body?: Uint8Array; headers?: unknown } = {}): string[] {
  return ['verify', '--provider', v.provider, ...secretFile(tmp, v.secret), ...files(name, overrides.body ?? v.body, overrides.headers ?? v.headers)];
}

it('the GitHub vector is the documented one (guards the independent recipe)', () => {
  const mac = createHmac('sha256', GITHUB_DOC_VECTOR.secret).update(GITHUB_DOC_VECTOR.body).digest('hex');
  expect(`sha256=${mac}`).toBe(GITHUB_DOC_VECTOR.signature);
});

describe.concurrent('a valid request from each provider', () => {
  it.for(all)('$provider: exit 0, names the secret, event type and dedupe key', async (v, { expect }) => {
    const run = await ops(verifyArgs(v, `valid-${v.provider}`));

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(firstLine(run.stdout)).toBe(
      `valid: matched the current secret; event type ${v.eventType}; dedupe key ${v.dedupeKey}`,
    );
    expect(run.stdout).toContain(`provider: ${v.provider} (`);
    if (v.timestamp !== undefined) expect(run.stdout).toContain(`(timestamp ${v.timestamp}, `);
    if (v.id !== undefined && v.provider === 'standard-webhooks') expect(run.stdout).toContain(`message id: ${v.id}`);
    expect(leaks(run, v)).toEqual([]);
  });
});

describe.concurrent('a request whose body changed after signing', () => {
  it.for(all)('$provider: exit 1, invalid: signature mismatch (HTTP 401)', async (v, { expect }) => {
    const body = Buffer.from(v.body);
    body[1] = (body[1] ?? 0) ^ 0x01; // one bit: the signature check must catch it before anything reads the body
    const run = await ops(verifyArgs(v, `tampered-${v.provider}`, { body }));

    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const [first, ...hints] = run.stdout.trimEnd().split('\n');
    expect(first).toBe(
      'invalid: signature mismatch: 1 signature checked against the current secret (no previous secret is set) (HTTP 401, signature_mismatch)',
    );
    expect(hints[0]).toMatch(/^hint: was the secret rotated at the vendor\?/);
    expect(hints.join('\n')).toContain('byte-exact');
    expect(leaks(run, v)).toEqual([]);
  });
});

describe.concurrent('rotation, captured requests and other verdicts', () => {
  it('matches the previous secret when the sender still signs with it, and says so', async ({ expect }) => {
    const v = vector('stripe');
    const run = await ops([
      'verify', '--provider', 'stripe', ...secretFile(tmp, 'whsec_the_new_secret'), ...secretFile(tmp, v.secret),
      ...files('previous', v.body, v.headers),
    ]);

    expect(run.code).toBe(0);
    expect(firstLine(run.stdout)).toBe(
      `valid: matched the previous secret; event type payment_intent.succeeded; dedupe key evt_1StripeTest`,
    );
    expect(run.stdout).toMatch(/^note: the sender still signs with the previous secret/m);
    expect(leaks(run, v)).toEqual([]);
    expect(run.stdout + run.stderr).not.toContain('whsec_the_new_secret');
  });

  const captured = 1_767_225_600; // 2026-01-01T00:00:00Z, long outside the 300 s tolerance of today
  const old = vectors(captured).find((v) => v.provider === 'sully') as Vector;

  it('accepts a captured old request with --now set to when it was received', async ({ expect }) => {
    const run = await ops([...verifyArgs(old, 'captured-now'), '--now', String(captured + 42)]);

    expect(run.code).toBe(0);
    expect(firstLine(run.stdout)).toBe(
      'valid: matched the current secret; event type audio_transcription.succeeded; dedupe key audio_transcription.succeeded:tr_42',
    );
    expect(run.stdout).toContain('signed at: 2026-01-01T00:00:00.000Z (timestamp 1767225600, 42 s before the check time)');
  });

  it('rejects the same captured request without --now, and points at --now and the clock', async ({ expect }) => {
    const run = await ops(verifyArgs(old, 'captured-stale'));

    expect(run.code).toBe(1);
    expect(firstLine(run.stdout)).toMatch(
      /^invalid: timestamp outside tolerance by \d+ s \(\d+ s old; tolerance 300 s\) \(HTTP 401, timestamp_out_of_tolerance\)$/,
    );
    expect(run.stdout.split('\n')[1]).toMatch(/^hint: check this machine's clock .*pass --now <unix s>/);
  });

  it('--json prints the verdict of a valid request as one JSON object', async ({ expect }) => {
    const v = vector('standard-webhooks');
    const run = await ops([...verifyArgs(v, 'json-valid'), '--json']);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      provider: 'standard-webhooks',
      ok: true,
      matched: 'current',
      eventType: 'invoice.paid',
      dedupeKey: v.id,
      timestamp: String(now),
      id: v.id,
    });
    expect(leaks(run, v)).toEqual([]);
  });

  it('--json prints the verdict of an invalid request and still exits 1', async ({ expect }) => {
    const v = vector('suki');
    const run = await ops(['verify', '--provider', 'suki', ...secretFile(tmp, 'not-the-suki-partner-secret'), '--json', ...files('json-invalid', v.body, v.headers)]);

    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      provider: 'suki',
      ok: false,
      code: 'signature_mismatch',
      reason: 'signature mismatch: 1 signature checked against the current secret (no previous secret is set)',
      status: 401,
    });
  });

  it('names a missing header and lists what the provider sends and what the file has', async ({ expect }) => {
    const v = vector('soapnoteapi');
    const { 'X-SoapNoteAPI-Timestamp': _dropped, ...headers } = v.headers;
    const run = await ops(verifyArgs(v, 'missing-header', { headers }));

    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('invalid: missing header x-soapnoteapi-timestamp (HTTP 401, missing_header)');
    expect(lines[1]).toBe('hint: soapnoteapi sends x-soapnoteapi-signature: <64 hex>; x-soapnoteapi-timestamp: <unix s>');
    expect(lines[2]).toBe('hint: the headers file has X-SoapNoteAPI-Signature');
    expect(leaks(run, v)).toEqual([]);
  });

  it('rejects a signature with trailing garbage that lenient hex decoding would accept', async ({ expect }) => {
    const v = vector('generic');
    const headers = { 'X-Webhook-Signature': `${v.headers['X-Webhook-Signature']}zz` };
    const run = await ops(verifyArgs(v, 'malformed', { headers }));

    expect(run.code).toBe(1);
    expect(firstLine(run.stdout)).toBe(
      'invalid: malformed header x-webhook-signature: signature must be 64 lowercase hex characters (HTTP 401, malformed_header)',
    );
    expect(leaks(run, v)).toEqual([]);
  });

  it('accepts a signed GitHub request without X-GitHub-Event: exit 0, event type unknown, with a note', async ({ expect }) => {
    const v = vector('github');
    const { 'X-GitHub-Event': _dropped, ...headers } = v.headers;
    const run = await ops(verifyArgs(v, 'no-event', { headers }));

    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`valid: matched the current secret; event type unknown; dedupe key ${v.dedupeKey}`);
    expect(lines).toContain(
      'note: signed, but not recognized (event type: missing header x-github-event): the stack accepts it, and its processor moves it to the dead-letter queue',
    );
    expect(lines).toContain('hint: github reads event type {header:x-github-event}; dedupe key {sha256}');
  });

  it('keys a GitHub request by its body, whatever X-GitHub-Delivery says', async ({ expect }) => {
    const v = vector('github');
    const headers = { ...v.headers, 'X-GitHub-Delivery': '00000000-0000-4000-8000-00000000beef' };
    const run = await ops(verifyArgs(v, 'other-delivery', { headers }));

    expect(run.code).toBe(0);
    expect(firstLine(run.stdout)).toBe(`valid: matched the current secret; event type ping; dedupe key ${v.dedupeKey}`);
  });
});

describe.concurrent('signed bodies whose shape the stack cannot read are valid, with a note', () => {
  it("the Standard Webhooks spec's published test vector, at its own time", async ({ expect }) => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const signature = 'g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
    const headers = { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': `v1,${signature}` };
    const run = await ops([
      'verify', '--provider', 'standard-webhooks', ...secretFile(tmp, secret), '--now', '1614265330',
      ...files('sw-spec-vector', Buffer.from('{"test": 2432232314}'), headers),
    ]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('valid: matched the current secret; event type unknown; dedupe key msg_p5jXN8AQM9LWM0D4loKWxJek');
    expect(lines).toContain('signed at: 2021-02-25T15:02:10.000Z (timestamp 1614265330, 0 s before the check time)');
    expect(lines).toContain(
      'note: signed, but not recognized (event type: missing body field type): the stack accepts it, and its processor moves it to the dead-letter queue',
    );
    expect(leaks(run, { secret, signature })).toEqual([]);
  });

  it('a Stripe event without id and type: unknown, keyed by the body SHA-256; --json carries the reason', async ({ expect }) => {
    const v = vector('stripe');
    const body = JSON.stringify({ object: 'event', data: { name: PHI } }); // no id, no type, no data.object
    const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: v.secret, timestamp: now });
    const sha = createHash('sha256').update(body).digest('hex');
    const args = ['verify', '--provider', 'stripe', ...secretFile(tmp, v.secret), ...files('stripe-drift', Buffer.from(body), { 'Stripe-Signature': header })];

    const run = await ops(args);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`valid: matched the current secret; event type unknown; dedupe key ${sha}`);
    expect(lines).toContain(
      'note: signed, but not recognized (event type: missing body field type; dedupe key: missing body field id): the stack accepts it, and its processor moves it to the dead-letter queue',
    );
    expect(leaks(run, { secret: v.secret, signature: header.split('v1=')[1] ?? '' })).toEqual([]);

    const json = await ops([...args, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      eventType: 'unknown',
      dedupeKey: sha,
      unrecognized: 'event type: missing body field type; dedupe key: missing body field id',
    });
  });

  it('a body that is not JSON', async ({ expect }) => {
    const v = vector('solatis');
    const body = Buffer.from(`not json: ${PHI}`);
    const headers = { 'X-Solatis-Signature': createHmac('sha256', v.secret).update(body).digest('hex') };
    const run = await ops(verifyArgs(v, 'not-json', { body, headers }));

    expect(run.code).toBe(0);
    expect(firstLine(run.stdout)).toBe(`valid: matched the current secret; event type unknown; dedupe key ${createHash('sha256').update(body).digest('hex')}`);
    expect(run.stdout).toContain('note: signed, but not recognized (body is not JSON)');
    expect(leaks(run, v)).toEqual([]);
  });
});

describe.concurrent('secrets come from files, stdin or the environment, never from an argument', () => {
  const v = vector('stripe');
  const request = () => files(`sources-${Math.random().toString(36).slice(2)}`, v.body, v.headers);

  it('refuses --secret <value> with exit 2, says how to pass it, and does not echo it', async ({ expect }) => {
    const run = await ops(['verify', '--provider', 'stripe', '--secret', v.secret, ...request()]);

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(firstLine(run.stderr)).toBe(
      'ops verify: --secret: secret values are never taken as arguments (they land in shell history and process lists); ' +
        'give --secret-file <path> (a file only you can read), pipe it with --secret-stdin (or --secret-file -), or set WEBHOOK_SECRET ' +
        '(and WEBHOOK_SECRET_PREVIOUS for the previous one; or give --secret-file twice)',
    );
    expect(run.stderr).not.toContain(v.secret);
  });

  it('WEBHOOK_SECRET and WEBHOOK_SECRET_PREVIOUS: the previous one matches', async ({ expect }) => {
    const run = await ops(['verify', '--provider', 'stripe', ...request()], {
      env: { WEBHOOK_SECRET: 'whsec_the_new_stripe_secret', WEBHOOK_SECRET_PREVIOUS: v.secret },
    });

    expect(run.code).toBe(0);
    expect(firstLine(run.stdout)).toBe('valid: matched the previous secret; event type payment_intent.succeeded; dedupe key evt_1StripeTest');
    expect(leaks(run, v)).toEqual([]);
  });

  it('--secret-stdin is the current secret, a --secret-file beside it the previous one', async ({ expect }) => {
    const run = await ops(['verify', '--provider', 'stripe', '--secret-stdin', ...secretFile(tmp, v.secret), ...request()], {
      input: 'whsec_the_new_stripe_secret\n',
    });

    expect(run.code).toBe(0);
    expect(firstLine(run.stdout)).toMatch(/^valid: matched the previous secret;/);
  });

  it('three secrets are a usage error', async ({ expect }) => {
    const run = await ops(['verify', '--provider', 'stripe', ...secretFile(tmp, v.secret), ...secretFile(tmp, v.secret), ...secretFile(tmp, v.secret), ...request()]);

    expect(run.code).toBe(2);
    expect(firstLine(run.stderr)).toBe('ops verify: 3 secrets given; give the current and at most the previous one');
  });
});

describe.concurrent('sender-controlled text is escaped', () => {
  // A body's id that rewrites the terminal: OSC 0 (window title), ED 2 (clear screen), a C1 CSI, RLO.
  const id = 'evt_\u001b]0;pwned\u0007_\u001b[2J_\u009b31m_\u202e_end';
  const body = JSON.stringify({ id, object: 'event', type: 'payment_intent.succeeded', data: { name: PHI } });
  const secret = vector('stripe').secret;
  const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: now });
  const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  it('ops verify prints the dedupe key with its control characters escaped', async ({ expect }) => {
    const run = await ops(['verify', '--provider', 'stripe', ...secretFile(tmp, secret), ...files('escapes', Buffer.from(body), { 'Stripe-Signature': header })]);

    expect(run.code).toBe(0);
    expect(firstLine(run.stdout)).toBe(
      'valid: matched the current secret; event type payment_intent.succeeded; dedupe key evt_\\x1b]0;pwned\\x07_\\x1b[2J_\\x9b31m_\\u202e_end',
    );
    expect(run.stdout + run.stderr).not.toMatch(raw);
  });

  it('ops verify --json stays JSON with the exact key, and emits no raw C1 or bidi control either', async ({ expect }) => {
    const run = await ops(['verify', '--provider', 'stripe', ...secretFile(tmp, secret), '--json', ...files('escapes-json', Buffer.from(body), { 'Stripe-Signature': header })]);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, dedupeKey: id });
    expect(run.stdout).not.toMatch(raw);
  });
});
