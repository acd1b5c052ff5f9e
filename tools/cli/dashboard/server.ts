/**
 * The dashboard's web server: 127.0.0.1 only, read-only (GET and HEAD), a page with its script
 * and style (no third-party assets: nothing leaves the machine but the AWS calls made here with
 * the local credentials, which never reach the page), and `/api/snapshot`, read from AWS at most
 * once per refresh interval however many screens poll it.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { PAGE_CSS, PAGE_HTML, PAGE_JS } from "./page";
import type { Snapshot } from "./snapshot";

/** What the server needs. */
export interface DashboardServerOptions {
  /** Reads a fresh snapshot. */
  readonly read: () => Promise<Snapshot>;
  /** A snapshot younger than this is served again. */
  readonly refreshMs: number;
  readonly now: () => number;
  /** 0: any free port. */
  readonly port: number;
  /** Explains a failed read in lines (no secrets: AWS error names and messages). */
  readonly explain: (error: unknown) => readonly string[];
}

/** A running dashboard. */
export interface DashboardServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
} as const;

/** Starts the server on 127.0.0.1. */
export async function startDashboardServer(
  options: DashboardServerOptions,
): Promise<DashboardServer> {
  let cached: { at: number; body: string; status: number } | undefined;
  let inFlight: Promise<{ at: number; body: string; status: number }> | undefined;
  let lastGood: Snapshot | undefined;

  const snapshot = (): Promise<{ body: string; status: number }> => {
    if (cached !== undefined && options.now() - cached.at < options.refreshMs) {
      return Promise.resolve(cached);
    }
    inFlight ??= options
      .read()
      .then(
        (data) => {
          lastGood = data;
          return {
            at: options.now(),
            status: 200,
            body: JSON.stringify({ ...data, refreshMs: options.refreshMs }),
          };
        },
        (error: unknown) => ({
          at: options.now(),
          status: 502,
          body: JSON.stringify({
            error: options.explain(error),
            refreshMs: options.refreshMs,
            ...(lastGood === undefined ? {} : { stale: lastGood }),
          }),
        }),
      )
      .then((result) => {
        cached = result;
        inFlight = undefined;
        return result;
      });
    return inFlight;
  };

  let port = options.port;
  const server = http.createServer((request, response) => {
    const host = request.headers.host ?? "";
    // Only this machine's names: a page of another site cannot read it through DNS rebinding.
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      response.writeHead(421, { "Content-Type": "text/plain; charset=utf-8", ...SECURITY_HEADERS });
      response.end("This dashboard answers only on 127.0.0.1.\n");
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, {
        Allow: "GET, HEAD",
        "Content-Type": "text/plain; charset=utf-8",
        ...SECURITY_HEADERS,
      });
      response.end("Read-only.\n");
      return;
    }
    const path = (request.url ?? "/").split("?")[0];
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, {
        "Content-Type": `${type}; charset=utf-8`,
        "Content-Length": Buffer.byteLength(body),
        ...SECURITY_HEADERS,
      });
      response.end(request.method === "HEAD" ? undefined : body);
    };
    switch (path) {
      case "/":
        send(200, "text/html", PAGE_HTML);
        return;
      case "/app.js":
        send(200, "text/javascript", PAGE_JS);
        return;
      case "/app.css":
        send(200, "text/css", PAGE_CSS);
        return;
      case "/api/snapshot":
        snapshot().then(
          (result) => send(result.status, "application/json", result.body),
          () => send(500, "application/json", JSON.stringify({ error: ["the snapshot failed"] })),
        );
        return;
      default:
        send(404, "text/plain", "Not found.\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
