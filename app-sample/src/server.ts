/**
 * The HTTP server around the app, and its graceful shutdown: stop accepting, drain, let in-flight
 * requests finish, end keep-alive connections, and cut whatever is left when the bound runs out.
 */

import * as http from "node:http";
import type { AddressInfo } from "node:net";

import { createApp, type App, type AppDeps } from "./app";
import type { AppConfig } from "./config";
import { createLogger, type Logger } from "./log";

/** How a shutdown ended. */
export interface ShutdownResult {
  /** True when the bound ran out and open connections were cut. */
  readonly forced: boolean;
  /** From the start of the shutdown until the last connection closed. */
  readonly durationMs: number;
}

/** A listening server. */
export interface ServerHandle {
  readonly server: http.Server;
  readonly app: App;
  /** The bound port (useful with `port: 0`). */
  readonly port: number;
  /** A URL that reaches the server from this host, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /**
   * Graceful shutdown: stops accepting connections, marks health as draining, closes idle
   * keep-alive connections at once and busy ones after their response (`Connection: close`), and
   * after `shutdownTimeoutMs` closes whatever is still open. Idempotent: every call returns the
   * same promise. Never rejects.
   */
  close(reason?: string): Promise<ShutdownResult>;
}

/** Dependencies of {@link startServer}, for tests. */
export interface ServerDeps extends AppDeps {
  /** @default - JSON lines on stdout, at the configured level */
  readonly logger?: Logger;
}

/** How often idle connections are swept while draining (a response that finished without
 * `Connection: close`, because it started before the drain, leaves its socket idle). */
const DRAIN_SWEEP_MS = 50;

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

/** Starts the sample service and resolves once it listens. */
export async function startServer(config: AppConfig, deps: ServerDeps = {}): Promise<ServerHandle> {
  const logger =
    deps.logger ?? createLogger({ level: config.logLevel, accessLog: config.accessLog });
  const monotonicMs = deps.monotonicMs ?? (() => performance.now());
  const app = createApp(config, { ...deps, logger, monotonicMs });
  // headersTimeout above keepAliveTimeout: a kept-alive socket must not hit the headers timer
  // before the idle timer (the classic 502 behind a load balancer).
  const headersTimeout = config.keepAliveTimeoutMs + 1_000;
  const server = http.createServer(
    { headersTimeout, requestTimeout: Math.max(120_000, headersTimeout) },
    app.handle,
  );
  server.keepAliveTimeout = config.keepAliveTimeoutMs;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error) => logger.error("server error", { error: String(error) }));

  const port = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(config.host)}:${port}`;
  logger.info("listening", {
    host: config.host,
    port,
    url,
    versionPath: config.versionPath,
    version: config.build.version,
    service: config.build.service,
    environment: config.build.environment,
    unhealthy: config.unhealthy,
    node: process.version,
  });

  let closing: Promise<ShutdownResult> | undefined;
  function close(reason = "close"): Promise<ShutdownResult> {
    closing ??= new Promise<ShutdownResult>((resolve) => {
      const started = monotonicMs();
      app.startDraining();
      const inFlight = app.inFlight;
      let forced = false;
      const bound = setTimeout(() => {
        forced = true;
        logger.warn("shutdown bound reached; closing open connections", {
          inFlight: app.inFlight,
        });
        server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      const sweep = setInterval(() => server.closeIdleConnections(), DRAIN_SWEEP_MS);
      // Closes idle keep-alive connections, then the listening socket.
      server.close(() => {
        clearTimeout(bound);
        clearInterval(sweep);
        const durationMs = Math.round(monotonicMs() - started);
        logger.info("shutdown complete", { durationMs, forced });
        resolve({ forced, durationMs });
      });
      // Logged once the listening socket is closed: whoever reads it can rely on new connections
      // being refused.
      logger.info("shutdown started", { reason, inFlight, timeoutMs: config.shutdownTimeoutMs });
    });
    return closing;
  }

  return { server, app, port, url, close };
}
