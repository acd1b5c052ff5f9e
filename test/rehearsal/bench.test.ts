import * as assert from "node:assert/strict";

import { rehearsalBenchFigures } from "../../bench/rehearsal";
import { DEFAULT_CHECK } from "../../tools/rehearsal/haproxy-config";
import type { RehearsalResult, ScenarioResult } from "../../tools/rehearsal/run";
import type { LoadSummary } from "../../tools/rehearsal/load";
import { loadSummary } from "./fixtures";
import { summarise } from "../../tools/watcher/summary";

const load = loadSummary;

function rehearsal(figures: LoadSummary, watcherTimeouts = 0): RehearsalResult {
  const summary = summarise([
    { t: 1000, status: 200, latencyMs: 2, version: "v0.0.1" },
    { t: 1010, status: 200, latencyMs: 2, version: "v0.0.2" },
    ...Array.from({ length: watcherTimeouts }, (_, i) => ({
      t: 1020 + i,
      status: null,
      latencyMs: 10_000,
      error: "timeout" as const,
    })),
  ]);
  const cutover = {
    name: "cutover",
    summary,
    latency: {
      steady: { count: 900, p50: 3, p99: 10 },
      cutover: { count: 200, p50: 3, p99: 150 },
    },
    flipToNoticeMs: 480,
  } as unknown as ScenarioResult;
  const failed = summary.failed + figures.non2xx + figures.errors + figures.timeouts;
  return {
    stack: "dev",
    environment: "dev",
    service: "web",
    shifting: "AllAtOnce: 100 % at once",
    haproxy: "HAProxy 2.6.12",
    scenarios: [cutover],
    notRun: [],
    check: DEFAULT_CHECK,
    load: figures,
    timeline: [],
    requests: 126_000,
    failed,
    wallMs: 30_000,
    problems: failed === 0 ? [] : ["failed"],
    ok: failed === 0,
  };
}

describe("rehearsal bench figures", () => {
  it("reports the achieved rate, failures, p50/p99 and CPU of a run under load", () => {
    const figures = rehearsalBenchFigures(rehearsal(load({})));
    assert.deepEqual(
      {
        connections: figures.connections,
        achievedRps: figures.achievedRps,
        failed: figures.failed,
        p50Ms: figures.p50Ms,
        p99Ms: figures.p99Ms,
        cpu: figures.cpuBusyPercent,
        watcherP99: figures.watcherP99,
        flipToNoticeMs: figures.flipToNoticeMs,
        ok: figures.ok,
      },
      {
        connections: 64,
        achievedRps: 3000,
        failed: 0,
        p50Ms: 12,
        p99Ms: 40,
        cpu: 60,
        watcherP99: { steadyMs: 10, cutoverMs: 150 },
        flipToNoticeMs: 480,
        ok: true,
      },
    );
  });

  it("holds no target on the p99 ratio: a 15× cutover p99 with no failure still passes", () => {
    assert.equal(rehearsalBenchFigures(rehearsal(load({}))).ok, true);
  });

  it("fails on any failed request, telling the deployment's from the machine's", () => {
    const figures = rehearsalBenchFigures(rehearsal(load({ non2xx: 3, timeouts: 2 }), 4));
    assert.equal(figures.ok, false);
    assert.equal(figures.failed, 9);
    assert.equal(figures.deploymentFailed, 3);
    assert.equal(figures.timedOut, 6);
  });
});
