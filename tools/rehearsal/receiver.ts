/**
 * A stand-in for a Slack incoming webhook on 127.0.0.1: it answers `ok` like Slack, keeps every
 * message it received and hands each to a callback (the rehearsal prints it).
 */

import * as http from "node:http";

import type { SlackMessage } from "../../hooks/core/notify";
import { LOOPBACK } from "./haproxy-config";

/** One message the receiver got. */
export interface ReceivedMessage {
  /** When it arrived, epoch ms. */
  readonly receivedAt: number;
  /** The plain-text fallback. */
  readonly text: string;
  /** Block Kit blocks, by type, in order. */
  readonly blockTypes: readonly string[];
  /** The header block's text, when there is one. */
  readonly headline?: string;
}

/** A running receiver. */
export interface WebhookReceiver {
  /** The URL to post to. */
  readonly url: string;
  /** Everything received so far, oldest first. */
  readonly messages: readonly ReceivedMessage[];
  close(): Promise<void>;
}

/** The largest body accepted (Slack's own limit is far below). */
const MAX_BODY = 256 * 1024;

/** Reads a Slack payload into a {@link ReceivedMessage}; undefined when it is not one. */
export function readSlackPayload(body: string, receivedAt: number): ReceivedMessage | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return undefined;
  }
  const message = payload as Partial<SlackMessage> | null;
  if (message === null || typeof message.text !== "string") return undefined;
  const blocks = Array.isArray(message.blocks) ? message.blocks : [];
  const header = blocks.find((block) => block.type === "header");
  return {
    receivedAt,
    text: message.text,
    blockTypes: blocks.map((block) => String(block.type)),
    ...(header?.type === "header" ? { headline: header.text.text } : {}),
  };
}

/** Starts a receiver on a free loopback port. */
export function startWebhookReceiver(
  onMessage: (message: ReceivedMessage) => void = () => undefined,
  now: () => number = Date.now,
): Promise<WebhookReceiver> {
  const messages: ReceivedMessage[] = [];
  const server = http.createServer((req, res) => {
    const answer = (status: number, text: string): void => {
      res.writeHead(status, { "content-type": "text/plain" }).end(text);
    };
    if (req.method !== "POST") {
      answer(405, "method_not_allowed");
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on("end", () => {
      const message =
        size > MAX_BODY ? undefined : readSlackPayload(Buffer.concat(chunks).toString(), now());
      if (message === undefined) {
        answer(400, "invalid_payload");
        return;
      }
      messages.push(message);
      onMessage(message);
      answer(200, "ok");
    });
  });
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve({
        url: `http://${LOOPBACK}:${port}/services/T000/B000/rehearsal`,
        messages,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
