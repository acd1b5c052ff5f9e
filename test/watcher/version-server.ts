/** A scriptable local `/version` server for the watcher tests. */

import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** How the server answers one request. */
export type Behaviour =
  | { readonly version: string; readonly delayMs?: number }
  | { readonly status: number }
  | { readonly garbage: string }
  | { readonly hang: true }
  /** Close the connection without answering. */
  | { readonly reset: true }
  /** Send the headers and part of the body, then close the connection. */
  | { readonly truncate: true };

/** A running test server. */
export interface VersionServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Requests received so far. */
  readonly received: () => number;
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1 whose answer to the `n`-th request (0-based), `elapsedMs` after
 * the first one and the `onConnection`-th on its connection, is `behave(n, elapsedMs, onConnection)`.
 */
export async function startVersionServer(
  behave: (n: number, elapsedMs: number, onConnection: number) => Behaviour,
): Promise<VersionServer> {
  let count = 0;
  let firstAt: number | undefined;
  const perConnection = new WeakMap<object, number>();
  const server = http.createServer((req, res) => {
    const now = Date.now();
    firstAt ??= now;
    const onConnection = perConnection.get(req.socket) ?? 0;
    perConnection.set(req.socket, onConnection + 1);
    const behaviour = behave(count, now - firstAt, onConnection);
    count += 1;
    if ("hang" in behaviour) return;
    if ("reset" in behaviour) {
      req.socket.destroy();
      return;
    }
    if ("truncate" in behaviour) {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"version":', () => req.socket.destroy());
      return;
    }
    const send = (status: number, body: string): void => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(body);
    };
    if ("status" in behaviour) send(behaviour.status, JSON.stringify({ error: "boom" }));
    else if ("garbage" in behaviour) send(200, behaviour.garbage);
    else if (behaviour.delayMs === undefined)
      send(200, JSON.stringify({ version: behaviour.version }));
    else {
      const version = JSON.stringify({ version: behaviour.version });
      setTimeout(() => send(200, version), behaviour.delayMs);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
