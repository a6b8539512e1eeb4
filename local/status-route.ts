/**
 * `GET /__local/status` on the runner's HTTP API (ops/local-target.ts LOCAL_STATUS_PATH): what `ops status
 * --local` cannot read through the AWS APIs, the failure drill in effect and each queue's message count,
 * in-flight count and oldest message (tools/stand-ins/sqs-inventory.ts). Counts and times only, never a
 * body. Loopback only, like the rest of the local stack; any other `/__local/` path goes to `next` (the
 * fault switches with LOCAL_FAULTS=1), else 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOCAL_STATUS_PATH, type LocalStatusReport } from '../ops/local-target.ts';
import type { AdminHandler } from './http-api.ts';

export function statusRoute(read: () => LocalStatusReport, next?: AdminHandler): AdminHandler {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === LOCAL_STATUS_PATH && req.method === 'GET') {
      req.resume();
      const body = JSON.stringify(read());
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
      return;
    }
    if (next) return next(req, res);
    req.resume();
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"message":"Not Found"}');
  };
}
