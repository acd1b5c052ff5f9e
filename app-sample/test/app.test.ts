import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

import { createApp, requestPath } from "../src/app";
import { startServer, type ServerHandle } from "../src/server";
import { Connection, fetchOnce, memoryLogger, testConfig } from "./helpers";

const METADATA = {
  GREENLIGHT_VERSION: "v0.0.2",
  GREENLIGHT_COMMIT: "0123456789abcdef0123456789abcdef01234567",
  GREENLIGHT_REF: "main",
  GREENLIGHT_REF_TYPE: "branch",
  GREENLIGHT_COMMIT_MESSAGE: "Answer the new version",
  GREENLIGHT_AUTHOR: "Ada",
  GREENLIGHT_SERVICE: "web",
  GREENLIGHT_ENVIRONMENT: "dev",
};
const STARTED = new Date("2026-01-02T03:04:05.678Z");

describe("app-sample endpoints", () => {
  let handle: ServerHandle | undefined;
  let log = memoryLogger();

  async function serve(env: Record<string, string> = {}): Promise<ServerHandle> {
    log = memoryLogger();
    handle = await startServer(testConfig({ ...METADATA, ...env }), {
      logger: log.logger,
      now: () => STARTED,
    });
    return handle;
  }

  afterEach(async () => {
    await handle?.close("test over");
    handle = undefined;
  });

  it("answers the version document built from the environment", async () => {
    const { url } = await serve();
    const res = await fetchOnce(`${url}/version`);
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
    assert.equal(res.headers["cache-control"], "no-store");
    assert.deepEqual(JSON.parse(res.body), {
      version: "v0.0.2",
      commit: "0123456789abcdef0123456789abcdef01234567",
      ref: "main",
      refType: "branch",
      commitMessage: "Answer the new version",
      author: "Ada",
      service: "web",
      environment: "dev",
      startedAt: "2026-01-02T03:04:05.678Z",
    });
  });

  it("answers 0.0.0-dev when no version was injected", async () => {
    const { url } = await serve({ GREENLIGHT_VERSION: "" });
    assert.equal(JSON.parse((await fetchOnce(`${url}/version`)).body).version, "0.0.0-dev");
  });

  it("answers the version on GREENLIGHT_VERSION_PATH instead of /version, ignoring the query", async () => {
    const { url } = await serve({ GREENLIGHT_VERSION_PATH: "/meta/version" });
    const res = await fetchOnce(`${url}/meta/version?cache=bust`);
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).version, "v0.0.2");
    assert.equal((await fetchOnce(`${url}/version`)).status, 404);
  });

  it("answers /health with 200 ok, no-store", async () => {
    const { url } = await serve();
    const res = await fetchOnce(`${url}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { status: "ok" });
    assert.equal(res.headers["cache-control"], "no-store");
  });

  it("answers /health with 503 unhealthy when GREENLIGHT_SAMPLE_UNHEALTHY=1 (a broken build)", async () => {
    const { url } = await serve({ GREENLIGHT_SAMPLE_UNHEALTHY: "1" });
    const res = await fetchOnce(`${url}/health`);
    assert.equal(res.status, 503);
    assert.deepEqual(JSON.parse(res.body), { status: "unhealthy" });
    assert.equal((await fetchOnce(`${url}/version`)).status, 200);
  });

  it("answers HEAD like GET, with the GET length and no body", async () => {
    const { port } = await serve();
    const conn = await Connection.open(port);
    const get = await conn.send("GET", "/version");
    const head = await conn.send("HEAD", "/version");
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.equal(head.headers["content-length"], get.headers["content-length"]);
    assert.equal((await conn.send("HEAD", "/health")).status, 200);
    conn.destroy();
  });

  it("answers 404 JSON for unknown paths, including near misses", async () => {
    const { url } = await serve();
    for (const path of ["/", "/versions", "/version/", "/Health"]) {
      const res = await fetchOnce(`${url}${path}`);
      assert.equal(res.status, 404, path);
      assert.deepEqual(JSON.parse(res.body), { error: "not_found" });
      assert.equal(res.headers["cache-control"], "no-store");
    }
  });

  it("answers 405 with an Allow header for other methods on known paths", async () => {
    const { url } = await serve();
    for (const [method, path] of [
      ["POST", "/version"],
      ["DELETE", "/health"],
      ["OPTIONS", "/version"],
    ] as const) {
      const res = await fetchOnce(`${url}${path}`, method);
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers.allow, "GET, HEAD");
      assert.deepEqual(JSON.parse(res.body), {
        error: "method_not_allowed",
        allow: ["GET", "HEAD"],
      });
    }
  });

  it("keeps connections alive with keepAliveTimeout above the ALB's 60 s idle timeout", async () => {
    const { server, port } = await serve();
    assert.equal(server.keepAliveTimeout, 65_000);
    assert.ok(server.headersTimeout > server.keepAliveTimeout);
    const conn = await Connection.open(port);
    const res = await conn.send("GET", "/health");
    assert.equal(res.headers.connection, "keep-alive");
    assert.equal(res.headers["keep-alive"], "timeout=65");
    assert.equal((await conn.send("GET", "/version")).status, 200);
    conn.destroy();
  });

  it("writes one JSON access line per request: time, method, path, status, duration, remote address", async () => {
    const { port } = await serve();
    const conn = await Connection.open(port);
    await conn.send("GET", "/version?x=1", { "X-Forwarded-For": "203.0.113.9" });
    await conn.send("POST", "/health");
    conn.destroy();
    await handle?.close("test over");
    const requests = log.lines.filter((line) => line.msg === "request");
    assert.equal(requests.length, 2);
    const [first, second] = requests;
    assert.deepEqual(Object.keys(first ?? {}), [
      "time",
      "level",
      "msg",
      "method",
      "path",
      "status",
      "durationMs",
      "remoteAddress",
      "forwardedFor",
      "aborted",
    ]);
    assert.match(String(first?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(first?.level, "info");
    assert.equal(first?.method, "GET");
    assert.equal(first?.path, "/version");
    assert.equal(first?.status, 200);
    assert.equal(typeof first?.durationMs, "number");
    assert.equal(first?.remoteAddress, "127.0.0.1");
    assert.equal(first?.forwardedFor, "203.0.113.9");
    assert.equal(first?.aborted, false);
    assert.equal(second?.status, 405);
  });

  it("logs startup and shutdown lines around the access lines", async () => {
    const { port } = await serve();
    await fetchOnce(`http://127.0.0.1:${port}/health`);
    await handle?.close("SIGTERM");
    assert.deepEqual(
      log.lines.map((line) => line.msg),
      ["listening", "request", "shutdown started", "shutdown complete"],
    );
    assert.equal(log.lines[0]?.version, "v0.0.2");
    assert.equal(log.lines[0]?.port, port);
    assert.equal(log.lines[2]?.reason, "SIGTERM");
  });

  it("writes no access lines when access logs are off, and nothing at all when silent", async () => {
    const quiet = memoryLogger({ accessLog: false });
    handle = await startServer(testConfig(), { logger: quiet.logger });
    await fetchOnce(`${handle.url}/health`);
    await handle.close();
    assert.deepEqual(
      quiet.lines.map((line) => line.msg),
      ["listening", "shutdown started", "shutdown complete"],
    );

    const silent = memoryLogger({ level: "silent" });
    handle = await startServer(testConfig(), { logger: silent.logger });
    await fetchOnce(`${handle.url}/health`);
    await handle.close();
    assert.deepEqual(silent.lines, []);
  });
});

describe("app-sample handler (createApp)", () => {
  it("answers 503 draining on /health and closes connections once draining starts", async () => {
    const app = createApp(testConfig());
    const server = http.createServer(app.handle);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const conn = await Connection.open(port);
      assert.equal((await conn.send("GET", "/health")).status, 200);
      app.startDraining();
      assert.equal(app.draining, true);
      const res = await conn.send("GET", "/health");
      assert.equal(res.status, 503);
      assert.deepEqual(JSON.parse(res.body), { status: "draining" });
      assert.equal(res.headers.connection, "close");
      await conn.closed;
    } finally {
      server.close();
    }
  });

  it("takes the path from origin-form and absolute-form request targets", () => {
    assert.equal(requestPath("/version?x=1#y"), "/version");
    assert.equal(requestPath("http://example.com/health?x"), "/health");
    assert.equal(requestPath("*"), undefined);
    assert.equal(requestPath(undefined), undefined);
  });
});
