import * as assert from "node:assert/strict";

import { startServer, type ServerHandle } from "../src/server";
import { Connection, fetchOnce, memoryLogger, testConfig, waitFor } from "./helpers";

const SLOW_MS = 400;

describe("app-sample graceful shutdown (in process)", () => {
  let handle: ServerHandle | undefined;

  afterEach(async () => {
    await handle?.close("test over");
    handle = undefined;
  });

  it("finishes in-flight requests, refuses new connections and closes keep-alive connections", async () => {
    const log = memoryLogger();
    handle = await startServer(
      testConfig({ GREENLIGHT_VERSION: "v1" }, { responseDelayMs: SLOW_MS }),
      { logger: log.logger },
    );
    const { port, url } = handle;

    const idle = await Connection.open(port);
    assert.equal((await idle.send("GET", "/health")).status, 200);
    const busy = await Connection.open(port);
    const busyReply = busy.send("GET", "/version");
    const slow = Array.from({ length: 5 }, () => fetchOnce(`${url}/version`));
    await waitFor(() => handle?.app.inFlight === 6);

    const started = Date.now();
    const closing = handle.close("SIGTERM");

    await idle.closed;
    assert.ok(Date.now() - started < SLOW_MS / 2, "the idle keep-alive connection closes at once");
    await assert.rejects(Connection.open(port), { code: "ECONNREFUSED" });

    for (const res of await Promise.all(slow)) {
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.body).version, "v1");
    }
    const last = await busyReply;
    assert.equal(last.status, 200);
    assert.equal(last.headers.connection, "close");
    await busy.closed;

    const result = await closing;
    assert.equal(result.forced, false);
    assert.ok(result.durationMs >= SLOW_MS - 100 && result.durationMs < SLOW_MS + 500);
    const requests = log.lines.filter((line) => line.msg === "request");
    assert.equal(requests.length, 7);
    assert.ok(requests.every((line) => line.aborted === false));
    assert.equal(log.lines.find((line) => line.msg === "shutdown started")?.inFlight, 6);
  });

  it("returns the same shutdown for repeated calls", async () => {
    handle = await startServer(testConfig(), { logger: memoryLogger().logger });
    const first = handle.close("SIGTERM");
    assert.equal(handle.close("SIGINT"), first);
    assert.equal((await first).forced, false);
  });

  it("cuts connections that outlive SHUTDOWN_TIMEOUT_MS and reports a forced shutdown", async () => {
    const log = memoryLogger();
    handle = await startServer(testConfig({}, { responseDelayMs: 5_000, shutdownTimeoutMs: 200 }), {
      logger: log.logger,
    });
    const stuck = fetchOnce(`${handle.url}/version`);
    const stuckOutcome = stuck.then(
      () => "answered",
      () => "cut",
    );
    await waitFor(() => handle?.app.inFlight === 1);

    const result = await handle.close("SIGTERM");
    assert.equal(result.forced, true);
    assert.ok(result.durationMs >= 190 && result.durationMs < 1_000, `${result.durationMs} ms`);
    assert.equal(await stuckOutcome, "cut");
    assert.ok(
      log.lines.some((line) => line.msg === "shutdown bound reached; closing open connections"),
    );
    await waitFor(() => handle?.app.inFlight === 0);
    const access = log.lines.find((line) => line.msg === "request");
    assert.equal(access?.aborted, true);
    assert.equal(access?.status, null, "no status was sent");
  });
});
