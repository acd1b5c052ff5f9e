import * as assert from "node:assert/strict";

import { rehearsalBenchFigures } from "../../bench/rehearsal";
import type { RehearsalResult, ScenarioResult } from "../../tools/rehearsal/run";
import { summarise } from "../../tools/watcher/summary";

function rehearsal(steadyP99: number, cutoverP99: number): RehearsalResult {
  const summary = summarise([
    { t: 1000, status: 200, latencyMs: 2, version: "v0.0.1" },
    { t: 1010, status: 200, latencyMs: 2, version: "v0.0.2" },
  ]);
  const cutover = {
    name: "cutover",
    summary,
    latency: {
      steady: { count: 900, p50: 3, p99: steadyP99 },
      cutover: { count: 200, p50: 3, p99: cutoverP99 },
    },
    flipToNoticeMs: 480,
  } as unknown as ScenarioResult;
  return {
    stack: "dev",
    environment: "dev",
    service: "web",
    shifting: "AllAtOnce: 100 % at once",
    haproxy: "HAProxy 2.6.12",
    scenarios: [cutover],
    timeline: [],
    requests: 6000,
    failed: 0,
    wallMs: 30_000,
    problems: [],
    ok: true,
  };
}

describe("rehearsal bench figures", () => {
  it("compares the cutover's p99 with the steady state's and reports flip → notice", () => {
    const figures = rehearsalBenchFigures(rehearsal(10, 15), 150);
    assert.deepEqual(
      {
        steady: figures.steady,
        cutover: figures.cutover,
        ratio: figures.p99Ratio,
        ok: figures.ok,
        flipToNoticeMs: figures.flipToNoticeMs,
        flipOverlapMs: figures.flipOverlapMs,
      },
      {
        steady: { p99Ms: 10, count: 900 },
        cutover: { p99Ms: 15, count: 200 },
        ratio: 1.5,
        ok: true,
        flipToNoticeMs: 480,
        flipOverlapMs: 0,
      },
    );
  });

  it("fails the target when the cutover's p99 is more than twice the steady state's", () => {
    const figures = rehearsalBenchFigures(rehearsal(10, 25), 150);
    assert.equal(figures.p99Ratio, 2.5);
    assert.equal(figures.ok, false);
    assert.equal(figures.rehearsalOk, true);
  });
});
