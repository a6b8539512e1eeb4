// One Lambda execution environment of the local stack, in a worker thread: the worker's own process.env
// is the function's environment, the bundle is imported once (its init: config, clients, caches), then
// invocations arrive one at a time, as in Lambda. Plain JavaScript on purpose: worker threads do not
// inherit tsx's loader, and the bundle is already JavaScript.
//
// Log lines the handler writes go unchanged to the function's log file, appended by this thread itself
// (as Lambda's runtime hands stdout to its log agent, not to the function's caller: no hop through the
// runner's event loop), and, for the terminal summary, are reduced to an allowlist of id/type/outcome
// fields: never a body, header or secret.
import { randomUUID } from 'node:crypto';
import { writeFileSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { bundle, functionName, memoryMb, logFd, echo } = workerData;
process.setSourceMapsEnabled?.(true);

// The thread's name in top -H / ps -L (Linux; at most 15 bytes): `verifier`, `p-github`, ...
try {
  writeFileSync('/proc/thread-self/comm', functionName.replace(/^local-/, '').replace(/^processor-/, 'p-').slice(0, 15));
} catch {
  // not Linux, or /proc not mounted: only a diagnosis aid
}

/** Fields of the handlers' JSON log lines that the runner may print (ids, types, outcomes, error names). */
const SUMMARY_FIELDS = [
  'message', 'level', 'provider', 'eventType', 'outcome', 'status', 'code', 'messageId', 'error', 'errorName',
  // The processor's handling of a failure: the event source polls when a re-timed message is visible again.
  'failureClass', 'disposition', 'retryDelaySeconds',
];

// logFd: the function's log file, opened once by the runner with O_APPEND (file descriptors belong to the
// process), so the lines of all its environments interleave whole.
let captured;
for (const stream of [process.stdout, process.stderr]) {
  const forward = stream.write.bind(stream);
  stream.write = (chunk, ...rest) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
    if (captured) captured.push(text);
    try {
      writeSync(logFd, text);
    } catch {
      // the runner is stopping and closed the log file: the line has nowhere to go
    }
    // --verbose: also to the runner's terminal (through the parent, as before).
    if (echo) return forward(chunk, ...rest);
    const callback = rest.find((r) => typeof r === 'function');
    if (callback) process.nextTick(callback);
    return true;
  };
}

function summarize(chunks) {
  const facts = [];
  for (const line of chunks.join('').split('\n')) {
    // Only JSON lines with a message (Powertools log lines); EMF metric lines have none and are long.
    if (!line.startsWith('{') || !line.includes('"message"')) continue;
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof record?.message !== 'string') continue;
    const kept = {};
    for (const field of SUMMARY_FIELDS) {
      const value = record[field];
      if (typeof value === 'string' || typeof value === 'number') kept[field] = typeof value === 'string' ? value.slice(0, 200) : value;
    }
    facts.push(kept);
  }
  return facts;
}

function context(deadline) {
  const awsRequestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${awsRequestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

let handler;
const initStarted = Date.now();
try {
  const module = await import(pathToFileURL(bundle).href);
  handler = module.handler;
  if (typeof handler !== 'function') throw new TypeError('the bundle exports no function named handler');
  parentPort.postMessage({ type: 'ready', initMs: Date.now() - initStarted });
} catch (error) {
  // The name and message of an init error (EnvironmentError: "environment variable X is required") carry no body.
  parentPort.postMessage({ type: 'init-error', error: { name: error?.name ?? 'Error', message: String(error?.message ?? error).slice(0, 500) } });
}

parentPort.on('message', async (message) => {
  if (message?.type !== 'invoke' || !handler) return;
  captured = [];
  const started = Date.now();
  try {
    const result = await handler(message.event, context(message.deadline));
    const facts = summarize(captured);
    captured = undefined;
    parentPort.postMessage({ type: 'result', id: message.id, result: result ?? null, facts, durationMs: Date.now() - started });
  } catch (error) {
    const facts = summarize(captured);
    captured = undefined;
    // Only the error's name crosses over: a message may quote what the handler failed on.
    parentPort.postMessage({ type: 'error', id: message.id, error: { name: error?.name ?? typeof error }, facts, durationMs: Date.now() - started });
  }
});
