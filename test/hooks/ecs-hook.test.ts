import { strict as assert } from "node:assert";
import {
  DescribeServiceRevisionsCommand,
  DescribeTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import { DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { HookEnv } from "../../hooks/codedeploy/settings";
import { CHECK_STATE_KEY, type CheckState } from "../../hooks/ecs/event";
import { EcsHookEnv } from "../../hooks/ecs/settings";
import { allText, headerOf } from "./helpers/hook-scenario";
import {
  DEPLOYMENT_ARN,
  DEPLOYMENT_ID,
  ecsEvent,
  ecsScenario,
  GREEN_REVISION,
  NEW,
  NEW_VERSION,
  OLD,
  OLD_VERSION,
  TASK_DEFINITION_ARN,
  type EcsFixture,
} from "./helpers/ecs-scenario";
import type { VersionAnswer } from "./helpers/servers";

const LIVE_RECORD = "/greenlight/dev/checkout/live";
const MARKER = `/greenlight/dev/checkout/ecs-verdicts/${DEPLOYMENT_ID}/POST_PRODUCTION_TRAFFIC_SHIFT`;

function stateOf(details: Readonly<Record<string, unknown>> | undefined): CheckState {
  const state = details?.[CHECK_STATE_KEY] as CheckState | undefined;
  assert.ok(state !== undefined, "the state is in hookDetails");
  return state;
}

function statuses(responses: readonly { hookStatus: string }[]): string[] {
  return responses.map((response) => response.hookStatus);
}

describe("hooks/ecs lifecycle hook (mocked AWS, real HTTP on 127.0.0.1)", () => {
  it("answers IN_PROGRESS while the old version answers, then SUCCEEDED, posting and recording once", async () => {
    // The old version answers through the first two 200 ms slices, the new one from the third.
    const result = await ecsScenario({ versionDuring: (i) => (i <= 2 ? OLD : NEW) });
    const seen = statuses(result.responses);
    assert.deepEqual(seen, ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"]);
    for (const response of result.responses.slice(0, -1)) {
      assert.equal(response.callBackDelay, 1);
    }
    const first = stateOf(result.responses[0]!.hookDetails);
    const last = stateOf(result.responses[seen.length - 2]!.hookDetails);
    assert.equal(last.startedAt, first.startedAt, "the check's start is carried, not restarted");
    assert.equal(last.invocations, seen.length - 1);
    assert.ok(first.attempts > 0 && last.attempts > first.attempts, "attempts add up");
    assert.equal(last.bestStreak, 0, "no answer carried the new version before the third slice");
    assert.equal(result.responses[seen.length - 1]!.hookDetails, undefined);
    for (const ms of result.invocationMs.slice(0, -1)) {
      assert.ok(ms < 1000, `an IN_PROGRESS invocation took ${ms} ms, its slice is 200 ms`);
    }

    assert.equal(result.slack.received.length, 1, "one notice for the whole check");
    const payload = result.slack.received[0]!.payload;
    assert.equal(headerOf(payload), "✅ checkout 1.4.3 is live in dev");
    assert.match(allText(payload), /ecs\/v2\/clusters\/shop\/services\/checkout/);
    assert.match(allText(payload), /Deployment EZe5RNVLH6PPzHXINuP28/);

    const record = result.aws.parameters.puts.filter((put) => put.Name === LIVE_RECORD);
    assert.equal(record.length, 1, "one release record");
    const value = JSON.parse(record[0]!.Value!) as Record<string, unknown>;
    assert.equal(value.version, NEW_VERSION);
    assert.equal(value.deploymentId, DEPLOYMENT_ARN);
    assert.equal(value.taskDefinitionArn, TASK_DEFINITION_ARN);
    assert.ok((value.durationMs as number) >= 4 * 60 * 1000, "took since ECS created it");

    const marker = result.aws.parameters.puts.find((put) => put.Name === MARKER);
    assert.ok(marker !== undefined, "the verdict is claimed");
    assert.equal(marker.Overwrite, false);
    assert.equal(marker.Tier, "Advanced");
    const [policy] = JSON.parse(marker.Policies!) as {
      Type: string;
      Attributes: { Timestamp: string };
    }[];
    assert.equal(policy!.Type, "Expiration");
    const expiresInH = (Date.parse(policy!.Attributes.Timestamp) - result.clock.now()) / 3_600_000;
    assert.ok(expiresInH > 47.9 && expiresInH <= 48, `expires in ${expiresInH} h`);
    assert.equal(JSON.parse(marker.Value!).verdict, "SUCCEEDED");

    // The expected version came from the target revision's task definition.
    const revisionCall = result.aws.ecs.commandCalls(DescribeServiceRevisionsCommand)[0]!;
    assert.deepEqual(revisionCall.args[0].input.serviceRevisionArns, [GREEN_REVISION]);
    const taskCall = result.aws.ecs.commandCalls(DescribeTaskDefinitionCommand)[0]!;
    assert.equal(taskCall.args[0].input.taskDefinition, TASK_DEFINITION_ARN);
  });

  it("answers FAILED when the old version keeps answering until the check's deadline", async () => {
    const result = await ecsScenario({
      version: () => OLD,
      env: { [HookEnv.probeDeadlineMs]: "4000" },
    });
    const seen = statuses(result.responses);
    assert.equal(seen[seen.length - 1], "FAILED");
    assert.ok(seen.slice(0, -1).every((status) => status === "IN_PROGRESS"));
    // 4 s of check, 1 s call-back delay + ~0.2 s slices: a few invocations, never forty.
    assert.ok(seen.length >= 2 && seen.length <= 5, seen.join(","));
    const run = result.runs[result.runs.length - 1]!;
    assert.equal(run.outcome?.verdict.failedCheck, "version");
    assert.equal(result.slack.received.length, 1);
    const payload = result.slack.received[0]!.payload;
    assert.equal(headerOf(payload), "❌ checkout 1.4.3 failed the live check in dev");
    assert.match(allText(payload), /Amazon ECS is rolling back to the previous revision\./);
    assert.match(allText(payload), new RegExp(`${OLD_VERSION.replace(/\./g, "\\.")} ×\\d+`));
    assert.ok(!result.aws.parameters.values.has(LIVE_RECORD), "no release record");
    assert.equal(JSON.parse(result.aws.parameters.values.get(MARKER)!).verdict, "FAILED");
  });

  it("answers FAILED at once when a target of the green group is unhealthy", async () => {
    const result = await ecsScenario({ aws: { targetStates: ["healthy", "unhealthy"] } });
    assert.deepEqual(statuses(result.responses), ["FAILED"]);
    assert.equal(result.runs[0]!.outcome?.verdict.failedCheck, "targets");
    const call = result.aws.elb.commandCalls(DescribeTargetHealthCommand)[0]!;
    assert.match(call.args[0].input.TargetGroupArn!, /shop-checkout-green/);
    assert.match(allText(result.slack.received[0]!.payload), /10\.0\.2\.20:8080 unhealthy/);
    assert.ok(!result.aws.parameters.values.has(LIVE_RECORD));
  });

  it("waits across invocations while green targets are still registering, then succeeds", async () => {
    const result = await ecsScenario({
      arrange: (aws, invocation) => {
        aws.elb.on(DescribeTargetHealthCommand).callsFake(async () => {
          // Still registering through the first slice, healthy from the second.
          const state = invocation() <= 1 ? "initial" : "healthy";
          return {
            TargetHealthDescriptions: [
              { Target: { Id: "10.0.1.20", Port: 8080 }, TargetHealth: { State: state } },
            ],
          };
        });
      },
    });
    assert.deepEqual(statuses(result.responses), ["IN_PROGRESS", "SUCCEEDED"]);
    assert.equal(result.runs[0]!.outcome?.targets?.pending, true);
    assert.equal(result.slack.received.length, 1);
  });

  it("a duplicate or late invocation answers the recorded verdict and posts nothing", async () => {
    const result = await ecsScenario({
      version: () => NEW,
      afterwards: [ecsEvent(), ecsEvent(undefined, { executionId: "a-late-second-execution" })],
    });
    assert.deepEqual(statuses(result.responses), ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    assert.equal(result.runs[1]!.skipped, "already-decided");
    assert.equal(result.runs[2]!.skipped, "already-decided");
    assert.equal(result.slack.received.length, 1, "the live notice went out once");
    assert.equal(result.aws.parameters.puts.filter((put) => put.Name === LIVE_RECORD).length, 1);
    assert.equal(result.versionRequests, 3, "the late invocations did not probe again");
  });

  it("a late invocation never contradicts a FAILED verdict, even when the new version answers by then", async () => {
    let fixture: EcsFixture | undefined;
    const result = await ecsScenario({
      // The old version until the verdict is recorded, the new one afterwards.
      version: () => (fixture?.parameters.values.has(MARKER) === true ? NEW : OLD),
      env: { [HookEnv.probeDeadlineMs]: "1500", [EcsHookEnv.invocationBudgetMs]: "3000" },
      arrange: (aws) => {
        fixture = aws;
      },
      afterwards: [ecsEvent(), ecsEvent(undefined, { executionId: "another-execution" })],
    });
    assert.deepEqual(statuses(result.responses), ["FAILED", "FAILED", "FAILED"]);
    assert.equal(result.runs[1]!.skipped, "already-decided");
    assert.equal(result.runs[2]!.skipped, "already-decided");
    assert.equal(result.slack.received.length, 1, "one failure notice, no live notice");
    assert.ok(!result.aws.parameters.values.has(LIVE_RECORD));
  });

  it("two concurrent invocations of one execution post one notice and give one answer", async () => {
    const result = await ecsScenario({ version: () => NEW, concurrent: 2 });
    assert.deepEqual(statuses(result.responses), ["SUCCEEDED", "SUCCEEDED"]);
    assert.equal(result.versionRequests, 6, "both checked");
    const claims = result.runs.map((run) => run.claim?.claimed);
    assert.deepEqual([...claims].sort(), [false, true], "exactly one claimed the verdict");
    assert.equal(result.slack.received.length, 1);
    assert.equal(result.aws.parameters.puts.filter((put) => put.Name === LIVE_RECORD).length, 1);
  });

  it("answers FAILED without acting for a service of another cluster or account", async () => {
    for (const serviceArn of [
      "arn:aws:ecs:eu-west-1:123456789012:service/other-cluster/checkout",
      "arn:aws:ecs:eu-west-1:999999999999:service/shop/checkout",
      "arn:aws:ecs:us-east-1:123456789012:service/shop/checkout",
    ]) {
      const result = await ecsScenario({ event: ecsEvent(undefined, { serviceArn }) });
      assert.deepEqual(statuses(result.responses), ["FAILED"], serviceArn);
      assert.equal(result.runs[0]!.skipped, "foreign-service");
      assert.equal(result.aws.ecs.calls().length, 0, "no ECS call for a foreign service");
      assert.equal(result.aws.ssm.calls().length, 0);
      assert.equal(result.slack.received.length, 0);
      assert.equal(result.versionRequests, 0);
      assert.ok(result.memory.entries().some((entry) => entry.event === "hook.foreign-service"));
    }
  });

  it("checks only the listed services when GREENLIGHT_ECS_SERVICE_NAMES narrows the cluster", async () => {
    const result = await ecsScenario({ env: { [EcsHookEnv.serviceNames]: "cart, payments" } });
    assert.deepEqual(statuses(result.responses), ["FAILED"]);
    assert.equal(result.runs[0]!.skipped, "foreign-service");
  });

  for (const [name, event] of [
    ["null", null],
    ["an empty object", {}],
    ["a CodeDeploy event", { DeploymentId: "d-1", LifecycleEventHookExecutionId: "x" }],
    ["no executionDetails", { ...ecsEvent(), executionDetails: undefined }],
    [
      "a resourceArn that is not a service deployment",
      { ...ecsEvent(), resourceArn: "arn:aws:ecs:eu-west-1:1:service/a/b" },
    ],
  ] as const) {
    it(`answers FAILED without acting, and logs, for a malformed event: ${name}`, async () => {
      const result = await ecsScenario({ event });
      assert.deepEqual(statuses(result.responses), ["FAILED"]);
      assert.equal(result.runs[0]!.skipped, "malformed-event");
      assert.equal(result.aws.ecs.calls().length, 0);
      assert.equal(result.slack.received.length, 0);
      const entry = result.memory.entries().find((e) => e.event === "hook.malformed-event");
      assert.ok(entry !== undefined && Array.isArray(entry.problems));
    });
  }

  it("answers SUCCEEDED without acting at a stage it does not check, so a rollback is never blocked", async () => {
    const result = await ecsScenario({ event: ecsEvent("PRODUCTION_TRAFFIC_SHIFT") });
    assert.deepEqual(statuses(result.responses), ["SUCCEEDED"]);
    assert.equal(result.runs[0]!.skipped, "unchecked-stage");
    assert.equal(result.aws.ecs.calls().length, 0);
    assert.equal(result.slack.received.length, 0);
  });

  it("answers FAILED naming the variable when the cluster ARN is not set", async () => {
    const result = await ecsScenario({ env: { [EcsHookEnv.clusterArn]: "" } });
    assert.deepEqual(statuses(result.responses), ["FAILED"]);
    assert.equal(result.runs[0]!.skipped, "bad-settings");
    assert.match(result.runs[0]!.detail!, /GREENLIGHT_ECS_CLUSTER_ARN is not set/);
    assert.equal(result.aws.ecs.calls().length, 0);
  });

  it("checks through the test listener rule at POST_TEST_TRAFFIC_SHIFT, without a notice or a record", async () => {
    const result = await ecsScenario({ event: ecsEvent("POST_TEST_TRAFFIC_SHIFT") });
    assert.deepEqual(statuses(result.responses), ["SUCCEEDED"]);
    assert.equal(result.slack.received.length, 0);
    assert.ok(!result.aws.parameters.values.has(LIVE_RECORD));
    assert.ok(
      result.aws.parameters.values.has(
        `/greenlight/dev/checkout/ecs-verdicts/${DEPLOYMENT_ID}/POST_TEST_TRAFFIC_SHIFT`,
      ),
    );
    const resolved = result.memory.entries().find((e) => e.event === "hook.resolved");
    assert.match(String(resolved?.rule), /1111aaaa2222bbbb$/, "the test rule");
  });

  it("posts a test-route failure that says production traffic was not moved", async () => {
    const result = await ecsScenario({
      event: ecsEvent("POST_TEST_TRAFFIC_SHIFT"),
      aws: { targetStates: ["unhealthy"] },
    });
    assert.deepEqual(statuses(result.responses), ["FAILED"]);
    assert.match(allText(result.slack.received[0]!.payload), /production traffic was not moved/);
  });

  it("still answers and posts once when Parameter Store cannot take the marker", async () => {
    const result = await ecsScenario({
      arrange: (aws) => aws.parameters.failWrites("/greenlight/dev/checkout/ecs-verdicts/", 10),
    });
    assert.deepEqual(statuses(result.responses), ["SUCCEEDED"]);
    assert.equal(result.runs[0]!.claim?.claimed, false);
    assert.equal(result.slack.received.length, 1);
    assert.ok(result.memory.entries().some((entry) => entry.event === "marker.claim-failed"));
    assert.ok(result.aws.parameters.values.has(LIVE_RECORD));
  });

  it("answers IN_PROGRESS through a transient AWS outage, then SUCCEEDED", async () => {
    const result = await ecsScenario({
      arrange: (aws) => {
        aws.ecs
          .on(DescribeServiceRevisionsCommand)
          .rejectsOnce(Object.assign(new Error("Service Unavailable"), { name: "ServerException" }))
          .callsFake(async () => ({
            serviceRevisions: [
              {
                serviceRevisionArn: GREEN_REVISION,
                serviceArn: "arn:aws:ecs:eu-west-1:123456789012:service/shop/checkout",
                taskDefinition: TASK_DEFINITION_ARN,
                loadBalancers: [
                  {
                    containerName: "app",
                    containerPort: 8080,
                    advancedConfiguration: {
                      alternateTargetGroupArn: "unused",
                      productionListenerRule:
                        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee",
                      roleArn: "unused",
                    },
                  },
                ],
              },
            ],
          }));
      },
    });
    assert.deepEqual(statuses(result.responses), ["IN_PROGRESS", "SUCCEEDED"]);
    assert.match(result.runs[0]!.detail!, /Service Unavailable/);
    assert.equal(result.slack.received.length, 1);
  });

  it("answers FAILED at once, without retrying, when the task definition carries no version", async () => {
    const result = await ecsScenario({
      arrange: (aws) =>
        aws.ecs.on(DescribeTaskDefinitionCommand).resolves({
          taskDefinition: { containerDefinitions: [{ name: "app", environment: [] }] },
        }),
    });
    assert.deepEqual(statuses(result.responses), ["FAILED"]);
    assert.equal(result.runs[0]!.outcome, undefined);
    const payload = result.slack.received[0]!.payload;
    assert.match(
      headerOf(payload),
      /The live check for EZe5RNVLH6PPzHXINuP28 in dev could not run/,
    );
    assert.match(allText(payload), /has no GREENLIGHT_VERSION/);
  });

  it("a late invocation for a deployment that is already rolling back neither probes nor posts", async () => {
    const result = await ecsScenario({ aws: { deploymentStatus: "ROLLBACK_IN_PROGRESS" } });
    assert.deepEqual(statuses(result.responses), ["FAILED"]);
    assert.equal(result.runs[0]!.skipped, "deployment-over");
    assert.equal(result.versionRequests, 0);
    assert.equal(result.slack.received.length, 0);
  });

  it("keeps each invocation inside the Lambda's own time, reserve included", async () => {
    const result = await ecsScenario({
      version: () => OLD,
      remainingMs: 1400,
      env: { [EcsHookEnv.invocationBudgetMs]: "60000", [HookEnv.probeDeadlineMs]: "3000" },
    });
    for (const ms of result.invocationMs) {
      assert.ok(ms < 1400, `an invocation took ${ms} ms with 1400 ms left`);
    }
    const starts = result.memory.entries().filter((e) => e.event === "hook.start");
    assert.ok(
      starts.every((entry) => (entry.sliceMs as number) <= 400),
      "slice = 1400 - 1000 reserve",
    );
    assert.equal(statuses(result.responses).pop(), "FAILED");
  });

  it("restarts the check's clock when hookDetails carries a state it cannot trust", async () => {
    const future = {
      startedAt: Date.now() + 3_600_000,
      invocations: 2,
      attempts: 5,
      bestStreak: 1,
    };
    const result = await ecsScenario({
      event: ecsEvent(undefined, {
        hookDetails: { [CHECK_STATE_KEY]: future, configured: "kept" },
      }),
    });
    assert.deepEqual(statuses(result.responses), ["SUCCEEDED"]);
    const start = result.memory.entries().find((e) => e.event === "hook.start");
    assert.equal(start?.stateDiscarded, true);
    assert.equal(start?.invocation, 1);
  });

  it("never lets a hung /version hold an invocation past its slice", async () => {
    const hang: VersionAnswer = { hang: true };
    const result = await ecsScenario({
      version: () => hang,
      env: { [HookEnv.probeDeadlineMs]: "2500" },
    });
    assert.equal(statuses(result.responses).pop(), "FAILED");
    for (const ms of result.invocationMs) assert.ok(ms < 1500, `took ${ms} ms`);
    assert.ok((result.runs.at(-1)!.outcome?.probe.seen.errors.timeout ?? 0) > 0);
  });
});
