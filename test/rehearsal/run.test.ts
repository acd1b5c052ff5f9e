import * as assert from "node:assert/strict";

import { weightChanges } from "../../tools/rehearsal/plan";
import { listeningPort } from "../../tools/rehearsal/processes";
import {
  buildEnvironment,
  buildFor,
  scenarioProblems,
  windowLatency,
  type ScenarioResult,
} from "../../tools/rehearsal/run";
import { loadStackSettings } from "../../tools/rehearsal/stack";
import { summarise, type WatchRecord } from "../../tools/watcher/summary";

const dev = loadStackSettings("dev");
const prod = loadStackSettings("prod");

function records(versions: readonly string[], start = 1000): WatchRecord[] {
  return versions.map((version, i) => ({ t: start + i * 10, status: 200, latencyMs: 2, version }));
}

function scenario(overrides: Partial<ScenarioResult>): ScenarioResult {
  return {
    name: "cutover",
    fromVersion: "v0.0.1",
    toVersion: "v0.0.2",
    answeredVersion: "v0.0.2",
    replacementSlot: "green",
    expectLive: true,
    verdict: { live: true, summary: "version v0.0.2 answered 3 times in a row" },
    liveCheckMs: 400,
    steps: [{ atMs: 0, greenWeightPercent: 100 }],
    summary: summarise(records(["v0.0.1", "v0.0.1", "v0.0.2", "v0.0.2"])),
    latency: { steady: { count: 2, p50: 2, p99: 2 }, cutover: { count: 2, p50: 2, p99: 2 } },
    notice: {
      receivedAt: 2000,
      text: "✅ web v0.0.2 is live in dev (development @ 0025ea1)",
      blockTypes: ["header", "section"],
      headline: "✅ web v0.0.2 is live in dev",
    },
    slack: { ok: true, attempts: 1, status: 200 },
    haproxyRetries: 0,
    stoppedExit: { code: 0, afterMs: 20 },
    problems: [],
    ok: true,
    ...overrides,
  };
}

describe("rehearsal scenario runner (pure parts)", () => {
  it("reads the port of app-sample's listening line", () => {
    assert.equal(
      listeningPort('{"time":"t","level":"info","msg":"listening","port":41343}'),
      41343,
    );
    assert.equal(listeningPort('{"msg":"shutdown started"}'), undefined);
    assert.equal(listeningPort("not json"), undefined);
  });

  it("names builds by branch in dev and by tag in prod, as the pipeline does", () => {
    assert.deepEqual(buildFor("v0.0.2", dev), {
      version: "v0.0.2",
      commit: "0025ea1c0de5ea1c0de5ea1c0de5ea1c0de5ea1c",
      ref: "development",
      refType: "branch",
      commitMessage: "Rehearsal build v0.0.2",
      author: "Greenlight rehearsal",
    });
    assert.equal(buildFor("v0.0.2", prod).ref, "v0.0.2");
    assert.equal(buildFor("v0.0.2", prod).refType, "tag");
  });

  it("gives a build its GREENLIGHT_* environment; a build without metadata gets only the stack's", () => {
    const env = buildEnvironment(buildFor("v0.0.2", dev), dev);
    assert.equal(env.GREENLIGHT_VERSION, "v0.0.2");
    assert.equal(env.GREENLIGHT_REF, "development");
    assert.equal(env.GREENLIGHT_SERVICE, "web");
    assert.equal(env.GREENLIGHT_ENVIRONMENT, "dev");
    assert.deepEqual(buildEnvironment(undefined, dev), {
      GREENLIGHT_SERVICE: "web",
      GREENLIGHT_ENVIRONMENT: "dev",
      GREENLIGHT_VERSION_PATH: "/version",
    });
  });

  it("measures latency percentiles of answered requests in a window", () => {
    const list: WatchRecord[] = [
      ...Array.from({ length: 99 }, (_, i) => ({ t: 100 + i, status: 200, latencyMs: 1 })),
      { t: 199, status: 200, latencyMs: 50 },
      { t: 150, status: null, latencyMs: 2000, error: "timeout" },
      { t: 500, status: 200, latencyMs: 900 },
    ];
    assert.deepEqual(windowLatency(list, 100, 200), { count: 100, p50: 1, p99: 1 });
    assert.deepEqual(windowLatency(list, 199, 600), { count: 2, p50: 50, p99: 900 });
    assert.equal(windowLatency(list, 0, 50).count, 0);
  });

  it("raises the receiving side before lowering the other, so no moment has both at 0", () => {
    assert.deepEqual(weightChanges(100), [
      { role: "replacement", weight: 256 },
      { role: "original", weight: 0 },
    ]);
    assert.deepEqual(weightChanges(0), [
      { role: "original", weight: 256 },
      { role: "replacement", weight: 0 },
    ]);
    assert.deepEqual(weightChanges(10), [
      { role: "original", weight: 230 },
      { role: "replacement", weight: 26 },
    ]);
  });

  it("passes a cutover with no failure, the flip, a live verdict and the live notice", () => {
    assert.deepEqual(scenarioProblems(scenario({}), dev), []);
  });

  it("reports failed requests, a missing flip, a wrong verdict and a missing notice", () => {
    const failed = summarise([
      ...records(["v0.0.1", "v0.0.1"]),
      { t: 5000, status: 502, latencyMs: 1, error: "http_502" },
    ]);
    const problems = scenarioProblems(
      scenario({
        summary: failed,
        verdict: { live: false, failedCheck: "version", summary: "version check failed" },
        stoppedExit: { code: 1, afterMs: 5000 },
      }),
      dev,
    );
    const { notice: _omitted, ...withoutNotice } = scenario({});
    void _omitted;
    assert.deepEqual(problems, [
      '1 of 3 requests failed ({"http_502":1})',
      "the live check said not live; expected live (version check failed)",
      "expected the watcher to see v0.0.1 then v0.0.2; it saw v0.0.1 (last v0.0.1)",
      "the stopped process exited with 1, not 0",
    ]);
    assert.deepEqual(scenarioProblems(withoutNotice, dev), ["the webhook receiver got no notice"]);
  });

  it("passes a rollback only when traffic ended on the original version and the failure was notified", () => {
    const rolledBack = scenario({
      name: "rollback",
      fromVersion: "v0.0.2",
      toVersion: "v0.0.3",
      answeredVersion: "0.0.0-dev",
      expectLive: false,
      verdict: { live: false, failedCheck: "version", summary: "version check failed" },
      summary: summarise(records(["v0.0.2", "0.0.0-dev", "v0.0.2"])),
      notice: {
        receivedAt: 3000,
        text: "❌ web v0.0.3 failed the live check in dev (version check).",
        blockTypes: ["header"],
      },
    });
    assert.deepEqual(scenarioProblems(rolledBack, dev), []);
    const stuck = { ...rolledBack, summary: summarise(records(["v0.0.2", "0.0.0-dev"])) };
    assert.deepEqual(scenarioProblems(stuck, dev), [
      "expected traffic back on v0.0.2; the last answer was 0.0.0-dev",
    ]);
    const wrongNotice = {
      ...rolledBack,
      notice: { receivedAt: 1, text: "✅ web v0.0.3 is live in dev", blockTypes: [] },
    };
    assert.deepEqual(scenarioProblems(wrongNotice, dev), [
      'the notice does not say "failed the live check": ✅ web v0.0.3 is live in dev',
      "the notice has no Block Kit blocks",
    ]);
  });
});
