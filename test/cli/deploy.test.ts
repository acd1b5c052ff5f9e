import { strict as assert } from "node:assert";
import { GetDeploymentCommand } from "@aws-sdk/client-codedeploy";
import { StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import { ListServiceDeploymentsCommand } from "@aws-sdk/client-ecs";
import { deployInputs } from "../../tools/cli/deploy";
import { run } from "../../tools/cli/main";
import {
  ecsRelease,
  events,
  executionScript,
  fake,
  NOW,
  release,
  REGION,
  serviceDeploymentArn,
  serviceRevisionArn,
  type Fake,
  type ServiceDeploymentStep,
} from "./fixture";

/* eslint-disable @typescript-eslint/no-explicit-any -- parsed JSON documents */

const RESET = ["PROMOTE_FROM", "PROMOTE_IMAGE", "PROMOTE_DEPLOYMENT", "PROMOTE_METADATA"].map(
  (name) => ({ name, value: "none" }),
);

function world(answers?: (boolean | undefined)[]): Fake {
  const f = fake({ answers, stackFiles: { dev: REGION } });
  f.addStack("dev", {
    web: { releases: [release("dev", "web", "v2.0.0", 20, "2026-11-22T10:00:00.000Z")] },
    api: { releases: [release("dev", "api", "v1.0.0", 4, "2026-11-21T10:00:00.000Z")] },
  });
  return f;
}

/** The deployment `id` goes live step by step: AllowTraffic, then the hook's verdict. */
function goesLive(f: Fake, id: string, service: string, version: string): void {
  f.world.deployments.set(id, {
    info: { applicationName: "greenlight-dev", deploymentGroupName: `greenlight-dev-${service}` },
    steps: [
      { status: "InProgress", events: events(6, "InProgress") },
      { status: "InProgress", events: events(7, "InProgress") },
      { status: "InProgress", events: events(8) },
    ],
  });
  // The live hook writes the release record when it declares the deployment live.
  f.world.later.set(`/greenlight/dev/${service}/live`, {
    reads: 3,
    value: JSON.stringify({
      ...release("dev", service, version, 30, "2026-11-22T12:05:00.000Z"),
      deploymentId: id,
    }),
  });
}

describe("greenlight deploy", () => {
  let f: Fake;
  afterEach(() => f.restore());

  it("lists what will be deployed, asks, and starts each pipeline with RELEASE_REF and the promote variables reset", async () => {
    f = world([true]);
    const code = await run(["deploy", "dev", "web", "api", "--ref", "feature/search"], f.deps);
    assert.equal(code, 0, f.stderr());
    assert.match(f.stderr(), /Deploy to dev \(eu-west-1\), building feature\/search:/);
    assert.match(f.stderr(), /web\s+greenlight-dev-web\s+codedeploy\s+v2\.0\.0/);
    assert.match(f.stderr(), /api\s+greenlight-dev-api\s+codedeploy\s+v1\.0\.0/);
    assert.deepEqual(f.questions, ["Deploy 2 services to dev?"]);
    const calls = f.mocks.codePipeline.commandCalls(StartPipelineExecutionCommand);
    assert.deepEqual(
      calls.map((c) => c.args[0].input.name),
      ["greenlight-dev-web", "greenlight-dev-api"],
    );
    for (const call of calls) {
      const input = call.args[0].input;
      assert.deepEqual(input.variables, [
        { name: "RELEASE_REF", value: "feature/search" },
        ...RESET,
      ]);
      assert.equal(input.sourceRevisions, undefined);
      assert.match(input.clientRequestToken ?? "", /^[0-9a-f-]{36}$/);
    }
    assert.match(
      f.stdout(),
      /^dev web: STARTED: started greenlight-dev-web execution exec-greenlight-dev-web-1$/m,
    );
  });

  it("deploys every service with all, a full commit as the source revision, and asks nothing with --yes", async () => {
    f = world();
    const commit = "0123456789abcdef0123456789abcdef01234567";
    assert.equal(
      await run(["deploy", "dev", "all", "--ref", commit, "--yes", "--json"], f.deps),
      0,
      f.stderr(),
    );
    assert.deepEqual(f.questions, []);
    const inputs = f.mocks.codePipeline
      .commandCalls(StartPipelineExecutionCommand)
      .map((c) => c.args[0].input);
    assert.deepEqual(
      inputs.map((i) => i.name),
      ["greenlight-dev-api", "greenlight-dev-web"],
    );
    assert.deepEqual(inputs[0]!.sourceRevisions, [
      { actionName: "Source", revisionType: "COMMIT_ID", revisionValue: commit },
    ]);
    assert.deepEqual(inputs[0]!.variables, [{ name: "RELEASE_REF", value: "source" }, ...RESET]);
    const doc = JSON.parse(f.stdout());
    assert.equal(doc.ok, true);
    assert.deepEqual(
      doc.results.map((r: any) => r.outcome),
      ["started", "started"],
    );
  });

  it("starts nothing when the answer is no (exit 1), and without a terminal asks for --yes (exit 2)", async () => {
    f = world([false]);
    assert.equal(await run(["deploy", "dev", "web"], f.deps), 1);
    assert.match(f.stderr(), /deploy: nothing started/);
    assert.equal(f.world.started.length, 0);
    f.restore();
    f = world([undefined]);
    assert.equal(await run(["deploy", "dev", "web"], f.deps), 2);
    assert.match(f.stderr(), /no terminal to confirm on; pass --yes/);
    assert.equal(f.world.started.length, 0);
  });

  it("--wait follows each pipeline stage by stage, the lifecycle events and the live hook's verdict, to live (exit 0)", async () => {
    f = world();
    f.world.executions.set("greenlight-dev-web", executionScript("d-WEB30"));
    goesLive(f, "d-WEB30", "web", "v2.1.0");
    const code = await run(["deploy", "dev", "web", "--yes", "--wait", "--interval", "5"], f.deps);
    assert.equal(code, 0, f.stderr());
    const progress = f.stderr();
    for (const line of [
      /web: Source Succeeded/,
      /web: Build InProgress/,
      /web: Build Succeeded/,
      /web: Deploy InProgress/,
      /web: deployment d-WEB30: AllowTraffic InProgress/,
      /web: deployment d-WEB30: AfterAllowTraffic Succeeded/,
      /web: live hook: live \(v2\.1\.0\)/,
    ]) {
      assert.match(progress, line);
    }
    // Each line once, in order.
    assert.equal(progress.match(/web: Source Succeeded/g)?.length, 1);
    assert.ok(
      progress.indexOf("Build InProgress") < progress.indexOf("AfterAllowTraffic Succeeded"),
    );
    assert.match(f.stdout(), /^dev web: LIVE: live v2\.1\.0 \(deployment d-WEB30\)$/m);
  });

  it("--wait reports a deployment the live hook failed, and exits 1", async () => {
    f = world();
    f.world.executions.set("greenlight-dev-web", executionScript("d-WEB31", "Failed"));
    f.world.deployments.set("d-WEB31", {
      info: {},
      steps: [
        { status: "InProgress", events: events(7, "InProgress") },
        { status: "InProgress", events: events(7, "Failed") },
        {
          status: "Failed",
          events: events(7, "Failed"),
          error: "The live check failed: version v2.1.0 was not seen",
        },
      ],
    });
    assert.equal(await run(["deploy", "dev", "web", "--yes", "--wait"], f.deps), 1);
    assert.match(f.stderr(), /web: deployment d-WEB31: AfterAllowTraffic Failed/);
    assert.match(f.stderr(), /web: live hook: NOT live; CodeDeploy rolls back/);
    assert.match(f.stdout(), /dev web: FAILED: deployment d-WEB31 failed: The live check failed/);
  });

  it("--wait exits 1 when one of several fails, and names the failed build", async () => {
    f = world();
    f.world.executions.set("greenlight-dev-web", executionScript("d-WEB30"));
    goesLive(f, "d-WEB30", "web", "v2.1.0");
    f.world.executions.set("greenlight-dev-api", {
      steps: [
        {
          status: "Failed",
          actions: [
            {
              stageName: "Build",
              actionName: "Build",
              status: "Failed",
              input: {
                actionTypeId: {
                  category: "Build",
                  owner: "AWS",
                  provider: "CodeBuild",
                  version: "1",
                },
              },
              output: {
                executionResult: {
                  externalExecutionSummary: "Build terminated with state: FAILED",
                },
              },
            },
          ],
        },
      ],
    });
    assert.equal(await run(["deploy", "dev", "web", "api", "--yes", "--wait"], f.deps), 1);
    assert.match(f.stdout(), /dev web: LIVE/);
    assert.match(
      f.stdout(),
      /dev api: FAILED: pipeline greenlight-dev-api failed at Build: Build terminated with state: FAILED/,
    );
  });

  it("--wait gives up at --timeout (exit 1) on the test clock", async () => {
    f = world();
    const start = f.deps.now();
    assert.equal(
      await run(["deploy", "dev", "web", "--yes", "--wait", "--timeout", "2"], f.deps),
      1,
    );
    assert.match(
      f.stdout(),
      /dev web: TIMEOUT: pipeline greenlight-dev-web still InProgress at the deadline/,
    );
    assert.ok(f.deps.now() - start >= 120_000);
  });

  it("refuses an unknown environment or service, with what exists (exit 2)", async () => {
    f = world();
    assert.equal(await run(["deploy", "qa", "web", "--yes"], f.deps), 2);
    assert.match(
      f.stderr(),
      /deploy: unknown environment qa: no stack index at \/greenlight\/qa\/stack/,
    );
    assert.equal(await run(["deploy", "dev", "web", "search", "--yes"], f.deps), 2);
    assert.match(f.stderr(), /deploy: dev has no service search; its services: api, web\./);
    assert.equal(f.world.started.length, 0);
  });

  it("refuses a short commit, a malformed ref, and no service (exit 2)", async () => {
    f = world();
    assert.equal(await run(["deploy", "dev", "web", "--ref", "0123abc", "--yes"], f.deps), 2);
    assert.match(f.stderr(), /give the full 40-character commit id/);
    assert.equal(await run(["deploy", "dev", "web", "--ref", "--bad", "--yes"], f.deps), 2);
    assert.equal(await run(["deploy", "dev"], f.deps), 2);
    assert.match(f.stderr(), /missing required argument 'service'/);
    assert.equal(f.world.started.length, 0);
  });

  it("refuses a promote-only environment and says to promote instead (exit 2)", async () => {
    f = fake({ stackFiles: { prod: REGION } });
    f.addStack("prod", { web: {} }, { promoteOnly: true });
    assert.equal(await run(["deploy", "prod", "web", "--yes"], f.deps), 2);
    assert.match(f.stderr(), /prod accepts only promotions \(pipeline\.promoteOnly\): web/);
    assert.match(f.stderr(), /greenlight promote <from-env> prod web/);
    assert.equal(f.world.started.length, 0);
  });

  it("does not send promote variables to a pipeline that predates them", async () => {
    f = fake({ stackFiles: { dev: REGION } });
    f.addStack("dev", { web: {} }, { withoutPromoteVariables: true });
    assert.equal(await run(["deploy", "dev", "web", "--yes"], f.deps), 0, f.stderr());
    assert.deepEqual(f.world.started[0]!.input.variables, [
      { name: "RELEASE_REF", value: "source" },
    ]);
  });

  it("says a pipeline is missing and how to fix it (exit 2)", async () => {
    f = world();
    f.world.pipelines.delete("greenlight-dev-web");
    assert.equal(await run(["deploy", "dev", "web", "--yes"], f.deps), 2);
    assert.match(
      f.stderr(),
      /pipeline greenlight-dev-web of web was not found in dev \(eu-west-1\); run `pulumi up`/,
    );
  });

  it("names the missing permission when StartPipelineExecution is denied (exit 2)", async () => {
    f = world();
    const denied = new Error(
      "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: codepipeline:StartPipelineExecution on resource: arn:aws:codepipeline:eu-west-1:123456789012:greenlight-dev-web",
    );
    denied.name = "AccessDeniedException";
    f.world.failures.set("StartPipelineExecutionCommand", denied);
    assert.equal(await run(["deploy", "dev", "web", "--yes"], f.deps), 2);
    assert.match(
      f.stderr(),
      /deploy: access denied: arn:aws:iam::123456789012:user\/ci may not call codepipeline:StartPipelineExecution/,
    );
    assert.match(f.stderr(), /`greenlight deploy` needs: .*codepipeline:StartPipelineExecution/);
  });

  it("deployInputs: a branch or tag is RELEASE_REF, a full commit the source revision, none the source", () => {
    assert.deepEqual(deployInputs("v1.4.0").variables[0], { name: "RELEASE_REF", value: "v1.4.0" });
    assert.deepEqual(deployInputs(undefined).variables[0], {
      name: "RELEASE_REF",
      value: "source",
    });
    assert.equal(deployInputs("a".repeat(40)).sourceRevisions[0]!.revisionValue, "a".repeat(40));
  });
});

describe("greenlight deploy, Amazon ECS blue/green services", () => {
  let f: Fake;
  afterEach(() => f.restore());

  const arn = serviceDeploymentArn("dev", "web", "SD30");

  /** dev on ECS; web's pipeline deploys with an ECS action that starts service deployment SD30. */
  function ecsDeployWorld(steps: ServiceDeploymentStep[]): Fake {
    const g = fake({ stackFiles: { dev: REGION } });
    g.addStack(
      "dev",
      { web: { releases: [ecsRelease("dev", "web", "v2.0.0", 20, "2026-11-22T10:00:00.000Z")] } },
      { engine: "ecs" },
    );
    const script = executionScript("unused");
    // The deploy stage's action is the ECS one (no CodeDeploy deployment id).
    for (const step of script.steps) {
      for (const action of step.actions) {
        if (action.stageName === "Deploy") {
          action.input = {
            actionTypeId: { category: "Deploy", owner: "AWS", provider: "ECS", version: "1" },
          };
          delete action.output;
        }
      }
    }
    g.world.executions.set("greenlight-dev-web", script);
    // An earlier deployment of web, before this run's deploy stage: not the one to follow.
    g.world.serviceDeployments.set(serviceDeploymentArn("dev", "web", "SD20"), {
      cluster: "greenlight-dev",
      service: "web",
      createdAt: new Date(NOW - 7_200_000),
      targetRevision: serviceRevisionArn("dev", "web", 20),
      steps: [{ status: "SUCCESSFUL", lifecycleStage: "CLEAN_UP" }],
    });
    g.world.serviceDeployments.set(arn, {
      cluster: "greenlight-dev",
      service: "web",
      createdAt: new Date(NOW + 2500),
      targetRevision: serviceRevisionArn("dev", "web", 30),
      steps,
    });
    return g;
  }

  it("--wait follows the ECS service deployment stage by stage through the bake time to SUCCESSFUL and the hook's record (exit 0)", async () => {
    f = ecsDeployWorld([
      { status: "IN_PROGRESS", lifecycleStage: "SCALE_UP" },
      { status: "IN_PROGRESS", lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT", weight: 100 },
      { status: "IN_PROGRESS", lifecycleStage: "POST_PRODUCTION_TRAFFIC_SHIFT" },
      { status: "IN_PROGRESS", lifecycleStage: "BAKE_TIME" },
      { status: "SUCCESSFUL", lifecycleStage: "CLEAN_UP" },
    ]);
    f.world.later.set("/greenlight/dev/web/live", {
      reads: 3,
      value: JSON.stringify({
        ...ecsRelease("dev", "web", "v2.1.0", 30, "2026-11-22T12:05:00.000Z"),
        deploymentId: arn,
      }),
    });
    const code = await run(["deploy", "dev", "web", "--yes", "--wait", "--interval", "5"], f.deps);
    assert.equal(code, 0, f.stderr());
    assert.match(f.stderr(), /web\s+greenlight-dev-web\s+ecs\s+v2\.0\.0/);
    const progress = f.stderr();
    const expected = [
      "web: Build Succeeded",
      "web: service deployment SD30 started",
      "web: service deployment SD30: IN_PROGRESS SCALE_UP",
      "web: service deployment SD30: IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT (100% of production)",
      "web: service deployment SD30: IN_PROGRESS POST_PRODUCTION_TRAFFIC_SHIFT",
      "web: service deployment SD30: IN_PROGRESS BAKE_TIME",
      "web: live hook: live; the previous revision is kept until the bake time ends",
      "web: service deployment SD30: SUCCESSFUL CLEAN_UP",
      "web: live hook: live (v2.1.0)",
    ];
    let at = -1;
    for (const line of expected) {
      const next = progress.indexOf(line, at + 1);
      assert.ok(next > at, `${line} after the lines before it in:\n${progress}`);
      at = next;
    }
    assert.match(f.stdout(), /^dev web: LIVE: live v2\.1\.0 \(service deployment SD30\)$/m);
    const listed = f.mocks.ecs
      .commandCalls(ListServiceDeploymentsCommand)
      .map((c) => c.args[0].input);
    assert.deepEqual(listed[0], {
      cluster: "greenlight-dev",
      service: "web",
      createdAt: { after: new Date(NOW + 2000) },
    });
    assert.equal(f.mocks.codeDeploy.commandCalls(GetDeploymentCommand).length, 0);
  });

  it("--wait reports a service deployment that ECS rolled back (ROLLBACK_SUCCESSFUL) as failed, with the reason (exit 1)", async () => {
    f = ecsDeployWorld([
      { status: "IN_PROGRESS", lifecycleStage: "POST_PRODUCTION_TRAFFIC_SHIFT" },
      {
        status: "ROLLBACK_IN_PROGRESS",
        lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT",
        rollback: { reason: "Lifecycle hook returned FAILED at POST_PRODUCTION_TRAFFIC_SHIFT" },
      },
      {
        status: "ROLLBACK_SUCCESSFUL",
        lifecycleStage: "CLEAN_UP",
        rollback: { reason: "Lifecycle hook returned FAILED at POST_PRODUCTION_TRAFFIC_SHIFT" },
      },
    ]);
    assert.equal(await run(["deploy", "dev", "web", "--yes", "--wait"], f.deps), 1);
    assert.match(
      f.stderr(),
      /web: service deployment SD30: ROLLBACK_IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT/,
    );
    assert.match(
      f.stdout(),
      /^dev web: FAILED: service deployment SD30 was rolled back: Lifecycle hook returned FAILED at POST_PRODUCTION_TRAFFIC_SHIFT$/m,
    );
  });

  it("--wait gives up at the deadline during a long bake time (exit 1)", async () => {
    f = ecsDeployWorld([{ status: "IN_PROGRESS", lifecycleStage: "BAKE_TIME" }]);
    assert.equal(
      await run(["deploy", "dev", "web", "--yes", "--wait", "--timeout", "1"], f.deps),
      1,
    );
    assert.match(
      f.stdout(),
      /dev web: TIMEOUT: service deployment SD30 still in progress at the deadline/,
    );
  });
});
