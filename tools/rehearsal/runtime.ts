/**
 * A tiny client of HAProxy's runtime API (the admin socket): one command per connection, as HAProxy
 * answers in non-interactive mode (it writes the answer and closes).
 */

import * as net from "node:net";

import { Backends, LOOPBACK, slotServers, type Listener, type Slot } from "./haproxy-config";
import { parseStatCsv, type StatRow } from "./stat";

/** Sends runtime commands. */
export interface RuntimeApi {
  /** Sends one command and resolves with HAProxy's answer (empty when it has nothing to say). */
  send(command: string): Promise<string>;
}

/** The states `set server ... state` accepts. */
export type AdminState = "ready" | "drain" | "maint";

/** The longest a command may take. */
export const RUNTIME_TIMEOUT_MS = 2000;

/** A runtime API over the unix socket at `socketPath`. */
export function runtimeApi(socketPath: string, timeoutMs = RUNTIME_TIMEOUT_MS): RuntimeApi {
  return {
    send: (command) =>
      new Promise<string>((resolve, reject) => {
        if (/[\n\r;]/.test(command)) {
          reject(new Error(`runtime command ${JSON.stringify(command)} must be a single command`));
          return;
        }
        const chunks: Buffer[] = [];
        const socket = net.connect(socketPath);
        socket.setTimeout(timeoutMs, () =>
          socket.destroy(new Error(`HAProxy did not answer "${command}" within ${timeoutMs} ms`)),
        );
        socket.on("connect", () => socket.end(`${command}\n`));
        socket.on("data", (chunk: Buffer) => chunks.push(chunk));
        socket.on("error", reject);
        socket.on("close", () => resolve(Buffer.concat(chunks).toString()));
      }),
  };
}

/** Commands an answer means failed: HAProxy answers errors in plain text, not with a status. */
const ERROR_ANSWER = /^(Unknown command|No such|Require|Invalid|Permission denied|.*not found)/im;

/** Sends `command`; rejects when HAProxy's answer is an error message. */
export async function expectOk(api: RuntimeApi, command: string): Promise<void> {
  const answer = (await api.send(command)).trim();
  if (ERROR_ANSWER.test(answer)) throw new Error(`HAProxy refused "${command}": ${answer}`);
}

/** Sends `set server <backend>/<server> <what>` to the slot's checked server, then its fail-open twin. */
async function setSlot(
  api: RuntimeApi,
  listener: Listener,
  slot: Slot,
  what: string,
): Promise<void> {
  for (const server of slotServers(slot)) {
    await expectOk(api, `set server ${Backends[listener]}/${server} ${what}`);
  }
}

/** `set server <backend>/<slot> weight <w>` (and its fail-open twin). */
export function setWeight(
  api: RuntimeApi,
  listener: Listener,
  slot: Slot,
  weight: number,
): Promise<void> {
  return setSlot(api, listener, slot, `weight ${weight}`);
}

/** `set server <backend>/<slot> state <state>` (and its fail-open twin). */
export function setState(
  api: RuntimeApi,
  listener: Listener,
  slot: Slot,
  state: AdminState,
): Promise<void> {
  return setSlot(api, listener, slot, `state ${state}`);
}

/**
 * `set server <backend>/<slot> addr 127.0.0.1 port <port>` (and its fail-open twin): registers a
 * new task's address.
 */
export function setAddress(
  api: RuntimeApi,
  listener: Listener,
  slot: Slot,
  port: number,
): Promise<void> {
  return setSlot(api, listener, slot, `addr ${LOOPBACK} port ${port}`);
}

/** `show stat`, parsed. */
export async function showStat(api: RuntimeApi): Promise<StatRow[]> {
  return parseStatCsv(await api.send("show stat"));
}
