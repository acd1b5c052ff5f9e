import { strict as assert } from "node:assert";
import { CreateDeploymentCommand, StopDeploymentCommand } from "@aws-sdk/client-codedeploy";
import { StopServiceDeploymentCommand, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { appSpecFor, chooseRelease } from "../../tools/cli/rollback";
import { run } from "../../tools/cli/main";
import {
  ecsNativeService,
  ecsRelease,
  events,
  fake,
  release,
  REGION,
  serviceDeploymentArn,
  serviceRevisionArn,
  td,
  type Fake,
} from "./fixture";

const APPSPEC = `version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: ${td("prod", "web", 7)}
        LoadBalancerInfo:
          ContainerName: web
          ContainerPort: 8080
Hooks:
  - AfterAllowTraffic: greenlight-prod-live-hook
`;

/** prod web: v1.2.0 (rev 5), v1.3.0 (rev 6), then v1.4.0 (rev 7) live. */
function world(answers?: (boolean | undefined)[]): Fake {
  const f = fake({ answers, stackFiles: { prod: REGION } });
  f.addStack("prod", {
    web: {
      releases: [
        release("prod", "web", "v1.2.0", 5, "2026-11-10T09:00:00.000Z"),
        release("prod", "web", "v1.3.0", 6, "2026-11-15T09:00:00.000Z"),
        release("prod", "web", "v1.4.0", 7, "2026-11-22T09:00:00.000Z"),
      ],
    },
  });
  for (const revision of [5, 6, 7]) {
    f.world.deployments.set(`d-WEB${revision}`, {
      info: {
        applicationName: "greenlight-prod",
        deploymentGroupName: "greenlight-prod-web",
        revision: {
          revisionType: "AppSpecContent",
          appSpecContent: {
            content: APPSPEC.replace(td("prod", "web", 7), td("prod", "web", revision)),
          },
        },
      },
      steps: [{ status: "Succeeded", events: events(8) }],
    });
  }
  return f;
}

describe("greenlight rollback", () => {
  let f: Fake;
  afterEach(() => f.restore());

  it("inside the termination wait, stops the deployment with rollback and follows it to stopped", async () => {
    f = world([true]);
    f.world.active.set("greenlight-prod-web", ["d-WEB8"]);
    f.world.deployments.set("d-WEB8", {
      info: {},
      steps: [
        // Live (the hook said so), old tasks kept: the termination wait.
        { status: "InProgress", events: events(8) },
        { status: "InProgress", events: events(8) },
        { status: "Stopped", events: events(8) },
      ],
    });
    const code = await run(["rollback", "prod", "web", "--wait"], f.deps);
    assert.equal(code, 0, f.stderr());
    assert.match(
      f.stderr(),
      /deployment d-WEB8 is InProgress, live, with the old tasks still kept \(termination wait\)/,
    );
    assert.deepEqual(f.questions, ["Stop d-WEB8 and roll back web in prod?"]);
    assert.deepEqual(
      f.mocks.codeDeploy.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input),
      [{ deploymentId: "d-WEB8", autoRollbackEnabled: true }],
    );
    assert.equal(f.mocks.codeDeploy.commandCalls(CreateDeploymentCommand).length, 0);
    assert.match(f.stdout(), /^prod web: ROLLED-BACK: deployment d-WEB8 stopped and rolled back$/m);
  });

  it("stops a deployment that is still shifting traffic, too; without --wait it reports stopping", async () => {
    f = world();
    f.world.active.set("greenlight-prod-web", ["d-WEB8"]);
    f.world.deployments.set("d-WEB8", {
      info: {},
      steps: [{ status: "InProgress", events: events(6, "InProgress") }],
    });
    assert.equal(await run(["rollback", "prod", "web", "--yes"], f.deps), 0, f.stderr());
    assert.match(f.stderr(), /is InProgress, not yet live/);
    assert.equal(f.mocks.codeDeploy.commandCalls(StopDeploymentCommand).length, 1);
    assert.match(f.stdout(), /prod web: STOPPING: stopping d-WEB8 with rollback/);
  });

  it("after the termination wait, redeploys the previous release's task definition without a rebuild", async () => {
    f = world([true]);
    f.world.deployments.set("d-ROLLBACK1", {
      info: {},
      steps: [
        { status: "InProgress", events: events(6, "InProgress") },
        { status: "InProgress", events: events(8) },
      ],
    });
    f.world.later.set("/greenlight/prod/web/live", {
      reads: 2,
      value: JSON.stringify({
        ...release("prod", "web", "v1.3.0", 6, "2026-11-22T12:01:00.000Z"),
        deploymentId: "d-ROLLBACK1",
      }),
    });
    const code = await run(["rollback", "prod", "web", "--wait"], f.deps);
    assert.equal(code, 0, f.stderr());
    assert.match(
      f.stderr(),
      /live now v1\.4\.0; roll back to v1\.3\.0 \(123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/web-prodabc@sha256:6{64}/,
    );
    assert.deepEqual(f.questions, ["Redeploy web v1.3.0 in prod?"]);
    const [call] = f.mocks.codeDeploy.commandCalls(CreateDeploymentCommand);
    const input = call!.args[0].input;
    assert.equal(input.applicationName, "greenlight-prod");
    assert.equal(input.deploymentGroupName, "greenlight-prod-web");
    assert.equal(input.revision?.revisionType, "AppSpecContent");
    const appSpec = JSON.parse(input.revision!.appSpecContent!.content!);
    assert.equal(
      appSpec.Resources[0].TargetService.Properties.TaskDefinition,
      td("prod", "web", 6),
    );
    assert.deepEqual(
      appSpec.Hooks,
      [{ AfterAllowTraffic: "greenlight-prod-live-hook" }],
      "the live hook still runs",
    );
    assert.equal(f.world.started.length, 0, "no pipeline run: no rebuild");
    assert.match(f.stdout(), /prod web: LIVE: live v1\.3\.0 \(deployment d-ROLLBACK1\)/);
  });

  it("--to redeploys the chosen recorded version, even while nothing is in progress", async () => {
    f = world();
    assert.equal(
      await run(["rollback", "prod", "web", "--to", "v1.2.0", "--yes"], f.deps),
      0,
      f.stderr(),
    );
    const content =
      f.mocks.codeDeploy.commandCalls(CreateDeploymentCommand)[0]!.args[0].input.revision!
        .appSpecContent!.content!;
    assert.equal(
      JSON.parse(content).Resources[0].TargetService.Properties.TaskDefinition,
      td("prod", "web", 5),
    );
    assert.match(
      f.stdout(),
      /prod web: REDEPLOYING: redeploying v1\.2\.0 \(deployment d-ROLLBACK1\)/,
    );
  });

  it("refuses a version that was never recorded, or the live one, and lists what was (exit 1)", async () => {
    f = world();
    assert.equal(await run(["rollback", "prod", "web", "--to", "v0.9.0", "--yes"], f.deps), 1);
    assert.match(
      f.stderr(),
      /no release v0\.9\.0 of web is recorded in prod; recorded: v1\.4\.0, v1\.3\.0, v1\.2\.0/,
    );
    assert.match(f.stderr(), /greenlight status prod --history web/);
    assert.equal(await run(["rollback", "prod", "web", "--to", "v1.4.0", "--yes"], f.deps), 1);
    assert.match(f.stderr(), /v1\.4\.0 is what is live in prod already/);
    assert.equal(f.mocks.codeDeploy.commandCalls(CreateDeploymentCommand).length, 0);
  });

  it("says there is nothing to go back to when only one release is recorded (exit 1)", async () => {
    f = fake({ stackFiles: { prod: REGION } });
    f.addStack("prod", {
      web: { releases: [release("prod", "web", "v1.0.0", 1, "2026-11-22T09:00:00.000Z")] },
    });
    assert.equal(await run(["rollback", "prod", "web", "--yes"], f.deps), 1);
    assert.match(
      f.stderr(),
      /no earlier release of web is recorded in prod to go back to \(releases recorded: 1\)/,
    );
  });

  it("falls back to the live deployment's AppSpec when the old deployment is gone, and says so when both are", async () => {
    f = world();
    f.world.deployments.delete("d-WEB6");
    assert.equal(await run(["rollback", "prod", "web", "--yes"], f.deps), 0, f.stderr());
    const content =
      f.mocks.codeDeploy.commandCalls(CreateDeploymentCommand)[0]!.args[0].input.revision!
        .appSpecContent!.content!;
    assert.equal(
      JSON.parse(content).Resources[0].TargetService.Properties.TaskDefinition,
      td("prod", "web", 6),
    );
    f.world.deployments.delete("d-WEB7");
    assert.equal(await run(["rollback", "prod", "web", "--yes"], f.deps), 1);
    assert.match(f.stderr(), /CodeDeploy no longer has the AppSpec/);
    assert.match(f.stderr(), /greenlight deploy prod web --ref v1\.3\.0/);
  });

  it("asks before it changes anything and does nothing on no (exit 1)", async () => {
    f = world([false]);
    f.world.active.set("greenlight-prod-web", ["d-WEB8"]);
    f.world.deployments.set("d-WEB8", {
      info: {},
      steps: [{ status: "InProgress", events: events(8) }],
    });
    assert.equal(await run(["rollback", "prod", "web"], f.deps), 1);
    assert.equal(f.mocks.codeDeploy.commandCalls(StopDeploymentCommand).length, 0);
  });

  it("refuses an unknown service (exit 2)", async () => {
    f = world();
    assert.equal(await run(["rollback", "prod", "api", "--yes"], f.deps), 2);
    assert.match(f.stderr(), /prod has no service api; its services: web/);
  });

  it("chooseRelease skips releases of the live version; appSpecFor keeps everything but the task definition", () => {
    const live = release("prod", "web", "v1.4.0", 7, "2026-11-22T09:00:00.000Z");
    const redeployedLive = { ...live, deployedAt: "2026-11-21T09:00:00.000Z" };
    const older = release("prod", "web", "v1.3.0", 6, "2026-11-15T09:00:00.000Z");
    assert.equal(chooseRelease([live, redeployedLive, older], live, undefined), older);
    const doc = JSON.parse(appSpecFor(APPSPEC, "arn:x:9"));
    assert.equal(doc.Resources[0].TargetService.Properties.TaskDefinition, "arn:x:9");
    assert.equal(doc.Resources[0].TargetService.Properties.LoadBalancerInfo.ContainerPort, 8080);
    assert.throws(() => appSpecFor("version: 0.0\n", "arn:x:9"), /not an ECS AppSpec/);
  });
});

describe("greenlight rollback, Amazon ECS blue/green services", () => {
  let f: Fake;
  afterEach(() => f.restore());

  /** prod on ECS: web v1.2.0 (rev 5), v1.3.0 (rev 6), then v1.4.0 (rev 7) live. */
  function ecsWorld(answers?: (boolean | undefined)[]): Fake {
    const g = fake({ answers, stackFiles: { prod: REGION } });
    g.addStack(
      "prod",
      {
        web: {
          releases: [
            ecsRelease("prod", "web", "v1.2.0", 5, "2026-11-10T09:00:00.000Z"),
            ecsRelease("prod", "web", "v1.3.0", 6, "2026-11-15T09:00:00.000Z"),
            ecsRelease("prod", "web", "v1.4.0", 7, "2026-11-22T09:00:00.000Z"),
          ],
        },
      },
      { engine: "ecs" },
    );
    return g;
  }
  const sd = (id: string) => serviceDeploymentArn("prod", "web", id);

  it("in the bake time, stops the service deployment with ROLLBACK (exact input) and follows it to ROLLBACK_SUCCESSFUL", async () => {
    f = ecsWorld([true]);
    f.world.serviceDeployments.set(sd("SD8"), {
      cluster: "greenlight-prod",
      service: "web",
      createdAt: new Date("2026-11-22T11:40:00Z"),
      targetRevision: serviceRevisionArn("prod", "web", 8),
      steps: [
        { status: "IN_PROGRESS", lifecycleStage: "BAKE_TIME" },
        { status: "ROLLBACK_IN_PROGRESS", lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT" },
        { status: "ROLLBACK_SUCCESSFUL", lifecycleStage: "CLEAN_UP" },
      ],
    });
    assert.equal(await run(["rollback", "prod", "web", "--wait"], f.deps), 0, f.stderr());
    assert.match(
      f.stderr(),
      /service deployment SD8 is IN_PROGRESS at BAKE_TIME, live, with the previous revision still kept \(bake time\)/,
    );
    assert.deepEqual(f.questions, ["Stop SD8 and roll back web in prod?"]);
    assert.deepEqual(
      f.mocks.ecs.commandCalls(StopServiceDeploymentCommand).map((c) => c.args[0].input),
      [{ serviceDeploymentArn: sd("SD8"), stopType: "ROLLBACK" }],
    );
    assert.equal(f.mocks.ecs.commandCalls(UpdateServiceCommand).length, 0);
    assert.equal(f.mocks.codeDeploy.commandCalls(StopDeploymentCommand).length, 0);
    assert.match(f.stdout(), /^prod web: ROLLED-BACK: service deployment SD8 rolled back$/m);
  });

  it("does not stop a deployment again that is already rolling back, and follows it", async () => {
    f = ecsWorld();
    f.world.serviceDeployments.set(sd("SD8"), {
      cluster: "greenlight-prod",
      service: "web",
      createdAt: new Date("2026-11-22T11:40:00Z"),
      targetRevision: serviceRevisionArn("prod", "web", 8),
      steps: [
        { status: "ROLLBACK_IN_PROGRESS", lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT" },
        { status: "ROLLBACK_FAILED", statusReason: "Target group unhealthy" },
      ],
    });
    assert.equal(await run(["rollback", "prod", "web", "--wait", "--yes"], f.deps), 1);
    assert.match(f.stderr(), /already going back/);
    assert.equal(f.mocks.ecs.commandCalls(StopServiceDeploymentCommand).length, 0);
    assert.match(
      f.stdout(),
      /prod web: FAILED: service deployment SD8 ROLLBACK_FAILED: Target group unhealthy/,
    );
  });

  it("after the bake time, redeploys the previous release's task definition with UpdateService and follows it to live", async () => {
    f = ecsWorld([true]);
    f.world.nextServiceDeployment = sd("SD9");
    f.world.serviceDeployments.set(sd("SD9"), {
      cluster: "greenlight-prod",
      service: "web",
      createdAt: new Date("2026-11-22T12:00:01Z"),
      targetRevision: serviceRevisionArn("prod", "web", 6),
      steps: [
        { status: "IN_PROGRESS", lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT" },
        { status: "SUCCESSFUL", lifecycleStage: "CLEAN_UP" },
      ],
    });
    f.world.later.set("/greenlight/prod/web/live", {
      reads: 2,
      value: JSON.stringify({
        ...ecsRelease("prod", "web", "v1.3.0", 6, "2026-11-22T12:01:00.000Z"),
        deploymentId: sd("SD9"),
      }),
    });
    assert.equal(await run(["rollback", "prod", "web", "--wait"], f.deps), 0, f.stderr());
    assert.match(
      f.stderr(),
      /live now v1\.4\.0; roll back to v1\.3\.0 .*an ECS blue\/green deployment of its task definition/,
    );
    assert.deepEqual(f.questions, ["Redeploy web v1.3.0 in prod?"]);
    assert.deepEqual(
      f.mocks.ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input),
      [{ cluster: "greenlight-prod", service: "web", taskDefinition: td("prod", "web", 6) }],
    );
    assert.equal(f.mocks.ecs.commandCalls(StopServiceDeploymentCommand).length, 0);
    assert.equal(f.mocks.codeDeploy.commandCalls(CreateDeploymentCommand).length, 0);
    assert.equal(f.world.started.length, 0, "no pipeline run: no rebuild");
    assert.match(f.stdout(), /^prod web: LIVE: live v1\.3\.0 \(service deployment SD9\)$/m);
  });

  it("--to redeploys a chosen version, and refuses one ECS already runs (exit 1)", async () => {
    f = ecsWorld();
    f.world.nextServiceDeployment = sd("SD9");
    assert.equal(
      await run(["rollback", "prod", "web", "--to", "v1.2.0", "--yes"], f.deps),
      0,
      f.stderr(),
    );
    assert.equal(
      f.mocks.ecs.commandCalls(UpdateServiceCommand)[0]!.args[0].input.taskDefinition,
      td("prod", "web", 5),
    );
    assert.match(
      f.stdout(),
      /prod web: REDEPLOYING: redeploying v1\.2\.0 \(service deployment SD9\)/,
    );
    f.restore();
    f = ecsWorld();
    // ECS runs v1.3.0's task definition although the record says v1.4.0.
    f.world.services.set("greenlight-prod/web", ecsNativeService("prod", "web", 6));
    assert.equal(await run(["rollback", "prod", "web", "--to", "v1.3.0", "--yes"], f.deps), 1);
    assert.match(f.stderr(), /ECS already runs .*greenlight-prod-web:6 \(v1\.3\.0\)/);
    assert.equal(f.mocks.ecs.commandCalls(UpdateServiceCommand).length, 0);
  });
});
