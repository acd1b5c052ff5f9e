import { strict as assert } from "node:assert";
import { decide } from "../../hooks/core/decide";
import { runLiveCheck } from "../../hooks/core/live-check";
import { probeVersion, type ProbeResult } from "../../hooks/core/probe";
import {
  evaluateTargets,
  toTargetHealthState,
  unreadableTargets,
  type TargetHealth,
} from "../../hooks/core/targets";
import { FakeClock } from "./helpers/fake-clock";
import { scriptedFetch } from "./helpers/fake-fetch";

const healthy = (id: string): TargetHealth => ({ id, port: 8080, state: "healthy" });

describe("hooks/core evaluateTargets", () => {
  it("is healthy when every target is healthy", () => {
    const verdict = evaluateTargets([healthy("10.0.1.1"), healthy("10.0.2.1")]);
    assert.equal(verdict.healthy, true);
    assert.equal(verdict.pending, false);
    assert.equal(verdict.counts.healthy, 2);
    assert.equal(verdict.reason, "all 2 targets are healthy");
  });

  it("is not healthy when there are no targets", () => {
    const verdict = evaluateTargets([]);
    assert.equal(verdict.healthy, false);
    assert.equal(verdict.pending, false);
    assert.match(verdict.reason, /no registered targets/);
  });

  it("names an unhealthy target with its reason code and description", () => {
    const verdict = evaluateTargets([
      healthy("10.0.1.1"),
      {
        id: "10.0.2.7",
        port: 8080,
        state: "unhealthy",
        reason: "Target.FailedHealthChecks",
        description: "Health checks failed",
      },
    ]);
    assert.equal(verdict.healthy, false);
    assert.equal(verdict.pending, false);
    assert.equal(
      verdict.reason,
      "1 of 2 targets is not healthy: 10.0.2.7:8080 unhealthy (Target.FailedHealthChecks: Health checks failed)",
    );
  });

  it("treats draining, unused and unavailable targets as failures, not as pending", () => {
    for (const state of ["draining", "unused", "unavailable"] as const) {
      const verdict = evaluateTargets([healthy("a"), { id: "b", state }]);
      assert.equal(verdict.healthy, false, state);
      assert.equal(verdict.pending, false, state);
      assert.equal(verdict.counts[state], 1);
    }
  });

  it("calls targets that are only still registering (initial) pending", () => {
    const verdict = evaluateTargets([healthy("a"), { id: "b", state: "initial" }]);
    assert.equal(verdict.healthy, false);
    assert.equal(verdict.pending, true);
    const mixed = evaluateTargets([
      { id: "b", state: "initial" },
      { id: "c", state: "unhealthy" },
    ]);
    assert.equal(mixed.pending, false, "an unhealthy target is not worth waiting for");
  });

  it("lists at most five unhealthy targets and counts the rest", () => {
    const many = Array.from({ length: 8 }, (_, i): TargetHealth => ({
      id: `t${i}`,
      state: "unhealthy",
    }));
    const verdict = evaluateTargets(many);
    assert.match(
      verdict.reason,
      /^8 of 8 targets are not healthy: t0 unhealthy; .*t4 unhealthy; and 3 more$/,
    );
  });

  it("reads unknown states from the load balancer as unavailable", () => {
    assert.equal(toTargetHealthState("healthy"), "healthy");
    assert.equal(toTargetHealthState("warming"), "unavailable");
    assert.equal(toTargetHealthState(undefined), "unavailable");
  });
});

async function probeOf(
  versions: string[],
  expected: string,
  consecutive: number,
): Promise<ProbeResult> {
  const clock = new FakeClock();
  const { fetch } = scriptedFetch(
    clock,
    versions.map((version) => ({ version })),
  );
  return probeVersion(
    {
      url: "http://x/version",
      expectedVersion: expected,
      consecutive,
      intervalMs: 10,
      deadlineMs: 10 * versions.length,
    },
    { clock, fetch },
  );
}

describe("hooks/core decide", () => {
  it("fails the version check when the probe is not live, whatever the targets say", async () => {
    const probe = await probeOf(["1", "1", "1"], "2", 2);
    const verdict = decide(probe, evaluateTargets([healthy("a")]));
    assert.equal(verdict.live, false);
    assert.equal(verdict.failedCheck, "version");
    assert.match(verdict.summary, /^version check failed: /);
  });

  it("fails the targets check when the version is live but a target is not healthy", async () => {
    const probe = await probeOf(["2", "2"], "2", 2);
    const verdict = decide(probe, evaluateTargets([healthy("a"), { id: "b", state: "unhealthy" }]));
    assert.deepEqual(verdict, {
      live: false,
      failedCheck: "targets",
      summary: "targets check failed: 1 of 2 targets is not healthy: b unhealthy",
    });
  });

  it("is live when both checks pass, and without a targets check when there is none", async () => {
    const probe = await probeOf(["2", "2"], "2", 2);
    assert.deepEqual(decide(probe, evaluateTargets([healthy("a")])), {
      live: true,
      summary: "version 2 answered 2 times in a row; the 1 target is healthy",
    });
    assert.deepEqual(decide(probe), { live: true, summary: "version 2 answered 2 times in a row" });
  });

  it("fails the targets check when target health cannot be read", async () => {
    const probe = await probeOf(["2"], "2", 1);
    const verdict = decide(probe, unreadableTargets("AccessDenied"));
    assert.equal(verdict.failedCheck, "targets");
    assert.match(verdict.summary, /could not be read: AccessDenied/);
  });
});

describe("hooks/core runLiveCheck", () => {
  it("asks for target health again while targets are still initial, until they are healthy", async () => {
    const clock = new FakeClock();
    const { fetch } = scriptedFetch(clock, [{ version: "2" }]);
    const answers: TargetHealth[][] = [
      [{ id: "a", state: "initial" }],
      [{ id: "a", state: "initial" }],
      [healthy("a")],
    ];
    let reads = 0;
    const outcome = await runLiveCheck(
      {
        versionUrl: "http://x/version",
        expectedVersion: "2",
        probe: { consecutive: 2, intervalMs: 100 },
        readTargets: () => Promise.resolve(answers[reads++] ?? []),
      },
      { clock, fetch },
    );
    assert.equal(reads, 3);
    assert.equal(outcome.verdict.live, true);
    assert.equal(outcome.targets?.healthy, true);
  });

  it("does not read target health when the version is not live", async () => {
    const clock = new FakeClock();
    const { fetch } = scriptedFetch(clock, [{ version: "1" }]);
    let reads = 0;
    const outcome = await runLiveCheck(
      {
        versionUrl: "http://x/version",
        expectedVersion: "2",
        probe: { consecutive: 2, intervalMs: 100, deadlineMs: 1000 },
        readTargets: () => {
          reads += 1;
          return Promise.resolve([healthy("a")]);
        },
      },
      { clock, fetch },
    );
    assert.equal(reads, 0);
    assert.equal(outcome.verdict.failedCheck, "version");
    assert.equal(outcome.targets, undefined);
  });

  it("turns an error reading target health into a failed targets check", async () => {
    const clock = new FakeClock();
    const { fetch } = scriptedFetch(clock, [{ version: "2" }]);
    const outcome = await runLiveCheck(
      {
        versionUrl: "http://x/version",
        expectedVersion: "2",
        probe: { consecutive: 1 },
        readTargets: () =>
          Promise.reject(new Error("User is not authorized to perform: DescribeTargetHealth")),
      },
      { clock, fetch },
    );
    assert.equal(outcome.verdict.live, false);
    assert.equal(outcome.verdict.failedCheck, "targets");
    assert.match(outcome.verdict.summary, /not authorized/);
  });

  it("stops waiting for initial targets at the deadline", async () => {
    const clock = new FakeClock();
    const { fetch } = scriptedFetch(clock, [{ version: "2" }]);
    const start = clock.now();
    let reads = 0;
    const outcome = await runLiveCheck(
      {
        versionUrl: "http://x/version",
        expectedVersion: "2",
        probe: { consecutive: 1, intervalMs: 100 },
        stopBy: start + 1000,
        readTargets: () => {
          reads += 1;
          return Promise.resolve([{ id: "a", state: "initial" }]);
        },
      },
      { clock, fetch },
    );
    assert.equal(outcome.verdict.failedCheck, "targets");
    assert.ok(clock.now() - start <= 1000);
    assert.equal(reads, 10);
  });
});
