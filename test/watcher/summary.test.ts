import * as assert from "node:assert/strict";

import { formatSummary } from "../../tools/watcher/format";
import {
  judge,
  percentile,
  summarise,
  type WatchRecord,
  type WatchSummary,
} from "../../tools/watcher/summary";

const T0 = Date.parse("2026-01-02T03:04:05.000Z");

/** A successful record `offset` ms after T0. */
function ok(offset: number, version: string, latencyMs = 1): WatchRecord {
  return { t: T0 + offset, status: 200, latencyMs, version };
}

function failed(offset: number, error: WatchRecord["error"], status: number | null): WatchRecord {
  return { t: T0 + offset, status, latencyMs: 5, ...(error === undefined ? {} : { error }) };
}

describe("watcher summarise", () => {
  it("computes nearest-rank percentiles", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual(
      [50, 90, 99, 100].map((p) => percentile(sorted, p)),
      [50, 90, 99, 100],
    );
    assert.equal(percentile([7], 50), 7);
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it("reports p50, p90, p99 and max over every request that got a response", () => {
    const records: WatchRecord[] = Array.from({ length: 200 }, (_, i) =>
      ok(i * 10, "v1", (i % 100) + 1),
    );
    records.push({ ...failed(2_000, "http_502", 502), latencyMs: 500 });
    records.push({ ...failed(2_010, "timeout", null), latencyMs: 1_000 });
    assert.deepEqual(summarise(records).latency, {
      count: 201,
      p50: 51,
      p90: 91,
      p99: 100,
      max: 500,
    });
  });

  it("counts requests, failures by kind (most frequent first) and retries", () => {
    const summary = summarise([
      ok(0, "v1"),
      failed(10, "http_500", 500),
      failed(20, "connect", null),
      failed(30, "http_500", 500),
      failed(40, "bad_json", 200),
      { ...ok(50, "v1"), retried: true },
    ]);
    assert.equal(summary.total, 6);
    assert.equal(summary.ok, 2);
    assert.equal(summary.failed, 4);
    assert.equal(summary.retried, 1);
    assert.deepEqual(Object.entries(summary.failures), [
      ["http_500", 2],
      ["connect", 1],
      ["bad_json", 1],
    ]);
  });

  it("finds the flip: first new, last old, the overlap and the interleaved old answers", () => {
    // Records arrive in completion order; times are request starts.
    const summary = summarise([
      ok(0, "v1"),
      ok(100, "v1"),
      ok(300, "v1"),
      ok(200, "v2"),
      ok(250, "v1"),
      ok(400, "v2"),
      ok(500, "v2"),
    ]);
    assert.deepEqual(summary.versions, [
      { version: "v1", count: 4, firstAt: T0, lastAt: T0 + 300 },
      { version: "v2", count: 3, firstAt: T0 + 200, lastAt: T0 + 500 },
    ]);
    assert.deepEqual(summary.flip, {
      from: "v1",
      to: "v2",
      firstNewAt: T0 + 200,
      lastOldAt: T0 + 300,
      overlapMs: 100,
      oldAfterNew: 2,
    });
    assert.equal(summary.finalVersion, "v2");
    assert.equal(summary.flipped, true);
    assert.equal(summary.firstAt, T0);
    assert.equal(summary.lastAt, T0 + 500);
  });

  it("reports a clean flip with zero overlap", () => {
    const summary = summarise([ok(0, "v1"), ok(10, "v1"), ok(20, "v2"), ok(30, "v2")]);
    assert.equal(summary.flip?.overlapMs, 0);
    assert.equal(summary.flip?.oldAfterNew, 0);
    assert.equal(summary.flip?.lastOldAt, T0 + 10);
    assert.equal(summary.flip?.firstNewAt, T0 + 20);
  });

  it("reports each transition when more than two versions answer", () => {
    const summary = summarise([
      ok(0, "v1"),
      ok(10, "v2"),
      ok(20, "v1"),
      ok(30, "v3"),
      ok(40, "v2"),
    ]);
    assert.deepEqual(
      summary.transitions.map((t) => [t.from, t.to, t.overlapMs, t.oldAfterNew]),
      [
        ["v1", "v2", 10, 1],
        ["v2", "v3", 10, 1],
      ],
    );
    assert.equal(summary.finalVersion, "v2");
    assert.equal(summary.flipped, true);
  });

  it("does not call a rollback to the first version a flip", () => {
    const summary = summarise([ok(0, "v1"), ok(10, "v2"), ok(20, "v1")]);
    assert.equal(summary.transitions.length, 1);
    assert.equal(summary.flipped, false);
    assert.deepEqual(judge(summary, { expectFlip: true }).problems, [
      "expected a version flip, but the last answer was the first version again (v1, v2)",
    ]);
  });

  it("summarises nothing as nothing", () => {
    const summary = summarise([]);
    assert.deepEqual(
      { total: summary.total, versions: summary.versions, latency: summary.latency },
      { total: 0, versions: [], latency: undefined },
    );
    assert.deepEqual(judge(summary).problems, ["no request was made"]);
  });

  it("judges: failures fail the run, and --expect-flip needs a flip", () => {
    const steady = summarise([ok(0, "v1"), ok(10, "v1")]);
    assert.deepEqual(judge(steady), { ok: true, problems: [] });
    assert.deepEqual(judge(steady, { expectFlip: true }).problems, [
      "expected a version flip, but only v1 was seen",
    ]);
    const flipped = summarise([ok(0, "v1"), ok(10, "v2")]);
    assert.equal(judge(flipped, { expectFlip: true }).ok, true);
    const broken = summarise([ok(0, "v1"), failed(10, "timeout", null), ok(20, "v2")]);
    assert.deepEqual(judge(broken, { expectFlip: true }).problems, ["1 of 3 requests failed"]);
  });
});

describe("watcher formatSummary", () => {
  it("renders the run, requests, versions, flip, latency and result", () => {
    const summary: WatchSummary = {
      ...summarise([
        ok(0, "v1", 1),
        ok(200, "v2", 2),
        ok(300, "v1", 3),
        failed(350, "http_502", 502),
        ok(400, "v2", 4),
      ]),
      run: { url: "http://lb/version", rate: 10, plannedMs: 500, stopped: false },
    };
    assert.equal(
      formatSummary(summary, { expectFlip: true }),
      [
        "Watched    http://lb/version at 10/s for 500 ms",
        "Requests   5 in 400 ms: 4 ok, 1 failed (http_502 1)",
        "Versions   v1 ×2 (03:04:05.000Z – 03:04:05.300Z), v2 ×2 (03:04:05.200Z – 03:04:05.400Z)",
        "Flip       v1 → v2: first v2 at 03:04:05.200Z, last v1 at 03:04:05.300Z, overlap 100 ms (1 v1 answer after the first v2)",
        "Latency    p50 3 ms, p90 5 ms, p99 5 ms, max 5 ms (5 answers)",
        "Result     FAILED: 1 of 5 requests failed",
        "",
      ].join("\n"),
    );
  });

  it("says when nothing flipped and when the run passed", () => {
    const text = formatSummary(summarise([ok(0, "v1", 0.42), ok(20, "v1", 0.5)]));
    assert.match(text, /^Flip {7}none: every answer was v1$/m);
    assert.match(text, /^Latency {4}p50 0\.4 ms, /m);
    assert.match(text, /^Result {5}OK: no failed requests; ended on v1$/m);
  });
});
