import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";

import { Connection, fetchOnce, waitFor } from "./helpers";

const MAIN = path.join(__dirname, "..", "src", "main.ts");
const TS_NODE = require.resolve("ts-node/register/transpile-only");
const SLOW_MS = 600;
const SHUTDOWN_TIMEOUT_MS = 3_000;

interface Child {
  readonly process: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the real entry point, as the container does (through ts-node instead of a build). */
function runMain(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ["-r", TS_NODE, MAIN], {
    cwd: path.join(__dirname, "..", ".."),
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  let partial = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split("\n");
    partial = parts.pop() ?? "";
    for (const part of parts) lines.push(JSON.parse(part) as Record<string, unknown>);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { process: child, lines, exited };
}

describe("app-sample entry point (child process)", function () {
  this.timeout(15_000);
  let child: Child | undefined;

  afterEach(() => {
    if (child?.process.exitCode === null) child.process.kill("SIGKILL");
    child = undefined;
  });

  it("drains on a real SIGTERM: in-flight requests finish, new connections are refused, exit 0", async () => {
    child = runMain({
      GREENLIGHT_VERSION: "v0.0.1",
      GREENLIGHT_SAMPLE_DELAY_MS: String(SLOW_MS),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    });
    const started = child;
    await waitFor(() => started.lines.some((line) => line.msg === "listening"), 10_000);
    const port = Number(started.lines.find((line) => line.msg === "listening")?.port);
    const url = `http://127.0.0.1:${port}`;

    const idle = await Connection.open(port);
    assert.equal((await idle.send("GET", "/health")).status, 200);
    const busy = await Connection.open(port);
    const busyReply = busy.send("GET", "/version");
    const slow = Array.from({ length: 5 }, () => fetchOnce(`${url}/version`));
    // Loopback delivers the request lines well within this; "shutdown started" reports inFlight.
    await new Promise((resolve) => setTimeout(resolve, SLOW_MS / 3));

    const signalled = Date.now();
    started.process.kill("SIGTERM");
    await idle.closed;
    await waitFor(() => started.lines.some((line) => line.msg === "shutdown started"));
    await assert.rejects(Connection.open(port), { code: "ECONNREFUSED" });

    for (const res of await Promise.all(slow)) {
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.body).version, "v0.0.1");
    }
    const last = await busyReply;
    assert.equal(last.status, 200);
    assert.equal(last.headers.connection, "close");
    await busy.closed;

    assert.deepEqual(await started.exited, { code: 0, signal: null });
    assert.ok(Date.now() - signalled < SHUTDOWN_TIMEOUT_MS, "exits within the bound");
    const shutdown = started.lines.find((line) => line.msg === "shutdown started");
    assert.equal(shutdown?.reason, "SIGTERM");
    assert.equal(shutdown?.inFlight, 6);
    assert.equal(started.lines.find((line) => line.msg === "shutdown complete")?.forced, false);
    assert.equal(started.lines.filter((line) => line.msg === "request").length, 7);
  });

  it("exits 1 with a JSON error line on an invalid setting", async () => {
    child = runMain({ PORT: "eighty" });
    assert.deepEqual(await child.exited, { code: 1, signal: null });
    const [line] = child.lines;
    assert.equal(line?.level, "error");
    assert.equal(line?.msg, "invalid configuration");
    assert.match(String(line?.error), /^PORT is "eighty"/);
  });
});
