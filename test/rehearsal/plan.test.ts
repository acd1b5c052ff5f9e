import * as assert from "node:assert/strict";

import { predefinedShifting } from "../../components/config";
import {
  describeShifting,
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
