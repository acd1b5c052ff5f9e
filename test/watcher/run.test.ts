import * as assert from "node:assert/strict";

import { systemClock } from "../../hooks/core/clock";
import { classifyAnswer, classifyError } from "../../tools/watcher/http-probe";
import {
  plannedRequests,
  resolveWatchOptions,
  runWatcher,
  startWatcher,
  versionUrl,
} from "../../tools/watcher/run";
import type { WatchRecord } from "../../tools/watcher/summary";
import { closedPort, startVersionServer, type VersionServer } from "./version-server";

describe("watcher runWatcher (local server)", function () {
  this.timeout(10_000);
  let server: VersionServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("polls at the fixed rate, overlapping slow requests instead of waiting for them", async () => {
    server = await startVersionServer(() => ({ version: "v1", delayMs: 60 }));
    const started = Date.now();
    const summary = await runWatcher({ url: server.url, rate: 100, durationMs: 1_000 });
    const elapsed = Date.now() - started;

    // Back-to-back polling at 60 ms per answer would make about 16 requests in a second.
    assert.equal(summary.total, 100);
    assert.equal(server.received(), 100);
    assert.equal(summary.failed, 0);
    assert.ok(elapsed >= 990 && elapsed < 1_500, `took ${elapsed} ms`);
    const span = (summary.lastAt ?? 0) - (summary.firstAt ?? 0);
    assert.ok(span >= 960 && span <= 1_100, `first to last request start: ${span} ms`);
    assert.ok((summary.latency?.p50 ?? 0) >= 60);
    assert.deepEqual(summary.run, {
      url: `${server.url}/version`,
      rate: 100,
      plannedMs: 1_000,
      stopped: false,
    });
  });

  it("spaces request starts evenly at 1/rate", async () => {
    server = await startVersionServer(() => ({ version: "v1" }));
    const records: WatchRecord[] = [];
    await runWatcher({
      url: server.url,
      rate: 50,
      durationMs: 600,
      onRecord: (record) => records.push(record),
    });
    const starts = records.map((record) => record.t).sort((a, b) => a - b);
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] ?? t));
    assert.equal(starts.length, 30);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    assert.ok(mean >= 18 && mean <= 22, `mean gap ${mean} ms`);
  });

  it("sees the flip mid-run: old version, then new, with the interleaving at the cutover", async () => {
    // v1 until 300 ms, both (alternating) until 400 ms, then v2.
    server = await startVersionServer((n, elapsedMs) => {
      if (elapsedMs < 300) return { version: "v1" };
      if (elapsedMs < 400) return { version: n % 2 === 0 ? "v1" : "v2" };
      return { version: "v2" };
    });
    const summary = await runWatcher({ url: server.url, rate: 100, durationMs: 700 });
    assert.equal(summary.total, 70);
    assert.equal(summary.failed, 0);
    assert.deepEqual(
      summary.versions.map((v) => v.version),
      ["v1", "v2"],
    );
    const flip = summary.flip;
    assert.ok(flip !== undefined);
    const t0 = summary.firstAt ?? 0;
    assert.ok(flip.firstNewAt - t0 >= 280 && flip.firstNewAt - t0 <= 360, "first v2 near 300 ms");
    assert.ok(flip.lastOldAt - t0 >= 350 && flip.lastOldAt - t0 <= 440, "last v1 near 400 ms");
    assert.equal(flip.overlapMs, flip.lastOldAt - flip.firstNewAt);
    assert.ok(flip.oldAfterNew >= 2, `${flip.oldAfterNew} old answers after the first new`);
    assert.equal(summary.flipped, true);
    assert.equal(summary.finalVersion, "v2");
  });

  it("records errors by kind: 500s, garbage JSON, a body without a version, and hangs", async () => {
    server = await startVersionServer((n) => {
      if (n >= 5 && n < 8) return { status: 500 };
      if (n === 10) return { status: 503 };
      if (n === 12 || n === 13) return { garbage: "<html>oops" };
      if (n === 14) return { garbage: '{"status":"ok"}' };
      if (n === 16) return { hang: true };
      return { version: "v1" };
    });
    const records: WatchRecord[] = [];
    const summary = await runWatcher({
      url: server.url,
      rate: 50,
      durationMs: 500,
      timeoutMs: 200,
      onRecord: (record) => records.push(record),
    });
    assert.equal(summary.total, 25);
    assert.equal(summary.failed, 8);
    assert.deepEqual(summary.failures, { http_500: 3, bad_json: 3, http_503: 1, timeout: 1 });
    assert.equal(summary.ok, 17);

    const timeout = records.find((record) => record.error === "timeout");
    assert.equal(timeout?.status, null);
    assert.ok((timeout?.latencyMs ?? 0) >= 195 && (timeout?.latencyMs ?? 0) < 400);
    const http500 = records.find((record) => record.error === "http_500");
    assert.equal(http500?.status, 500);
    assert.equal(http500?.version, undefined);
    const garbage = records.find((record) => record.error === "bad_json");
    assert.equal(garbage?.status, 200);
    assert.match(garbage?.detail ?? "", /not JSON|no string "version"/);
  });

  it("records a response cut short as a connect failure with its status", async () => {
    server = await startVersionServer((n) => (n === 1 ? { truncate: true } : { version: "v1" }));
    const records: WatchRecord[] = [];
    const summary = await runWatcher({
      url: server.url,
      rate: 50,
      durationMs: 100,
      onRecord: (record) => records.push(record),
    });
    assert.deepEqual(summary.failures, { connect: 1 });
    const cut = records.find((record) => record.error !== undefined);
    assert.equal(cut?.status, 200);
    assert.equal(cut?.version, undefined);
  });

  it("records refused connections as connect failures", async () => {
    const port = await closedPort();
    const summary = await runWatcher({
      url: `http://127.0.0.1:${port}`,
      rate: 50,
      durationMs: 200,
    });
    assert.equal(summary.total, 10);
    assert.deepEqual(summary.failures, { connect: 10 });
    assert.equal(summary.latency, undefined);
  });

  it("sends a request again when the server closed the kept-alive connection under it", async () => {
    // Every connection answers its first request, then drops the next one without answering.
    server = await startVersionServer((_n, _elapsedMs, onConnection) =>
      onConnection === 0 ? { version: "v1" } : { reset: true },
    );
    const records: WatchRecord[] = [];
    const summary = await runWatcher({
      url: server.url,
      rate: 20,
      durationMs: 500,
      onRecord: (record) => records.push(record),
    });
    assert.equal(summary.total, 10);
    assert.equal(summary.failed, 0, JSON.stringify(summary.failures));
    // Sequential requests reuse the one free connection, so nearly every request is dropped once.
    assert.ok(summary.retried >= 1, "requests found their kept-alive connection gone");
    assert.equal(server.received(), summary.total + summary.retried, "each drop was sent again");
    assert.equal(records.filter((record) => record.retried === true).length, summary.retried);
  });

  it("does not retry a request that was reset on a fresh connection", async () => {
    server = await startVersionServer(() => ({ reset: true }));
    const summary = await runWatcher({ url: server.url, rate: 20, durationMs: 200 });
    assert.deepEqual(summary.failures, { connect: 4 });
    assert.equal(summary.retried, 0);
  });

  it("stops early on stop(), finishing the requests in flight", async () => {
    server = await startVersionServer(() => ({ version: "v1", delayMs: 100 }));
    const watch = startWatcher({ url: server.url, rate: 100, durationMs: Infinity });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stoppedAt = Date.now();
    watch.stop();
    const summary = await watch.done;
    assert.ok(Date.now() - stoppedAt < 300, "settles once in-flight requests are done");
    assert.ok(summary.total >= 25 && summary.total <= 35, `${summary.total} requests`);
    assert.equal(summary.failed, 0, "requests in flight at stop() were answered, not dropped");
    assert.deepEqual(summary.run?.stopped, true);
    assert.equal(summary.run?.plannedMs, null);
  });

  it("stops early when the caller's AbortSignal aborts", async () => {
    server = await startVersionServer(() => ({ version: "v1" }));
    const summary = await runWatcher({
      url: server.url,
      rate: 100,
      durationMs: 10_000,
      signal: AbortSignal.timeout(200),
    });
    assert.ok(summary.total >= 15 && summary.total <= 25, `${summary.total} requests`);
    assert.equal(summary.run?.stopped, true);
  });
});

describe("watcher runWatcher (injected probe)", () => {
  it("records what the probe answers, with the start time of each request", async () => {
    const answers = [
      { status: 200, version: "v1" },
      { status: null, error: "connect" as const, detail: "ECONNRESET" },
      { status: 200, version: "v2", retried: true as const },
    ];
    let i = 0;
    const records: WatchRecord[] = [];
    const summary = await runWatcher(
      { url: "http://service.test", rate: 1_000, durationMs: 3, onRecord: (r) => records.push(r) },
      { probe: async () => answers[i++] ?? { status: 0 }, clock: systemClock },
    );
    assert.equal(summary.total, 3);
    assert.deepEqual(
      records.map(({ t: _t, latencyMs: _l, ...rest }) => rest),
      [
        { status: 200, version: "v1" },
        { status: null, error: "connect", detail: "ECONNRESET" },
        { status: 200, version: "v2", retried: true },
      ],
    );
    assert.equal(summary.retried, 1);
  });
});

describe("watcher options and classification", () => {
  it("joins the base URL and the path, keeping a base path", () => {
    assert.equal(versionUrl("http://127.0.0.1:8080", "/version"), "http://127.0.0.1:8080/version");
    assert.equal(versionUrl("http://lb.example/app/", "/version"), "http://lb.example/app/version");
    assert.equal(versionUrl("https://lb.example", "/v"), "https://lb.example/v");
  });

  it("rejects bad options with messages that name them", () => {
    assert.throws(
      () => resolveWatchOptions({ url: "lb.example" }),
      /^RangeError: url is "lb.example"; give an absolute/,
    );
    assert.throws(() => resolveWatchOptions({ url: "ftp://x" }), /only http:\/\/ and https:\/\//);
    assert.throws(
      () => resolveWatchOptions({ url: "http://x", path: "version" }),
      /path is "version"/,
    );
    assert.throws(() => resolveWatchOptions({ url: "http://x", rate: 0 }), /rate is 0/);
    assert.throws(
      () => resolveWatchOptions({ url: "http://x", timeoutMs: 0.5 }),
      /timeout is 0.5 ms/,
    );
    assert.throws(
      () => resolveWatchOptions({ url: "http://x", durationMs: 0 }),
      /duration is 0 ms/,
    );
  });

  it("plans rate × duration requests", () => {
    assert.equal(plannedRequests(50, 60_000), 3_000);
    assert.equal(plannedRequests(3, 1_000), 3);
    assert.equal(plannedRequests(3, 1_001), 4);
    assert.equal(plannedRequests(0.5, 3_000), 2);
    assert.equal(plannedRequests(10, Infinity), Infinity);
  });

  it("classifies answers and socket errors", () => {
    assert.deepEqual(classifyAnswer(200, '{"version":"v9"}'), { status: 200, version: "v9" });
    assert.deepEqual(classifyAnswer(502, "bad gateway"), { status: 502, error: "http_502" });
    assert.equal(classifyAnswer(200, "[]").error, "bad_json");
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    assert.deepEqual(classifyError(refused), { kind: "connect", detail: "ECONNREFUSED" });
    const dns = Object.assign(new Error("getaddrinfo ENOTFOUND x"), { code: "ENOTFOUND" });
    assert.deepEqual(classifyError(dns), { kind: "dns", detail: "ENOTFOUND" });
    assert.deepEqual(classifyError(new Error("odd")), { kind: "other", detail: "odd" });
  });
});
