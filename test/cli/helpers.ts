/**
 * Runs the ops CLI as a real subprocess, and builds signed requests for every provider with signers
 * that do not share code with the project: node:crypto recipes written from the vendors' docs, the
 * `stripe` and `standardwebhooks` packages, and GitHub's published test vector.
 */
import { execFile } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `ops <args>`. `input` is written to its stdin (which is closed either way); `env` is added to the
 * environment, from which WEBHOOK_SECRET and WEBHOOK_SECRET_PREVIOUS are removed unless given here.
 */
export function ops(args: readonly string[], options: { input?: string; env?: Readonly<Record<string, string>> } = {}): Promise<Run> {
  const { WEBHOOK_SECRET: _current, WEBHOOK_SECRET_PREVIOUS: _previous, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = execFile(TSX, ['bin/ops.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 45_000, env: { ...inherited, ...options.env } }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`ops did not exit normally (${String(error.code ?? error.signal)}): ${stderr}`));
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
    child.stdin?.on('error', () => {}); // ops may exit before reading it
    child.stdin?.end(options.input ?? '');
  });
}

let secretFiles = 0;

/** `--secret-file <path>` for a secret, written to a new file in `dir` (one per call: concurrent tests never share one). */
export function secretFile(dir: { write(name: string, content: string | Uint8Array): string }, secret: string): string[] {
  return ['--secret-file', dir.write(`secret-${++secretFiles}`, secret)];
}

export function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** A temp directory for one test file; `write` returns the path of a new file in it. */
export function tempDir(prefix: string): { write(name: string, content: string | Uint8Array): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Vector {
  readonly provider: string;
  readonly secret: string;
  readonly body: Buffer;
  /** As the sender spells them (mixed case), so the lookup's case-insensitivity is exercised too. */
  readonly headers: Record<string, string>;
  /** Header values that must never appear in the CLI's output. */
  readonly signature: string;
  readonly eventType: string;
  readonly dedupeKey: string;
  readonly timestamp?: number;
  readonly id?: string;
}

/** A marker that stands for PHI in the bodies: it must never reach the CLI's output. */
export const PHI = 'Jane Roe, DOB 1961-04-12';

const hmacHex = (secret: string, ...parts: (string | Buffer)[]): string => {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest('hex');
};

/** GitHub's documented example (docs.github.com, validating webhook deliveries). */
export const GITHUB_DOC_VECTOR = {
  secret: "It's a Secret to Everybody",
  body: 'Hello, World!',
  signature: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
} as const;

/**
 * One valid request per provider, signed at `now` (unix seconds). Suki's timestamp is in milliseconds:
 * `sukiExtraMs` puts it off the whole second, as real senders do.
 */
export function vectors(now: number, { sukiExtraMs = 123 } = {}): Vector[] {
  const sullyBody = JSON.stringify({
    type: 'audio_transcription.succeeded',
    data: { transcriptionId: 'tr_42', transcript: `Patient ${PHI} reports chest pain since Tuesday. Café.` },
  });
  const sullySecret = 'whsec_sully_test_secret_0123456789';
  const sullySig = Stripe.webhooks.generateTestHeaderString({ payload: sullyBody, secret: sullySecret, timestamp: now });

  const sukiBody = JSON.stringify({ session_id: 'sess_7', status: 'success', note: PHI, _links: { self: '/sessions/sess_7' } });
  const sukiSecret = 'suki-partner-secret';
  const sukiMs = now * 1000 + sukiExtraMs;
  const sukiSig = hmacHex(sukiSecret, `${sukiMs}:`, sukiBody);

  const soapBody = JSON.stringify({ event: 'note.generated', note_id: 'note_9', note: { subjective: PHI } });
  const soapSecret = 'whsec_soapnote_secret';
  const soapSig = hmacHex(soapSecret, `${now}.`, soapBody);

  // A raw 0xFF byte inside a string: a CLI that read the body as text and re-encoded it would break the HMAC.
  const solatisBody = Buffer.concat([
    Buffer.from(`{"id":"evt_solatis_1","event":"document.processed","data":{"text":"${PHI} `),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('"}}\r\n'),
  ]);
  const solatisSecret = 'solatis registration secret';
  const solatisSig = hmacHex(solatisSecret, solatisBody);

  const genericBody = JSON.stringify({
    event: 'recording.completed',
    timestamp: '2026-01-05T10:00:00Z',
    data: { recording: { id: 'rec_5', title: `Visit with ${PHI}` } },
  });
  const genericSecret = 'generic-platform-secret';
  const genericSig = `sha256=${hmacHex(genericSecret, genericBody)}`;

  const swBody = JSON.stringify({ type: 'invoice.paid', data: { patient: PHI } });
  const swSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const swId = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
  const swSig = new Webhook(swSecret).sign(swId, new Date(now * 1000), swBody);


  const stripeBody = JSON.stringify({ id: 'evt_1StripeTest', object: 'event', type: 'payment_intent.succeeded', data: { name: PHI } });
  const stripeSecret = 'whsec_stripe_test_secret';
  const stripeSig = Stripe.webhooks.generateTestHeaderString({ payload: stripeBody, secret: stripeSecret, timestamp: now });

  return [
    {
      provider: 'sully',
      secret: sullySecret,
      body: Buffer.from(sullyBody),
      headers: { 'X-Sully-Signature': sullySig },
      signature: sullySig.split('v1=')[1] ?? '',
      eventType: 'audio_transcription.succeeded',
      dedupeKey: 'audio_transcription.succeeded:tr_42',
      timestamp: now,
    },
    {
      provider: 'suki',
      secret: sukiSecret,
      body: Buffer.from(sukiBody),
      headers: { 'Generated-At': String(sukiMs), 'X-API-Key': sukiSig },
      signature: sukiSig,
      eventType: 'success',
      dedupeKey: 'sess_7:success',
      timestamp: sukiMs,
    },
    {
      provider: 'soapnoteapi',
      secret: soapSecret,
      body: Buffer.from(soapBody),
      headers: { 'X-SoapNoteAPI-Signature': soapSig, 'X-SoapNoteAPI-Timestamp': String(now) },
      signature: soapSig,
      eventType: 'note.generated',
      dedupeKey: 'note.generated:note_9',
      timestamp: now,
    },
    {
      provider: 'solatis',
      secret: solatisSecret,
      body: solatisBody,
      headers: { 'X-Solatis-Signature': solatisSig },
      signature: solatisSig,
      eventType: 'document.processed',
      dedupeKey: 'evt_solatis_1',
    },
    {
      provider: 'generic',
      secret: genericSecret,
      body: Buffer.from(genericBody),
      headers: { 'X-Webhook-Signature': genericSig },
      signature: genericSig.slice('sha256='.length),
      eventType: 'recording.completed',
      dedupeKey: 'recording.completed:rec_5:2026-01-05T10:00:00Z',
    },
    {
      provider: 'standard-webhooks',
      secret: swSecret,
      body: Buffer.from(swBody),
      headers: { 'webhook-id': swId, 'webhook-timestamp': String(now), 'webhook-signature': swSig },
      signature: swSig.slice('v1,'.length),
      eventType: 'invoice.paid',
      dedupeKey: swId,
      timestamp: now,
      id: swId,
    },
    {
      provider: 'github',
      secret: GITHUB_DOC_VECTOR.secret,
      body: Buffer.from(GITHUB_DOC_VECTOR.body),
      // GitHub also sends X-GitHub-Delivery, which it does not sign: the stack never reads it (nor does ops sign write it).
      headers: { 'X-Hub-Signature-256': GITHUB_DOC_VECTOR.signature, 'X-GitHub-Event': 'ping' },
      signature: GITHUB_DOC_VECTOR.signature.slice('sha256='.length),
      eventType: 'ping',
      dedupeKey: createHash('sha256').update(GITHUB_DOC_VECTOR.body).digest('hex'),
    },
    {
      provider: 'stripe',
      secret: stripeSecret,
      body: Buffer.from(stripeBody),
      headers: { 'Stripe-Signature': stripeSig },
      signature: stripeSig.split('v1=')[1] ?? '',
      eventType: 'payment_intent.succeeded',
      dedupeKey: 'evt_1StripeTest',
      timestamp: now,
    },
  ];
}

/** Neither the secret, nor the signature, nor the body's PHI may appear anywhere in the output. */
export function leaks(run: Run, vector: Pick<Vector, 'secret' | 'signature'>): string[] {
  const output = run.stdout + run.stderr;
  const found: string[] = [];
  if (output.includes(vector.secret)) found.push('secret');
  if (vector.signature && output.includes(vector.signature)) found.push('signature');
  if (output.includes(PHI)) found.push('body');
  return found;
}
