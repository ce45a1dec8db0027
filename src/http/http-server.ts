import http from 'node:http';
import type { Express } from 'express';

/**
 * The node:http server for the app, with requests and responses born with express's prototypes.
 * Express otherwise re-prototypes each one (`Object.setPrototypeOf`) as it arrives, which moves
 * every request and response to a slow object shape that all of Node's HTTP code then pays for:
 * measured, it nearly halved what express costs per request. Setting the same prototype again is
 * a no-op, so express behaves exactly as before.
 *
 * `handle` answers the requests (default: `app`); a later app takes over with `adoptPrototypes`.
 */
export function createHttpServer(app: Express, handle: http.RequestListener = app): http.Server {
  function Request(this: http.IncomingMessage, socket: import('node:net').Socket) {
    http.IncomingMessage.call(this, socket);
  }
  Request.prototype = app.request;
  function Response(this: http.ServerResponse, req: http.IncomingMessage, options?: unknown) {
    (http.ServerResponse as unknown as (this: http.ServerResponse, ...args: unknown[]) => void).call(this, req, options);
  }
  Response.prototype = app.response;
  return http.createServer(
    {
      IncomingMessage: Request as unknown as typeof http.IncomingMessage,
      ServerResponse: Response as unknown as typeof http.ServerResponse,
    },
    handle,
  );
}

/**
 * Makes `next` use the request and response prototypes of `base`, the app the server was created
 * with, so that its requests keep the fast path above. Both apps must have the same settings:
 * the prototypes' `app` (whose settings `res.json` reads) stays `base`.
 */
export function adoptPrototypes(next: Express, base: Express): void {
  next.request = base.request;
  next.response = base.response;
}

/** Listens on `host:port`, rejecting on a bind error (in use, not permitted). */
export function listen(server: http.Server, port: number, host: string): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const failed = (err: Error) => reject(err);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve(server);
    });
  });
}
