import { strict as assert } from "node:assert";
import { HookEnv, HookSettingsError } from "../../hooks/codedeploy/settings";
import {
  clusterNameOf,
  EcsHookDefaults,
  EcsHookEnv,
  isOwnService,
  parseEcsHookSettings,
} from "../../hooks/ecs/settings";
import { HOOK_INVOKER_PRINCIPAL, hookStages } from "../../hooks/ecs/contract";
import { CLUSTER_ARN, SERVICE_ARN } from "./helpers/ecs-scenario";

const BASE = { [EcsHookEnv.clusterArn]: CLUSTER_ARN };

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    parseEcsHookSettings(env);
  } catch (error) {
    assert.ok(error instanceof HookSettingsError);
    return error.problems;
  }
  assert.fail("the settings were accepted");
}

describe("hooks/ecs settings", () => {
  it("applies the defaults on top of the live check's own settings", () => {
    const settings = parseEcsHookSettings({ ...BASE, [HookEnv.environment]: "prod" });
    assert.equal(settings.clusterArn, CLUSTER_ARN);
    assert.equal(settings.environment, "prod");
    assert.equal(settings.callBackDelaySeconds, EcsHookDefaults.callBackDelaySeconds);
    assert.equal(settings.invocationBudgetMs, 120_000);
    assert.equal(settings.markerRetentionHours, 48);
    assert.equal(settings.serviceNames, undefined);
    assert.equal(settings.probe.consecutive, 5);
  });

  it("reads the service names, trimmed, and the numbers", () => {
    const settings = parseEcsHookSettings({
      ...BASE,
      [EcsHookEnv.serviceNames]: " checkout, cart ,,",
      [EcsHookEnv.callBackDelaySeconds]: "45",
      [EcsHookEnv.invocationBudgetMs]: "60000",
      [EcsHookEnv.markerRetentionHours]: "6",
    });
    assert.deepEqual(settings.serviceNames, ["checkout", "cart"]);
    assert.equal(settings.callBackDelaySeconds, 45);
    assert.equal(settings.invocationBudgetMs, 60_000);
    assert.equal(settings.markerRetentionHours, 6);
  });

  it("names every bad variable, its value and the fix, the shared ones included", () => {
    const problems = problemsOf({
      [EcsHookEnv.clusterArn]: "shop",
      [EcsHookEnv.callBackDelaySeconds]: "0",
      [EcsHookEnv.invocationBudgetMs]: String(15 * 60 * 1000),
      [HookEnv.probeConsecutive]: "many",
    });
    assert.equal(problems.length, 4, problems.join("\n"));
    assert.ok(problems.some((p) => p.startsWith('GREENLIGHT_PROBE_CONSECUTIVE is "many"')));
    assert.ok(
      problems.includes(
        'GREENLIGHT_ECS_CALLBACK_DELAY_SECONDS is "0"; set it to a whole number of seconds from 1 to 900 (default 15).',
      ),
    );
    assert.ok(
      problems.some((p) => p.startsWith('GREENLIGHT_ECS_INVOCATION_BUDGET_MS is "900000"')),
    );
    assert.ok(
      problems.includes(
        'GREENLIGHT_ECS_CLUSTER_ARN is "shop"; set it to a cluster ARN such as arn:aws:ecs:eu-west-1:123456789012:cluster/shop.',
      ),
    );
    assert.match(problemsOf({})[0]!, /^GREENLIGHT_ECS_CLUSTER_ARN is not set; set it to the ARN/);
  });

  it("knows its own services: same partition, region, account and cluster, and the listed names", () => {
    const own = { clusterArn: CLUSTER_ARN };
    assert.equal(clusterNameOf(CLUSTER_ARN), "shop");
    assert.equal(isOwnService(SERVICE_ARN, own), true);
    for (const other of [
      "arn:aws:ecs:eu-west-1:123456789012:service/shop-2/checkout",
      "arn:aws:ecs:eu-west-1:210987654321:service/shop/checkout",
      "arn:aws:ecs:eu-central-1:123456789012:service/shop/checkout",
      "arn:aws-cn:ecs:eu-west-1:123456789012:service/shop/checkout",
      "arn:aws:ecs:eu-west-1:123456789012:service/checkout",
      "not an arn",
    ]) {
      assert.equal(isOwnService(other, own), false, other);
    }
    assert.equal(isOwnService(SERVICE_ARN, { ...own, serviceNames: ["checkout"] }), true);
    assert.equal(isOwnService(SERVICE_ARN, { ...own, serviceNames: ["cart"] }), false);
  });
});

describe("hooks/ecs contract", () => {
  it("registers at POST_PRODUCTION_TRAFFIC_SHIFT, and at POST_TEST_TRAFFIC_SHIFT when asked", () => {
    assert.deepEqual(hookStages(false), ["POST_PRODUCTION_TRAFFIC_SHIFT"]);
    assert.deepEqual(hookStages(true), [
      "POST_TEST_TRAFFIC_SHIFT",
      "POST_PRODUCTION_TRAFFIC_SHIFT",
    ]);
    assert.equal(HOOK_INVOKER_PRINCIPAL, "ecs.amazonaws.com");
  });
});
