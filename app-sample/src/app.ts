/**
 * The request handler: `/version`, `/health`, JSON errors and access logs. It knows nothing about
 * sockets or signals; `server.ts` owns those and tells it when draining begins.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";

import { HEALTH_PATH, type AppConfig, type BuildInfo } from "./config";
import { silentLogger, type Logger } from "./log";

/**
 * The JSON document answered on the version path. Same shape as `VersionDocument` in the
 * repository's `hooks/core/build-metadata.ts`, with every field present.
 */
export interface VersionDocument extends BuildInfo {
  /** When this process started, ISO 8601. */
  readonly startedAt: string;
}

/** The methods every route answers. */
export const ALLOWED_METHODS = ["GET", "HEAD"] as const;

/** A request listener plus the state the server needs to drain it. */
export interface App {
  /** The `node:http` request listener. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * From now on `/health` answers 503 `{"status":"draining"}` and every response carries
   * `Connection: close`, so keep-alive connections end after their current request. Idempotent.
   */
  startDraining(): void;
  /** Whether {@link App.startDraining} was called. */
  readonly draining: boolean;
  /** Requests received and not yet answered (or abandoned). */
  readonly inFlight: number;
  /** What the version path answers. */
  readonly versionDocument: VersionDocument;
}

/** Dependencies of {@link createApp}, for tests. */
export interface AppDeps {
  /** @default - a logger that drops everything */
  readonly logger?: Logger;
  /** Wall clock, for `startedAt`. @default - `() => new Date()` */
  readonly now?: () => Date;
  /** Monotonic milliseconds, for durations. @default - `performance.now` */
  readonly monotonicMs?: () => number;
}

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

function json(status: number, value: unknown): Reply {
  return { status, body: JSON.stringify(value) };
}

const NOT_FOUND = json(404, { error: "not_found" });
const METHOD_NOT_ALLOWED: Reply = {
  ...json(405, { error: "method_not_allowed", allow: ALLOWED_METHODS }),
  headers: { Allow: ALLOWED_METHODS.join(", ") },
};
const BAD_REQUEST = json(400, { error: "bad_request" });
const INTERNAL_ERROR = json(500, { error: "internal_error" });
const HEALTH_OK = json(200, { status: "ok" });
const HEALTH_DRAINING = json(503, { status: "draining" });
const HEALTH_UNHEALTHY = json(503, { status: "unhealthy" });

/** The path part of a request target (origin form or absolute form), or undefined if unusable. */
export function requestPath(target: string | undefined): string | undefined {
  if (target === undefined || target === "") return undefined;
  if (target.startsWith("/")) {
    const end = target.search(/[?#]/);
    return end === -1 ? target : target.slice(0, end);
  }
  try {
    return new URL(target).pathname;
  } catch {
    return undefined;
  }
}

/** Builds the sample service's request handler from its settings. */
export function createApp(config: AppConfig, deps: AppDeps = {}): App {
  const logger = deps.logger ?? silentLogger;
  const monotonicMs = deps.monotonicMs ?? (() => performance.now());
  const versionDocument: VersionDocument = {
    ...config.build,
    startedAt: (deps.now ?? (() => new Date()))().toISOString(),
  };
  const versionReply = json(200, versionDocument);
  let draining = false;
  let inFlight = 0;

  function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
    if (res.headersSent || res.destroyed) return;
    res.statusCode = reply.status;
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Length", Buffer.byteLength(reply.body));
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    if (draining) res.setHeader("Connection", "close");
    if (req.method === "HEAD") res.end();
    else res.end(reply.body);
  }

  async function answerVersion(res: ServerResponse): Promise<Reply | undefined> {
    if (config.responseDelayMs > 0) {
      const abandoned = new AbortController();
      const onClose = (): void => abandoned.abort();
      res.once("close", onClose);
      try {
        await delay(config.responseDelayMs, undefined, { signal: abandoned.signal });
      } catch {
        return undefined; // the client or a forced shutdown closed the connection
      } finally {
        res.off("close", onClose);
      }
    }
    return versionReply;
  }

  function health(): Reply {
    if (draining) return HEALTH_DRAINING;
    if (config.unhealthy) return HEALTH_UNHEALTHY;
    return HEALTH_OK;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<Reply | undefined> {
    const path = requestPath(req.url);
    if (path === undefined) return BAD_REQUEST;
    const known = path === config.versionPath || path === HEALTH_PATH;
    if (!known) return NOT_FOUND;
    if (req.method !== "GET" && req.method !== "HEAD") return METHOD_NOT_ALLOWED;
    return path === HEALTH_PATH ? health() : answerVersion(res);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const started = monotonicMs();
    inFlight += 1;
    res.once("close", () => {
      inFlight -= 1;
      const forwardedFor = req.headers["x-forwarded-for"];
      logger.access({
        method: req.method ?? "",
        path: requestPath(req.url) ?? "",
        status: res.headersSent ? res.statusCode : null,
        durationMs: Math.round((monotonicMs() - started) * 1000) / 1000,
        remoteAddress: req.socket.remoteAddress ?? "",
        ...(typeof forwardedFor === "string" ? { forwardedFor } : {}),
        aborted: !res.writableFinished,
      });
    });
    route(req, res).then(
      (reply) => {
        if (reply !== undefined) send(req, res, reply);
      },
      (error: unknown) => {
        logger.error("request failed", { error: String(error) });
        send(req, res, INTERNAL_ERROR);
      },
    );
  }

  return {
    handle,
    startDraining: () => {
      draining = true;
    },
    get draining() {
      return draining;
    },
    get inFlight() {
      return inFlight;
    },
    versionDocument,
  };
}
