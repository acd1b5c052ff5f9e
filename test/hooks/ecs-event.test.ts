import { strict as assert } from "node:assert";
import {
  CHECK_STATE_KEY,
  checkStateDetails,
  isEcsArn,
  parseServiceArn,
  readCheckState,
  readEcsHookEvent,
  serviceDeploymentId,
} from "../../hooks/ecs/event";
import { verdictOf } from "../../hooks/ecs/hook";
import type { LiveCheckOutcome } from "../../hooks/core/live-check";
import {
  DEPLOYMENT_ARN,
  DEPLOYMENT_ID,
  ecsEvent,
  GREEN_REVISION,
  SERVICE_ARN,
} from "./helpers/ecs-scenario";

describe("hooks/ecs event", () => {
  it("reads the documented POST_PRODUCTION_TRAFFIC_SHIFT event", () => {
    const read = readEcsHookEvent(ecsEvent(undefined, { hookDetails: { configured: "x" } }));
    assert.ok("invocation" in read);
    assert.deepEqual(read.invocation, {
      executionId: "5f40ed04-7e54-437d-b95d-98bc872fec49",
      stage: "POST_PRODUCTION_TRAFFIC_SHIFT",
      serviceDeploymentArn: DEPLOYMENT_ARN,
      serviceArn: SERVICE_ARN,
      targetServiceRevisionArn: GREEN_REVISION,
      hookDetails: { configured: "x" },
    });
  });

  it("names every missing or wrong field of a malformed event", () => {
    const read = readEcsHookEvent({
      executionId: " ",
      lifecycleStage: 7,
      resourceArn: "arn:aws:ecs:eu-west-1:1:service/shop/checkout",
      executionDetails: { serviceArn: "arn:aws:lambda:eu-west-1:1:function:x" },
    });
    assert.ok("problems" in read);
    assert.deepEqual(read.problems, [
      "executionId is missing or not a string",
      "lifecycleStage is missing or not a string",
      "resourceArn is not an Amazon ECS service-deployment ARN",
      "executionDetails.serviceArn is not an Amazon ECS service ARN",
      "executionDetails.targetServiceRevisionArn is missing or not a string",
    ]);
    assert.deepEqual(readEcsHookEvent([]), { problems: ["the event is not a JSON object"] });
    assert.deepEqual(readEcsHookEvent("POST_PRODUCTION_TRAFFIC_SHIFT"), {
      problems: ["the event is not a JSON object"],
    });
  });

  it("treats hookDetails that is not an object as empty", () => {
    const read = readEcsHookEvent({ ...ecsEvent(), hookDetails: ["x"] });
    assert.ok("invocation" in read);
    assert.deepEqual(read.invocation.hookDetails, {});
  });

  it("splits long-format service ARNs and refuses the short format, which names no cluster", () => {
    assert.deepEqual(parseServiceArn(SERVICE_ARN), {
      partition: "aws",
      region: "eu-west-1",
      account: "123456789012",
      cluster: "shop",
      service: "checkout",
    });
    assert.equal(parseServiceArn("arn:aws:ecs:eu-west-1:123456789012:service/checkout"), undefined);
    assert.equal(parseServiceArn("arn:aws:ecs:eu-west-1:123456789012:service/a/b/c"), undefined);
    assert.equal(isEcsArn(GREEN_REVISION, "service-revision"), true);
    assert.equal(isEcsArn(GREEN_REVISION, "service"), false);
    assert.equal(serviceDeploymentId(DEPLOYMENT_ARN), DEPLOYMENT_ID);
  });

  it("round-trips the check state and distrusts a state from the future or with bad counts", () => {
    const now = Date.UTC(2026, 11, 1, 8, 0, 0);
    const state = { startedAt: now - 5000, invocations: 2, attempts: 40, bestStreak: 2 };
    assert.deepEqual(readCheckState(checkStateDetails(state), now), state);
    assert.equal(readCheckState({}, now), undefined);
    assert.equal(readCheckState({ [CHECK_STATE_KEY]: "x" }, now), undefined);
    for (const bad of [
      { ...state, startedAt: now + 1 },
      { ...state, attempts: -1 },
      { ...state, invocations: 1.5 },
      { ...state, bestStreak: "2" },
    ]) {
      assert.equal(readCheckState({ [CHECK_STATE_KEY]: bad }, now), undefined, JSON.stringify(bad));
    }
  });
});

describe("hooks/ecs verdictOf", () => {
  const outcome = (live: boolean, targets?: { pending: boolean }): LiveCheckOutcome =>
    ({
      verdict: { live, summary: "" },
      probe: {},
      ...(targets === undefined ? {} : { targets: { healthy: live, ...targets } }),
    }) as unknown as LiveCheckOutcome;

  it("succeeds when live, fails at once on unhealthy targets or unresolvable data", () => {
    assert.equal(verdictOf(outcome(true, { pending: false }), undefined, true), "SUCCEEDED");
    assert.equal(verdictOf(outcome(false, { pending: false }), undefined, true), "FAILED");
    assert.equal(verdictOf(undefined, { retryable: false }, true), "FAILED");
  });

  it("asks to be called again while there is time, for pending targets, an unfinished probe or an outage", () => {
    for (const found of [outcome(false, { pending: true }), outcome(false)]) {
      assert.equal(verdictOf(found, undefined, true), "IN_PROGRESS");
      assert.equal(verdictOf(found, undefined, false), "FAILED");
    }
    assert.equal(verdictOf(undefined, { retryable: true }, true), "IN_PROGRESS");
    assert.equal(verdictOf(undefined, { retryable: true }, false), "FAILED");
  });
});
