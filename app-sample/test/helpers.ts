/** Test helpers: a raw HTTP/1.1 client that shows exactly what happens on one connection. */

import * as http from "node:http";
import * as net from "node:net";

import { loadConfig, type AppConfig } from "../src/config";
import { createLogger, type Logger } from "../src/log";

/** A parsed HTTP response. */
export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * One TCP connection that sends requests one at a time (keep-alive), so tests can tell whether the
 * server reused or closed it.
 */
export class Connection {
  /** Resolves when the server (or anyone) closes the connection. */
  readonly closed: Promise<void>;
  private buffer = Buffer.alloc(0);
  private pending:
    { readonly head: boolean; resolve(r: RawResponse): void; reject(e: Error): void } | undefined;

  private constructor(private readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    socket.on("error", (error) => this.fail(error));
    socket.on("close", () => this.fail(new Error("connection closed before a full response")));
  }

  /** Opens a connection to 127.0.0.1:port. */
  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new Connection(socket));
      });
    });
  }

  /** Sends one request and resolves with its response. */
  send(method: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    const lines = [`${method} ${path} HTTP/1.1`, "Host: test"];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    return new Promise((resolve, reject) => {
      this.pending = { head: method === "HEAD", resolve, reject };
      this.socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    });
  }

  /** Closes the connection from this side. */
  destroy(): void {
    this.socket.destroy();
  }

  private parse(): void {
    const pending = this.pending;
    const end = this.buffer.indexOf("\r\n\r\n");
    if (pending === undefined || end === -1) return;
    const [statusLine = "", ...headerLines] = this.buffer.subarray(0, end).toString().split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = pending.head ? 0 : Number(headers["content-length"] ?? "0");
    if (this.buffer.length < end + 4 + length) return;
    const body = this.buffer.subarray(end + 4, end + 4 + length).toString();
    this.buffer = this.buffer.subarray(end + 4 + length);
    this.pending = undefined;
    pending.resolve({ status: Number(statusLine.split(" ")[1]), headers, body });
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}

/** A GET on a fresh connection (no agent, no keep-alive), resolving with the whole response. */
export function fetchOnce(url: string, method = "GET"): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (typeof value === "string") headers[name] = value;
        }
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString() });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Polls `predicate` every 5 ms until it holds, or fails after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The config a local test server uses: 127.0.0.1, a free port, plus `env`. */
export function testConfig(
  env: Record<string, string> = {},
  overrides: Partial<AppConfig> = {},
): AppConfig {
  return { ...loadConfig({ HOST: "127.0.0.1", PORT: "0", ...env }), ...overrides };
}

/** A logger that keeps its lines, parsed. */
export function memoryLogger(
  options: { level?: "debug" | "info" | "silent"; accessLog?: boolean } = {},
): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: options.level ?? "info",
    accessLog: options.accessLog ?? true,
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { logger, lines };
}
