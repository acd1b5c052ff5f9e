import { strict as assert } from "node:assert";
import { PutLifecycleEventHookExecutionStatusCommand } from "@aws-sdk/client-codedeploy";
import {
  AccessDeniedException,
  ParameterLimitExceeded,
  ParameterMaxVersionLimitExceeded,
  PutParameterCommand,
  type PutParameterCommandInput,
} from "@aws-sdk/client-ssm";
import { HookEnv } from "../../hooks/codedeploy/settings";
import { parseReleaseRecord, type ReleaseRecord } from "../../hooks/core/release";
import {
  APPLICATION,
  COMMIT,
  DEPLOYMENT_GROUP,
  DEPLOYMENT_ID,
  IMAGE_URI,
  NEW_VERSION,
  TASK_DEFINITION_ARN,
} from "./helpers/aws-fixtures";
import { OLD, scenario } from "./helpers/hook-scenario";

function putInputs(result: Awaited<ReturnType<typeof scenario>>): PutParameterCommandInput[] {
  return result.aws.ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input);
}

describe("hooks/codedeploy release record (Parameter Store)", () => {
  it("records the live release at /greenlight/<env>/<service>/live with every field", async () => {
    const before = Date.now();
    const result = await scenario({});
    const after = Date.now();
    assert.deepEqual(result.statuses, ["Succeeded"]);
    const inputs = putInputs(result);
    assert.equal(inputs.length, 1);
    const { Value: value, ...parameter } = inputs[0]!;
    assert.deepEqual(parameter, {
      Name: "/greenlight/dev/checkout/live",
      Type: "String",
      Overwrite: true,
      Tier: "Standard",
      DataType: "text",
    });
    const record = JSON.parse(value ?? "") as ReleaseRecord;
    const { deployedAt, durationMs, ...rest } = record;
    assert.deepEqual(rest, {
      environment: "dev",
      service: "checkout",
      version: NEW_VERSION,
      imageUri: IMAGE_URI,
      commit: COMMIT,
      ref: "main",
      refType: "branch",
      commitMessage: "Fix checkout totals & rounding",
      author: "Ada Lovelace",
      deploymentId: DEPLOYMENT_ID,
      taskDefinitionArn: TASK_DEFINITION_ARN,
      application: APPLICATION,
      deploymentGroup: DEPLOYMENT_GROUP,
    });
    const at = Date.parse(deployedAt);
    assert.ok(at >= before && at <= after, `deployedAt ${deployedAt} is the time of the run`);
    assert.match(deployedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(durationMs !== undefined && Number.isInteger(durationMs));
    assert.ok(
      durationMs >= before - result.aws.createdAt.getTime() &&
        durationMs <= after - result.aws.createdAt.getTime(),
      `durationMs ${durationMs} runs from the deployment's creation to the verdict`,
    );
    assert.deepEqual(parseReleaseRecord(value ?? ""), record, "status reads what the hook wrote");
    assert.deepEqual(result.run.release, {
      written: true,
      name: "/greenlight/dev/checkout/live",
      parameterVersion: 7,
    });
    const logged = result.memory.events("release.recorded");
    assert.equal(logged.length, 1);
    assert.equal(logged[0]!.parameter, "/greenlight/dev/checkout/live");
    assert.equal(logged[0]!.parameterVersion, 7);
  });

  it("does not record a release when the live check fails", async () => {
    const result = await scenario({ version: () => OLD });
    assert.deepEqual(result.statuses, ["Failed"]);
    assert.equal(putInputs(result).length, 0);
    assert.deepEqual(result.run.release, {
      written: false,
      reason: "the deployment was not declared live",
    });
  });

  it("does not record a release when CodeDeploy could not be told it is live", async () => {
    const result = await scenario({
      arrange: (aws) =>
        aws.codeDeploy
          .on(PutLifecycleEventHookExecutionStatusCommand)
          .rejects(new Error("InternalFailure: try again")),
    });
    assert.equal(result.run.reported, "Succeeded");
    assert.match(result.run.reportError ?? "", /InternalFailure/);
    assert.equal(putInputs(result).length, 0);
    assert.equal(result.run.release?.written, false);
  });

  for (const [name, error] of [
    [
      "AccessDeniedException",
      new AccessDeniedException({
        Message: "not authorized",
        message:
          "User: arn:aws:sts::123456789012:assumed-role/greenlight-dev-live-hook/fn is not authorized " +
          "to perform: ssm:PutParameter on resource: arn:aws:ssm:eu-west-1:123456789012:parameter/greenlight/dev/checkout/live",
        $metadata: {},
      }),
    ],
    [
      "ParameterLimitExceeded",
      new ParameterLimitExceeded({
        message: "You have exceeded the number of parameters for this account.",
        $metadata: {},
      }),
    ],
    [
      "ParameterMaxVersionLimitExceeded",
      new ParameterMaxVersionLimitExceeded({
        message: "Version 1, the oldest version, can't be deleted because it has a label.",
        $metadata: {},
      }),
    ],
  ] as const) {
    it(`logs a Parameter Store ${name} and still reports Succeeded, once, and posts the notice`, async () => {
      const result = await scenario({
        arrange: (aws) => aws.ssm.on(PutParameterCommand).rejects(error),
      });
      assert.deepEqual(result.statuses, ["Succeeded"], "exactly one report, Succeeded");
      assert.equal(result.run.reported, "Succeeded");
      assert.equal(result.slack.received.length, 1, "the live notice still went out");
      assert.equal(putInputs(result).length, 1);
      const failed = result.memory.events("release.record-failed");
      assert.equal(failed.length, 1);
      assert.equal(failed[0]!.level, "error");
      assert.equal(failed[0]!.errorName, name);
      assert.equal(failed[0]!.parameter, "/greenlight/dev/checkout/live");
      assert.equal(result.run.release?.written, false);
    });
  }

  it("writes the record only after CodeDeploy has the report, even when the report is slow", async () => {
    const order: string[] = [];
    const result = await scenario({
      arrange: (aws) => {
        aws.codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).callsFake(async () => {
          order.push("report sent");
          await new Promise((resolve) => setTimeout(resolve, 200));
          order.push("report answered");
          return {};
        });
        aws.ssm.on(PutParameterCommand).callsFake(async () => {
          order.push("record written");
          return { Version: 1 };
        });
      },
    });
    assert.deepEqual(result.statuses, ["Succeeded"]);
    assert.deepEqual(order, ["report sent", "report answered", "record written"]);
    assert.equal(result.run.release?.written, true);
  });

  it("gives up on a hanging Parameter Store before the Lambda times out, without holding up Slack", async () => {
    let slackAt = 0;
    const result = await scenario({
      remainingMs: 3000,
      slack: () => {
        slackAt = Date.now();
        return { status: 200, body: "ok" };
      },
      arrange: (aws) =>
        aws.ssm.on(PutParameterCommand).callsFake(() => new Promise<never>(() => undefined)),
    });
    assert.deepEqual(result.statuses, ["Succeeded"]);
    assert.ok(result.elapsedMs < 3000, `finished in ${result.elapsedMs} ms`);
    assert.equal(result.slack.received.length, 1);
    assert.ok(slackAt > 0);
    assert.equal(result.run.release?.written, false);
    assert.match(
      String(result.memory.events("release.record-failed")[0]?.error),
      /deadline of \d+ ms reached/,
    );
  });

  it("names the parameter after the hook's environment, else the task definition's", async () => {
    const staging = await scenario({ env: { [HookEnv.environment]: "staging" } });
    assert.equal(putInputs(staging)[0]?.Name, "/greenlight/staging/checkout/live");
    const fromTaskDefinition = await scenario({ env: { [HookEnv.environment]: "" } });
    assert.equal(putInputs(fromTaskDefinition)[0]?.Name, "/greenlight/dev/checkout/live");
  });
});
