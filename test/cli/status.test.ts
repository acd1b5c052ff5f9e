import { strict as assert } from "node:assert";
import { ListDeploymentsCommand } from "@aws-sdk/client-codedeploy";
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  ListServiceDeploymentsCommand,
} from "@aws-sdk/client-ecs";
import { AccessDeniedException } from "@aws-sdk/client-ssm";
import { run } from "../../tools/cli/main";
import {
  ecsRelease,
  ecsService,
  fake,
  release,
  REGION,
  serviceDeploymentArn,
  serviceRevisionArn,
  td,
  type Fake,
} from "./fixture";

/* eslint-disable @typescript-eslint/no-explicit-any -- parsed JSON documents */

/**
 * dev: web live (v2.1.0), api deploying (AllowTraffic). staging: web drifted (ECS runs revision 9,
 * the record says 8), api live. prod: only web, live. qa has a stack file but no stack.
 */
function world(): Fake {
  const f = fake({ stackFiles: { dev: REGION, staging: REGION, prod: REGION, qa: REGION } });
  f.addStack("dev", {
    web: { releases: [release("dev", "web", "v2.1.0", 21, "2026-11-22T10:00:00.000Z")] },
    api: { releases: [release("dev", "api", "a1b2c3d", 7, "2026-11-21T12:00:00.000Z")] },
  });
  f.world.active.set("greenlight-dev-api", ["d-API8"]);
  f.world.deployments.set("d-API8", {
    info: {
      status: "InProgress",
      createTime: new Date("2026-11-22T11:58:00Z"),
      revision: { revisionType: "AppSpecContent", appSpecContent: { content: "{}" } },
    },
    steps: [{ status: "InProgress", events: [] }],
  });
  f.addStack("staging", {
    web: {
      releases: [release("staging", "web", "v2.0.0", 8, "2026-11-20T09:00:00.000Z")],
      revision: 9,
    },
    api: { releases: [release("staging", "api", "a1b2c3d", 5, "2026-11-21T15:00:00.000Z")] },
  });
  f.addStack("prod", {
    web: { releases: [release("prod", "web", "v1.9.0", 3, "2026-11-15T09:00:00.000Z")] },
  });
  return f;
}

describe("greenlight status", () => {
  let f: Fake;
  afterEach(() => f.restore());

  it("with no environment, shows every stack as one matrix, a missing stack as not deployed, then the warnings", async () => {
    f = world();
    const code = await run(["status"], f.deps);
    assert.equal(code, 0, f.stderr());
    const lines = f.stdout().split("\n");
    assert.match(
      lines[0]!,
      /^Greenlight: 4 environments \(dev eu-west-1, qa eu-west-1, staging eu-west-1, prod eu-west-1\)$/,
    );
    const header = lines.find((line) => line.startsWith("SERVICE"))!;
    assert.match(header, /^SERVICE\s+dev\s+qa \(not deployed\)\s+staging\s+prod$/);
    const api = lines.find((line) => line.startsWith("api "))!;
    assert.match(api, /a1b2c3d deploying · 24 h ago · Ada Lovelace/);
    assert.match(api, /a1b2c3d live · 21 h ago/);
    const web = lines.find((line) => line.startsWith("web "))!;
    assert.match(web, /v2\.1\.0 live · 2 h ago · Ada Lovelace/);
    assert.match(web, /v2\.0\.0 drift · 2 d ago/);
    assert.match(web, /v1\.9\.0 live · 7 d ago/);
    const warnings = lines.slice(lines.indexOf("Warnings:") + 1).join("\n");
    assert.match(warnings, /qa: not deployed: Pulumi\.qa\.yaml has no stack index in eu-west-1/);
    assert.match(
      warnings,
      /staging web: drift: ECS serves greenlight-staging-web:9 but the recorded release v2\.0\.0 is greenlight-staging-web:8/,
    );
    // The stack indexes came from one listing of /greenlight, page by page.
    const listings = f.mocks.ssm.commandCalls(
      (await import("@aws-sdk/client-ssm")).GetParametersByPathCommand,
    );
    assert.ok(listings.length > 1, "pages through GetParametersByPath");
    assert.deepEqual(listings[0]!.args[0].input, {
      Path: "/greenlight",
      Recursive: true,
      MaxResults: 10,
    });
  });

  it("prints the matrix as JSON: each service per environment with state, version and warnings", async () => {
    f = world();
    assert.equal(await run(["status", "--json"], f.deps), 0, f.stderr());
    const doc = JSON.parse(f.stdout());
    assert.deepEqual(
      doc.environments.map((e: any) => [e.environment, e.deployed]),
      [
        ["dev", true],
        ["qa", false],
        ["staging", true],
        ["prod", true],
      ],
    );
    const web = doc.services.find((s: any) => s.service === "web");
    assert.equal(web.environments.staging.state, "drift");
    assert.equal(web.environments.prod.version, "v1.9.0");
    const api = doc.services.find((s: any) => s.service === "api");
    assert.equal(api.environments.dev.state, "deploying");
    assert.equal(api.environments.dev.deploymentId, "d-API8");
    assert.equal(api.environments.prod, null, "api is not a service of prod");
    assert.ok(doc.warnings.some((w: string) => w.startsWith("staging web: drift")));
  });

  it("with several environments, shows only those, in the order given, and a missing one as not deployed", async () => {
    f = world();
    assert.equal(await run(["status", "prod", "nowhere", "dev"], f.deps), 0, f.stderr());
    const header = f
      .stdout()
      .split("\n")
      .find((line) => line.startsWith("SERVICE"))!;
    assert.match(header, /^SERVICE\s+prod\s+nowhere \(not deployed\)\s+dev$/);
    assert.match(
      f.stdout(),
      /nowhere: not deployed: no stack index at \/greenlight\/nowhere\/stack/,
    );
  });

  it("with one environment, shows its table as before, in the stack file's region", async () => {
    f = fake({ stackFiles: { prod: "us-east-2" } });
    f.addStack("prod", {
      web: { releases: [release("prod", "web", "v1.9.0", 3, "2026-11-15T09:00:00.000Z")] },
    });
    assert.equal(await run(["status", "prod"], f.deps), 0, f.stderr());
    assert.match(f.stdout(), /^Greenlight prod: region eu-west-1, cluster greenlight-prod/);
    assert.match(f.stdout(), /web\s+v1\.9\.0\s+live/);
    assert.deepEqual(f.regions, ["us-east-2"], "the region of Pulumi.prod.yaml");
  });

  it("reads `status <env> all` and `--service` as npm run status did", async () => {
    f = world();
    assert.equal(await run(["status", "staging", "all"], f.deps), 0, f.stderr());
    assert.match(f.stdout(), /^Greenlight staging: region eu-west-1/);
    assert.match(f.stdout(), /web\s+v2\.0\.0\s+drift/);
    f.restore();
    f = world();
    assert.equal(
      await run(["status", "staging", "--service", "api", "--json"], f.deps),
      0,
      f.stderr(),
    );
    const doc = JSON.parse(f.stdout());
    assert.deepEqual(
      doc.services.map((s: any) => s.service),
      ["api"],
    );
  });

  it("uses --region over the stack file's, and refuses one that is not a region", async () => {
    f = fake({ stackFiles: { prod: "us-east-2" } });
    f.addStack("prod", { web: {} });
    assert.equal(await run(["status", "prod", "--region", "eu-central-1"], f.deps), 0, f.stderr());
    assert.deepEqual(f.regions, ["eu-central-1"]);
    assert.equal(await run(["status", "--region", "Frankfurt"], f.deps), 2);
    assert.match(f.stderr(), /--region "Frankfurt" is not a region such as eu-west-1/);
  });

  it("names the missing permission on access denied (exit 2)", async () => {
    f = world();
    const message =
      "User: arn:aws:sts::123456789012:assumed-role/dev/ada is not authorized to perform: ssm:GetParametersByPath on resource: arn:aws:ssm:eu-west-1:123456789012:parameter/greenlight";
    f.world.failures.set(
      "GetParametersByPathCommand",
      new AccessDeniedException({ Message: message, message, $metadata: {} }),
    );
    assert.equal(await run(["status"], f.deps), 2);
    assert.match(
      f.stderr(),
      /status: access denied: arn:aws:sts::123456789012:assumed-role\/dev\/ada may not call ssm:GetParametersByPath/,
    );
    assert.match(
      f.stderr(),
      /`greenlight status` needs: ssm:GetParametersByPath, ssm:GetParameter/,
    );
    assert.equal(f.stdout(), "");
  });

  it("says how to configure credentials when there are none (exit 2)", async () => {
    f = world();
    const error = new Error("Could not load credentials from any providers");
    error.name = "CredentialsProviderError";
    f.world.failures.set("GetParametersByPathCommand", error);
    assert.equal(await run(["status"], f.deps), 2);
    assert.match(f.stderr(), /status: no AWS credentials found/);
    assert.match(f.stderr(), /aws sso login/);
  });

  it("refuses --service or --history without exactly one environment (exit 2)", async () => {
    f = world();
    assert.equal(await run(["status", "--history", "web"], f.deps), 2);
    assert.match(f.stderr(), /--service and --history need exactly one environment/);
  });

  it("says so when there is no stack anywhere", async () => {
    f = fake();
    assert.equal(await run(["status"], f.deps), 0);
    assert.match(f.stdout(), /No Greenlight stacks found/);
  });
});

/**
 * dev on the ECS engine: web live (v2.1.0), api deploying (production traffic shifting, 30%),
 * search drifted (ECS runs revision 6, the record says 5). prod on CodeDeploy: web live.
 */
function ecsWorld(): Fake {
  const f = fake({ stackFiles: { dev: REGION, prod: REGION } });
  f.addStack(
    "dev",
    {
      web: { releases: [ecsRelease("dev", "web", "v2.1.0", 21, "2026-11-22T10:00:00.000Z")] },
      api: { releases: [ecsRelease("dev", "api", "v1.0.0", 7, "2026-11-21T12:00:00.000Z")] },
      search: {
        releases: [ecsRelease("dev", "search", "v3.0.0", 5, "2026-11-20T12:00:00.000Z")],
        revision: 6,
      },
    },
    { engine: "ecs" },
  );
  f.world.revisions.set(serviceRevisionArn("dev", "api", 8), td("dev", "api", 8));
  f.world.serviceDeployments.set(serviceDeploymentArn("dev", "api", "SD8"), {
    cluster: "greenlight-dev",
    service: "api",
    createdAt: new Date("2026-11-22T11:55:00Z"),
    targetRevision: serviceRevisionArn("dev", "api", 8),
    steps: [{ status: "IN_PROGRESS", lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT", weight: 30 }],
  });
  // An older, finished deployment of api is not "in progress".
  f.world.serviceDeployments.set(serviceDeploymentArn("dev", "api", "SD7"), {
    cluster: "greenlight-dev",
    service: "api",
    createdAt: new Date("2026-11-21T11:55:00Z"),
    targetRevision: serviceRevisionArn("dev", "api", 7),
    steps: [{ status: "SUCCESSFUL", lifecycleStage: "CLEAN_UP" }],
  });
  f.addStack("prod", {
    web: { releases: [release("prod", "web", "v1.9.0", 3, "2026-11-15T09:00:00.000Z")] },
  });
  return f;
}

describe("greenlight status, Amazon ECS blue/green services", () => {
  let f: Fake;
  afterEach(() => f.restore());

  it("shows an ECS service live, one deploying with its lifecycle stage and traffic, and one drifted, from ECS's own deployments", async () => {
    f = ecsWorld();
    assert.equal(await run(["status", "dev"], f.deps), 0, f.stderr());
    const lines = f.stdout().split("\n");
    assert.equal(
      lines[0],
      "Greenlight dev: region eu-west-1, cluster greenlight-dev, deployed by Amazon ECS blue/green",
    );
    const row = (service: string) => lines.find((line) => line.startsWith(`${service} `)) ?? "";
    assert.match(
      row("api"),
      /^api +v1\.0\.0 +deploying greenlight-dev-api:8 \(IN_PROGRESS, PRODUCTION_TRAFFIC_SHIFT \(30% of production\)\) +Ada Lovelace/,
    );
    assert.match(row("web"), /^web +v2\.1\.0 +live +Ada Lovelace .* 2\/2$/);
    assert.match(
      row("search"),
      /drift +.*drift: ECS serves greenlight-dev-search:6 but the recorded release v3\.0\.0 is greenlight-dev-search:5$/,
    );
    // Only deployments not over, per service; no CodeDeploy call for an ECS-controller service.
    const listed = f.mocks.ecs
      .commandCalls(ListServiceDeploymentsCommand)
      .map((c) => c.args[0].input);
    assert.deepEqual(
      listed.find((input) => input.service === "api"),
      {
        cluster: "greenlight-dev",
        service: "api",
        status: [
          "PENDING",
          "IN_PROGRESS",
          "STOP_REQUESTED",
          "ROLLBACK_REQUESTED",
          "ROLLBACK_IN_PROGRESS",
        ],
      },
    );
    assert.equal(listed.length, 3);
    assert.deepEqual(
      f.mocks.ecs.commandCalls(DescribeServiceDeploymentsCommand).map((c) => c.args[0].input),
      [{ serviceDeploymentArns: [serviceDeploymentArn("dev", "api", "SD8")] }],
    );
    assert.equal(f.mocks.codeDeploy.commandCalls(ListDeploymentsCommand).length, 0);
    // The drift is judged on the running revision's task definition.
    const revisionCalls = f.mocks.ecs
      .commandCalls(DescribeServiceRevisionsCommand)
      .map((c) => c.args[0].input.serviceRevisionArns);
    assert.ok(
      revisionCalls.some((arns) => arns?.includes(serviceRevisionArn("dev", "search", 6))),
      JSON.stringify(revisionCalls),
    );
  });

  it("--json gives the engine, the service deployment ARN, stage, target task definition and running revisions", async () => {
    f = ecsWorld();
    assert.equal(await run(["status", "dev", "--json"], f.deps), 0, f.stderr());
    const doc = JSON.parse(f.stdout());
    const api = doc.services.find((s: any) => s.service === "api");
    assert.equal(api.engine, "ecs");
    assert.equal(api.state, "deploying");
    assert.deepEqual(api.deployment, {
      id: serviceDeploymentArn("dev", "api", "SD8"),
      status: "IN_PROGRESS",
      stage: "PRODUCTION_TRAFFIC_SHIFT (30% of production)",
      taskDefinitionArn: td("dev", "api", 8),
      createdAt: "2026-11-22T11:55:00.000Z",
    });
    const search = doc.services.find((s: any) => s.service === "search");
    assert.equal(search.state, "drift");
    assert.deepEqual(search.ecs.revisions, [
      {
        arn: serviceRevisionArn("dev", "search", 6),
        taskDefinitionArn: td("dev", "search", 6),
        runningCount: 2,
        requestedCount: 2,
      },
    ]);
    assert.deepEqual(search.ecs.taskSets, []);
  });

  it("shows the bake time and a rollback under way with its reason", async () => {
    f = ecsWorld();
    f.world.serviceDeployments.set(serviceDeploymentArn("dev", "web", "SD22"), {
      cluster: "greenlight-dev",
      service: "web",
      createdAt: new Date("2026-11-22T11:50:00Z"),
      targetRevision: serviceRevisionArn("dev", "web", 22),
      steps: [{ status: "IN_PROGRESS", lifecycleStage: "BAKE_TIME" }],
    });
    f.world.serviceDeployments.set(serviceDeploymentArn("dev", "search", "SD7"), {
      cluster: "greenlight-dev",
      service: "search",
      createdAt: new Date("2026-11-22T11:52:00Z"),
      targetRevision: serviceRevisionArn("dev", "search", 7),
      steps: [
        {
          status: "ROLLBACK_IN_PROGRESS",
          lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT",
          statusReason: "Lifecycle hook failed at POST_PRODUCTION_TRAFFIC_SHIFT",
          rollback: {
            reason: "Lifecycle hook failed",
            startedAt: new Date("2026-11-22T11:58:00Z"),
            serviceRevisionArn: serviceRevisionArn("dev", "search", 6),
          },
        },
      ],
    });
    assert.equal(await run(["status", "dev", "--json"], f.deps), 0, f.stderr());
    const doc = JSON.parse(f.stdout());
    const web = doc.services.find((s: any) => s.service === "web");
    assert.equal(web.deployment.stage, "BAKE_TIME");
    assert.equal(web.deployment.taskDefinitionArn, undefined, "revision 22 is not described");
    const search = doc.services.find((s: any) => s.service === "search");
    assert.equal(search.state, "deploying");
    assert.equal(search.deployment.status, "ROLLBACK_IN_PROGRESS");
    assert.equal(
      search.deployment.statusReason,
      "Lifecycle hook failed at POST_PRODUCTION_TRAFFIC_SHIFT",
    );
    assert.deepEqual(search.deployment.rollback, {
      reason: "Lifecycle hook failed",
      startedAt: "2026-11-22T11:58:00.000Z",
    });
  });

  it("the matrix mixes engines: each environment's engine, an ECS deploying cell with its stage, CodeDeploy as before", async () => {
    f = ecsWorld();
    assert.equal(await run(["status"], f.deps), 0, f.stderr());
    const lines = f.stdout().split("\n");
    assert.equal(lines[0], "Greenlight: 2 environments (dev eu-west-1 ecs, prod eu-west-1)");
    const api = lines.find((line) => line.startsWith("api "))!;
    assert.match(api, /v1\.0\.0 deploying PRODUCTION_TRAFFIC_SHIFT · 24 h ago · Ada Lovelace/);
    const web = lines.find((line) => line.startsWith("web "))!;
    assert.match(web, /v2\.1\.0 live · 2 h ago .* v1\.9\.0 live · 7 d ago/);
    assert.match(f.stdout(), /dev search: drift: ECS serves greenlight-dev-search:6/);
    f.restore();
    f = ecsWorld();
    assert.equal(await run(["status", "--json"], f.deps), 0, f.stderr());
    const doc = JSON.parse(f.stdout());
    assert.deepEqual(
      doc.environments.map((e: any) => [e.environment, e.engines]),
      [
        ["dev", ["ecs"]],
        ["prod", ["codedeploy"]],
      ],
    );
    const apiCells = doc.services.find((s: any) => s.service === "api").environments;
    assert.equal(apiCells.dev.engine, "ecs");
    assert.equal(apiCells.dev.deploymentId, serviceDeploymentArn("dev", "api", "SD8"));
    assert.equal(apiCells.dev.label, "deploying PRODUCTION_TRAFFIC_SHIFT");
    assert.equal(
      doc.services.find((s: any) => s.service === "web").environments.prod.engine,
      "codedeploy",
    );
  });

  it("in one stack with both engines, names each engine's services and asks each engine only about its own", async () => {
    f = ecsWorld();
    f.world.services.set("greenlight-dev/web", ecsService("dev", "web", 21));
    assert.equal(await run(["status", "dev"], f.deps), 0, f.stderr());
    assert.equal(
      f.stdout().split("\n")[0],
      "Greenlight dev: region eu-west-1, cluster greenlight-dev, CodeDeploy application greenlight-dev for web; Amazon ECS blue/green for api, search",
    );
    assert.deepEqual(
      f.mocks.ecs
        .commandCalls(ListServiceDeploymentsCommand)
        .map((c) => c.args[0].input.service)
        .sort(),
      ["api", "search"],
    );
  });

  it("names ecs:ListServiceDeployments when it is denied (exit 2)", async () => {
    f = ecsWorld();
    const denied = new Error(
      "User: arn:aws:sts::123456789012:assumed-role/ReadOnly/ada is not authorized to perform: ecs:ListServiceDeployments on resource: arn:aws:ecs:eu-west-1:123456789012:service/greenlight-dev/api",
    );
    denied.name = "AccessDeniedException";
    f.world.failures.set("ListServiceDeploymentsCommand", denied);
    assert.equal(await run(["status", "dev"], f.deps), 2);
    assert.match(f.stderr(), /may not call ecs:ListServiceDeployments on arn:aws:ecs:/);
    assert.match(
      f.stderr(),
      /needs: .*ecs:ListServiceDeployments, ecs:DescribeServiceDeployments, ecs:DescribeServiceRevisions/,
    );
  });
});
