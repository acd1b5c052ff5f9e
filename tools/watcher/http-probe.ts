/**
 * One `GET` of a version URL over a keep-alive `node:http` agent, classified into a version or a
 * failure kind. The body is read as the live hook reads it (`parseVersionDocument`).
 */

import * as http from "node:http";
import * as https from "node:https";

import { parseVersionDocument } from "../../hooks/core/probe";
import type { FailureKind } from "./summary";

/** What one request came to. */
export interface ProbeOutcome {
  /** The HTTP status, or null when no response arrived. */
  readonly status: number | null;
  readonly version?: string;
  readonly error?: FailureKind;
  readonly detail?: string;
  /** Sent again after a stale keep-alive connection. */
  readonly retried?: true;
}

/** Makes one request to `url`, settling within about `timeoutMs`; never rejects. */
export type Probe = (url: string, timeoutMs: number) => Promise<ProbeOutcome>;

/** A probe and the means to release its connections. */
export interface HttpProbe {
  readonly probe: Probe;
  /** Closes the kept-alive connections. */
  close(): void;
}

/** The user agent of the watcher's requests, so service logs can tell them apart. */
export const WATCH_USER_AGENT = "greenlight-watch-version/1";

/** The largest body read; a version document is a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ETIMEDOUT",
]);
const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME"]);

/** The failure kind of a socket or client error. */
export function classifyError(error: unknown): { kind: FailureKind; detail: string } {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === "string") {
    if (CONNECT_CODES.has(code)) return { kind: "connect", detail: code };
    if (DNS_CODES.has(code)) return { kind: "dns", detail: code };
    return { kind: "other", detail: `${code}: ${message}` };
  }
  return { kind: "other", detail: message };
}

/** The outcome of a complete answer. */
export function classifyAnswer(status: number, body: string): ProbeOutcome {
  if (status < 200 || status > 299) return { status, error: `http_${status}` };
  const answer = parseVersionDocument(body, status);
  if (answer.kind === "version") return { status, version: answer.version };
  return { status, error: "bad_json", detail: answer.detail };
}

interface Attempt {
  readonly outcome: ProbeOutcome;
  /** The request went out on a kept-alive connection and was reset before any response. */
  readonly staleSocket: boolean;
}

/** `agent` false: a one-off connection of its own, never one from the pool. */
function attempt(url: URL, timeoutMs: number, agent: http.Agent | false): Promise<Attempt> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    let status: number | null = null;
    const finish = (outcome: ProbeOutcome, staleSocket = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ outcome, staleSocket });
    };
    const req = client.request(
      url,
      {
        method: "GET",
        agent,
        headers: {
          accept: "application/json",
          "cache-control": "no-cache",
          "user-agent": WATCH_USER_AGENT,
        },
      },
      (res) => {
        status = res.statusCode ?? null;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            finish({ status, error: "too_large", detail: `over ${MAX_BODY_BYTES} bytes` });
            req.destroy();
          } else chunks.push(chunk);
        });
        res.on("end", () => finish(classifyAnswer(status ?? 0, Buffer.concat(chunks).toString())));
        res.on("error", (error) => finish({ status, ...failure(error) }));
        res.on("close", () => {
          if (!res.complete) finish({ status, error: "connect", detail: "response cut short" });
        });
      },
    );
    const timer = setTimeout(() => {
      finish({ status, error: "timeout", detail: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on("error", (error) => {
      const classified = failure(error);
      const stale = status === null && req.reusedSocket && classified.detail === "ECONNRESET";
      finish({ status, ...classified }, stale);
    });
    req.end();
  });
}

function failure(error: unknown): { error: FailureKind; detail: string } {
  const { kind, detail } = classifyError(error);
  return { error: kind, detail };
}

/**
 * A probe over one keep-alive agent sized for `maxSockets` concurrent requests. A request that fails
 * with a reset on a reused connection before any response (the server closed an idle keep-alive
 * connection as the request went out) is sent once more on a fresh connection, within the same
 * timeout, and marked `retried`.
 */
export function createHttpProbe(options: { readonly maxSockets: number }): HttpProbe {
  const agentOptions: http.AgentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets,
    maxFreeSockets: options.maxSockets,
  };
  const httpAgent = new http.Agent(agentOptions);
  const httpsAgent = new https.Agent(agentOptions);
  const probe: Probe = async (target, timeoutMs) => {
    const url = new URL(target);
    const agent = url.protocol === "https:" ? httpsAgent : httpAgent;
    const started = performance.now();
    const first = await attempt(url, timeoutMs, agent);
    const left = Math.round(timeoutMs - (performance.now() - started));
    if (!first.staleSocket || left <= 0) return first.outcome;
    // Not through the pool: another of its idle connections may be just as stale.
    return { ...(await attempt(url, left, false)).outcome, retried: true };
  };
  return {
    probe,
    close: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
