/** Starting and stopping the runner's own servers: on 127.0.0.1 only, on a free port. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';

/** Listens on a free loopback port and returns the server's `http://127.0.0.1:<port>` endpoint. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes the server, cutting an HTTP server's idle and held connections so a stop never waits on a client. */
export function closeServer(server: Server): Promise<void> {
  // http.Server (a net.Server) can cut its keep-alive connections; a plain net.Server has none to cut.
  if ('closeAllConnections' in server && typeof server.closeAllConnections === 'function') server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** One of the runner's own HTTP stand-ins on a loopback port: a subclass answers requests in `handle`. */
export abstract class LoopbackHttpServer {
  readonly #server = createServer((req, res) => this.handle(req, res));
  #endpoint = '';

  protected abstract handle(req: IncomingMessage, res: ServerResponse): void;

  get endpoint(): string {
    return this.#endpoint;
  }

  async start(): Promise<string> {
    this.#endpoint = await listenOnLoopback(this.#server);
    return this.#endpoint;
  }

  stop(): Promise<void> {
    return closeServer(this.#server);
  }
}
