import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A real HTTP server on 127.0.0.1 with a random port. */
export interface LocalServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1:0. */
export async function listen(
  handler: (request: IncomingMessage, response: ServerResponse, body: string) => void,
): Promise<LocalServer> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => handler(request, response, Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What the version server answers to one request. */
export type VersionAnswer =
  | { readonly version: string }
  | { readonly status: number; readonly body: string }
  | { readonly hang: true };

/** A `/version` server whose answers follow a function of the request number (1-based). */
export interface VersionServer extends LocalServer {
  readonly requests: () => number;
  readonly paths: string[];
}

export async function startVersionServer(
  answer: (n: number) => VersionAnswer,
): Promise<VersionServer> {
  let count = 0;
  const paths: string[] = [];
  const server = await listen((request, response) => {
    count += 1;
    paths.push(request.url ?? "");
    const reply = answer(count);
    if ("hang" in reply) return; // never answers; closed with the server
    if ("version" in reply) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ version: reply.version, service: "shop", environment: "dev" }));
      return;
    }
    response.writeHead(reply.status, { "content-type": "text/plain" });
    response.end(reply.body);
  });
  return { ...server, requests: () => count, paths };
}

/** What the Slack server answers to one request. */
export interface SlackAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

/** A request the Slack server received. */
export interface SlackRequest {
  readonly path: string;
  readonly at: number;
  readonly payload: { text: string; blocks: unknown[] };
}

/** A fake incoming-webhook receiver. */
export interface SlackServer extends LocalServer {
  /** The webhook URL, with a credential-looking path. */
  readonly webhookUrl: string;
  readonly received: SlackRequest[];
}

export const WEBHOOK_PATH = "/services/T0GREEN/B0LIGHT/s3cr3tW3bh00kT0k3n";

export async function startSlackServer(
  answer: (n: number) => SlackAnswer = () => ({ status: 200, body: "ok" }),
): Promise<SlackServer> {
  const received: SlackRequest[] = [];
  const server = await listen((request, response, body) => {
    received.push({
      path: request.url ?? "",
      at: Date.now(),
      payload: JSON.parse(body) as SlackRequest["payload"],
    });
    const reply = answer(received.length);
    response.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers });
    response.end(reply.body);
  });
  return { ...server, webhookUrl: `${server.url}${WEBHOOK_PATH}`, received };
}
