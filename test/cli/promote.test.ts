import { strict as assert } from "node:assert";
import { StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import { DescribeImagesCommand } from "@aws-sdk/client-ecr";
import { run } from "../../tools/cli/main";
import { parseDigestUri, promoteMetadataValue } from "../../tools/cli/promote";
import { DIGEST, events, executionScript, fake, release, REGION, type Fake } from "./fixture";

/* eslint-disable @typescript-eslint/no-explicit-any -- parsed JSON documents */

/** staging: web v1.4.0, api v2.0.0, worker v0.3.0 live. prod: web v1.3.0, api v2.0.0 (same image). */
function world(answers?: (boolean | undefined)[]): Fake {
  const f = fake({ answers, stackFiles: { staging: REGION, prod: REGION } });
  const apiStaging = release("staging", "api", "v2.0.0", 5, "2026-11-20T09:00:00.000Z");
  f.addStack("staging", {
    web: { releases: [release("staging", "web", "v1.4.0", 8, "2026-11-21T09:00:00.000Z")] },
    api: { releases: [apiStaging] },
    worker: { releases: [release("staging", "worker", "v0.3.0", 3, "2026-11-21T10:00:00.000Z")] },
  });
  f.addStack(
    "prod",
    {
      web: { releases: [release("prod", "web", "v1.3.0", 2, "2026-11-10T09:00:00.000Z")] },
      api: { releases: [{ ...apiStaging, environment: "prod", deploymentId: "d-APIPROD" }] },
      worker: {},
    },
    { promoteOnly: true },
  );
  return f;
}

function startInputs(f: Fake) {
  return f.mocks.codePipeline
    .commandCalls(StartPipelineExecutionCommand)
    .map((c) => c.args[0].input);
}

describe("greenlight promote", () => {
  let f: Fake;
  afterEach(() => f.restore());

  it("promotes several services: the digest live in staging, its metadata and deployment, through prod's pipelines", async () => {
    f = world([true]);
    const code = await run(["promote", "staging", "prod", "web", "worker"], f.deps);
    assert.equal(code, 0, f.stderr());
    assert.match(
      f.stderr(),
      /Promote from staging to prod, through prod's pipelines, without a rebuild:/,
    );
    assert.match(
      f.stderr(),
      /web\s+v1\.4\.0\s+…@sha256:8{12}\s+2026-11-21T09:00:00\.000Z \(d-WEB8\)\s+v1\.3\.0/,
    );
    assert.match(f.stderr(), /worker\s+v0\.3\.0\s+.*nothing recorded/);
    assert.deepEqual(f.questions, ["Promote 2 services from staging to prod?"]);
    const inputs = startInputs(f);
    assert.deepEqual(
      inputs.map((i) => i.name),
      ["greenlight-prod-web", "greenlight-prod-worker"],
    );
    const web = inputs[0]!;
    const variables = Object.fromEntries(web.variables!.map((v) => [v.name, v.value]));
    assert.deepEqual(Object.keys(variables), [
      "RELEASE_REF",
      "PROMOTE_FROM",
      "PROMOTE_IMAGE",
      "PROMOTE_DEPLOYMENT",
      "PROMOTE_METADATA",
    ]);
    assert.equal(variables.RELEASE_REF, "source");
    assert.equal(variables.PROMOTE_FROM, "staging");
    assert.equal(
      variables.PROMOTE_IMAGE,
      `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-stagingabc@${DIGEST(8)}`,
    );
    assert.equal(variables.PROMOTE_DEPLOYMENT, "d-WEB8");
    assert.match(variables.PROMOTE_METADATA!, /^[A-Za-z0-9+/]+=*$/, "base64: nothing to escape");
    assert.deepEqual(
      JSON.parse(Buffer.from(variables.PROMOTE_METADATA!, "base64").toString("utf8")),
      {
        version: "v1.4.0",
        commit: "8".repeat(40),
        ref: "v1.4.0",
        refType: "tag",
        commitMessage: "Ship web v1.4.0",
        author: "Ada Lovelace",
      },
    );
    // The release's commit as the source revision.
    assert.deepEqual(web.sourceRevisions, [
      { actionName: "Source", revisionType: "COMMIT_ID", revisionValue: "8".repeat(40) },
    ]);
    // Each image was checked in staging's repository first.
    const described = f.mocks.ecr.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input);
    assert.deepEqual(described[0], {
      registryId: "123456789012",
      repositoryName: "web-stagingabc",
      imageIds: [{ imageDigest: DIGEST(8) }],
    });
  });

  it("with all, skips a service whose image is live in the target already, and follows the rest to live with --wait", async () => {
    f = world();
    f.world.executions.set("greenlight-prod-web", executionScript("d-WEBPROD9"));
    f.world.executions.set("greenlight-prod-worker", executionScript("d-WORKERPROD4"));
    for (const [id, service, version] of [
      ["d-WEBPROD9", "web", "v1.4.0"],
      ["d-WORKERPROD4", "worker", "v0.3.0"],
    ] as const) {
      f.world.deployments.set(id, {
        info: {},
        steps: [
          { status: "InProgress", events: events(7, "InProgress") },
          { status: "InProgress", events: events(8) },
        ],
      });
      f.world.later.set(`/greenlight/prod/${service}/live`, {
        reads: 2,
        value: JSON.stringify({
          ...release("prod", service, version, 9, "2026-11-22T12:10:00.000Z"),
          deploymentId: id,
          promotedFrom: { environment: "staging", deploymentId: "d-X" },
        }),
      });
    }
    const code = await run(
      ["promote", "staging", "prod", "all", "--yes", "--wait", "--json"],
      f.deps,
    );
    assert.equal(code, 0, f.stderr());
    assert.deepEqual(
      startInputs(f).map((i) => i.name),
      ["greenlight-prod-web", "greenlight-prod-worker"],
    );
    const doc = JSON.parse(f.stdout());
    assert.equal(doc.ok, true);
    assert.deepEqual(
      doc.results.map((r: any) => [r.service, r.outcome, r.version ?? null]),
      [
        ["api", "live", "v2.0.0"],
        ["web", "live", "v1.4.0"],
        ["worker", "live", "v0.3.0"],
      ],
    );
    assert.match(doc.results[0].detail, /live in prod already \(same image\)/);
  });

  it("says nothing is recorded to promote, naming the parameter (exit 1), and starts nothing", async () => {
    f = world();
    f.world.parameters.delete("/greenlight/staging/worker/live");
    assert.equal(await run(["promote", "staging", "prod", "web", "worker", "--yes"], f.deps), 1);
    assert.match(
      f.stderr(),
      /promote: nothing recorded to promote: no live release of worker in staging \(\/greenlight\/staging\/worker\/live\)/,
    );
    assert.equal(f.world.started.length, 0);
  });

  it("says so when the image has expired from the source repository (exit 1)", async () => {
    f = world();
    f.world.images.clear();
    assert.equal(await run(["promote", "staging", "prod", "web", "--yes"], f.deps), 1);
    assert.match(
      f.stderr(),
      /web-stagingabc@sha256:8{64} \(web v1\.4\.0, live in staging\) is no longer in its repository; nothing to promote/,
    );
    assert.equal(f.world.started.length, 0);
  });

  it("refuses a release without an image pinned by digest (exit 1)", async () => {
    f = world();
    f.world.parameters.set("/greenlight/staging/web/live", [
      JSON.stringify({
        ...release("staging", "web", "v1.4.0", 8, "2026-11-21T09:00:00.000Z"),
        imageUri: "web:latest",
      }),
    ]);
    assert.equal(await run(["promote", "staging", "prod", "web", "--yes"], f.deps), 1);
    assert.match(f.stderr(), /has no image pinned by digest \(web:latest\); nothing to promote/);
  });

  it("refuses unknown environments and services, the same environment twice, and old pipelines (exit 2)", async () => {
    f = world();
    assert.equal(await run(["promote", "qa", "prod", "web", "--yes"], f.deps), 2);
    assert.match(f.stderr(), /unknown environment qa/);
    assert.equal(await run(["promote", "staging", "prod", "search", "--yes"], f.deps), 2);
    assert.match(f.stderr(), /staging has no service search; its services: api, web, worker/);
    assert.equal(await run(["promote", "prod", "prod", "--yes"], f.deps), 2);
    assert.match(f.stderr(), /not prod to itself/);
    f.world.pipelines.set("greenlight-prod-web", { variables: ["RELEASE_REF"], buildEnv: [] });
    assert.equal(await run(["promote", "staging", "prod", "web", "--yes"], f.deps), 2);
    assert.match(f.stderr(), /do not take promotions yet; run `pulumi up` in the prod stack/);
    assert.equal(f.world.started.length, 0);
  });

  it("reads the source environment with --from-profile (another account)", async () => {
    f = world();
    assert.equal(
      await run(
        ["promote", "staging", "prod", "web", "--yes", "--from-profile", "staging-account"],
        f.deps,
      ),
      0,
      f.stderr(),
    );
    assert.deepEqual(f.profiles, ["staging-account", undefined]);
  });

  it("asks and starts nothing on no (exit 1); without a terminal asks for --yes (exit 2)", async () => {
    f = world([false]);
    assert.equal(await run(["promote", "staging", "prod", "web"], f.deps), 1);
    assert.equal(f.world.started.length, 0);
    f.restore();
    f = world([undefined]);
    assert.equal(await run(["promote", "staging", "prod", "web"], f.deps), 2);
    assert.match(f.stderr(), /pass --yes/);
  });

  it("keeps the metadata within a pipeline variable's 1000 characters, shortening the commit message", () => {
    const long = {
      ...release("staging", "web", "v1.4.0", 8, "2026-11-21T09:00:00.000Z"),
      commitMessage: `Say "hi" ${"é".repeat(2000)}`,
    };
    const value = promoteMetadataValue(long);
    assert.ok(value.length <= 1000, String(value.length));
    assert.match(value, /^[A-Za-z0-9+/]+=*$/);
    const doc = JSON.parse(Buffer.from(value, "base64").toString("utf8"));
    assert.ok(doc.commitMessage.startsWith('Say "hi" '));
    assert.equal(doc.version, "v1.4.0");
    assert.ok(doc.commitMessage.endsWith("…"));
    assert.ok(doc.commitMessage.length > 300, String(doc.commitMessage.length));
    assert.deepEqual(
      parseDigestUri(`210987654321.dkr.ecr.us-east-2.amazonaws.com/team/web@${DIGEST(1)}`),
      {
        registryId: "210987654321",
        region: "us-east-2",
        repositoryName: "team/web",
        digest: DIGEST(1),
      },
    );
    assert.equal(parseDigestUri("web:latest"), undefined);
  });
});
