import { strict as assert } from "node:assert";
import { AccessDeniedException } from "@aws-sdk/client-ssm";
import { run } from "../../tools/cli/main";
import { fake, release, REGION, type Fake } from "./fixture";

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
