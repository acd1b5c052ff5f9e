import * as assert from "node:assert/strict";

import { predefinedShifting } from "../../components/config";
import {
  describeEcsStrategy,
  describeShifting,
  ecsStrategy,
  ecsTrafficPlan,
  ENGINES,
  isEngine,
  MAX_WEIGHT,
  planDurationMs,
  trafficPlan,
  weightsFor,
} from "../../tools/rehearsal/plan";

describe("rehearsal traffic plan", () => {
  it("moves everything at once for AllAtOnce (dev)", () => {
    assert.deepEqual(trafficPlan(predefinedShifting("AllAtOnce"), 1000), [
      { atMs: 0, greenWeightPercent: 100 },
    ]);
  });

  it("sends the canary share first and the rest one interval later (prod's Canary10Percent5Minutes)", () => {
    assert.deepEqual(trafficPlan(predefinedShifting("Canary10Percent5Minutes"), 1000), [
      { atMs: 0, greenWeightPercent: 10 },
      { atMs: 5000, greenWeightPercent: 100 },
    ]);
  });

  it("adds the percentage every interval for a linear shift (staging's Linear10PercentEvery1Minutes)", () => {
    const steps = trafficPlan(predefinedShifting("Linear10PercentEvery1Minutes"), 200);
    assert.equal(steps.length, 10);
    assert.deepEqual(
      steps.map((step) => step.greenWeightPercent),
      [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
    );
    assert.deepEqual(
      steps.map((step) => step.atMs),
      [0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800],
    );
    assert.equal(planDurationMs(steps), 1800);
  });

  it("caps the last linear step at 100 % when the percentage does not divide 100", () => {
    const steps = trafficPlan({ type: "Linear", percent: 30, intervalMinutes: 3 }, 100);
    assert.deepEqual(steps, [
      { atMs: 0, greenWeightPercent: 30 },
      { atMs: 300, greenWeightPercent: 60 },
      { atMs: 600, greenWeightPercent: 90 },
      { atMs: 900, greenWeightPercent: 100 },
    ]);
  });

  it("collapses the schedule to one moment with a zero-length minute", () => {
    const steps = trafficPlan(predefinedShifting("Canary10Percent15Minutes"), 0);
    assert.deepEqual(
      steps.map((step) => step.atMs),
      [0, 0],
    );
  });

  it("fails on a negative minute or an out-of-range percentage", () => {
    assert.throws(
      () => trafficPlan(predefinedShifting("AllAtOnce"), -1),
      /minute-ms is -1; give a number of milliseconds of at least 0/,
    );
    assert.throws(
      () => trafficPlan({ type: "Canary", percent: 100, intervalMinutes: 1 }, 1000),
      /percent is 100; it must be 1 to 99/,
    );
  });

  it("turns a share into HAProxy weights that add up to 256", () => {
    assert.deepEqual(weightsFor(100), { blue: 0, green: MAX_WEIGHT });
    assert.deepEqual(weightsFor(0), { blue: MAX_WEIGHT, green: 0 });
    assert.deepEqual(weightsFor(10), { blue: 230, green: 26 });
  });

  it("describes each kind of shift with its shortened interval", () => {
    assert.equal(
      describeShifting(predefinedShifting("AllAtOnce"), 1000),
      "AllAtOnce: 100 % at once",
    );
    assert.equal(
      describeShifting(predefinedShifting("Canary10Percent5Minutes"), 1000),
      "Canary10Percent5Minutes: 10 %, the rest after 5 min (5000 ms here)",
    );
    assert.equal(
      describeShifting({ type: "Linear", percent: 25, intervalMinutes: 2 }, 500),
      "Linear: +25 % every 2 min (1000 ms here)",
    );
  });
});

describe("rehearsal traffic plan, Amazon ECS engine", () => {
  it("maps each stack's traffic shifting and termination wait onto an ECS strategy and bake time", () => {
    assert.deepEqual(ecsStrategy(predefinedShifting("AllAtOnce"), 0), {
      strategy: "BLUE_GREEN",
      bakeTimeInMinutes: 0,
    });
    assert.deepEqual(ecsStrategy(predefinedShifting("Linear10PercentEvery1Minutes"), 15), {
      strategy: "LINEAR",
      stepPercent: 10,
      stepBakeTimeInMinutes: 1,
      bakeTimeInMinutes: 15,
    });
    assert.deepEqual(ecsStrategy(predefinedShifting("Canary10Percent5Minutes"), 60), {
      strategy: "CANARY",
      canaryPercent: 10,
      canaryBakeTimeInMinutes: 5,
      bakeTimeInMinutes: 60,
    });
  });

  it("shifts production weights as Amazon ECS does for each strategy, minutes shortened", () => {
    assert.deepEqual(ecsTrafficPlan({ strategy: "BLUE_GREEN", bakeTimeInMinutes: 5 }, 1000), [
      { atMs: 0, greenWeightPercent: 100 },
    ]);
    assert.deepEqual(
      ecsTrafficPlan(
        {
          strategy: "CANARY",
          canaryPercent: 10,
          canaryBakeTimeInMinutes: 5,
          bakeTimeInMinutes: 60,
        },
        1000,
      ),
      [
        { atMs: 0, greenWeightPercent: 10 },
        { atMs: 5000, greenWeightPercent: 100 },
      ],
    );
    const linear = ecsTrafficPlan(
      { strategy: "LINEAR", stepPercent: 30, stepBakeTimeInMinutes: 2, bakeTimeInMinutes: 0 },
      100,
    );
    assert.deepEqual(
      linear.map((step) => [step.atMs, step.greenWeightPercent]),
      [
        [0, 30],
        [200, 60],
        [400, 90],
        [600, 100],
      ],
    );
    assert.equal(
      describeEcsStrategy(ecsStrategy(predefinedShifting("Canary10Percent5Minutes"), 60), 1000),
      "CANARY: 10 %, the rest after 5 min (5000 ms here); bake 60 min (60000 ms here)",
    );
  });

  it("refuses what Amazon ECS refuses: a bake over 1440 minutes, a linear step under 3 %", () => {
    assert.throws(
      () => ecsStrategy(predefinedShifting("AllAtOnce"), 2880),
      /deployment\.terminationWaitMinutes is 2880; Amazon ECS bakes 0 to 1440 minutes/,
    );
    assert.throws(
      () => ecsStrategy({ type: "Linear", percent: 2, intervalMinutes: 1 }, 0),
      /moves 2 % a step; Amazon ECS linear steps are 3 to 100 %/,
    );
    assert.throws(
      () => ecsStrategy({ type: "Canary", percent: 10, intervalMinutes: 2000 }, 0),
      /waits 2000 minutes between steps; Amazon ECS waits at most 1440/,
    );
  });

  it("names the two engines", () => {
    assert.deepEqual(ENGINES, ["codedeploy", "ecs"]);
    assert.equal(isEngine("ecs"), true);
    assert.equal(isEngine("ECS"), false);
  });
});
