import { strict as assert } from "assert";
import { parse } from "yaml";
import { ConfigError, parseConfig } from "../components/config";
import { BUILD_IMAGE, STAGES, triggerPaths } from "../components/pipeline";
import { runStack, stackFileRaw, STACKS, useStackRuns, value } from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded mock inputs are untyped */

const T = {
  pipeline: "aws:codepipeline/pipeline:Pipeline",
  project: "aws:codebuild/project:Project",
  connection: "aws:codestarconnections/connection:Connection",
  bucket: "aws:s3/bucket:Bucket",
  sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
};

function problems(raw: Record<string, any>): readonly string[] {
  try {
    parseConfig(raw);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.problems;
  }
  assert.fail("the configuration was accepted");
}

function withSource(patch: Record<string, unknown>): Record<string, any> {
  const raw = stackFileRaw("dev");
  raw.source = { ...raw.source, ...patch };
  return raw;
}

describe("delivery pipelines", function () {
  this.timeout(60_000);
  const run = useStackRuns();

  for (const stack of STACKS) {
    describe(`stack ${stack}`, () => {
      const config = () => parseConfig(stackFileRaw(stack));
      const pipelineOf = (service: string) => run(stack).named(T.pipeline, `${service}-pipeline`);

      it("has one V2 pipeline per service, named for the environment and service", () => {
        const c = config();
        assert.equal(run(stack).ofType(T.pipeline).length, c.services.length);
        for (const s of c.services) {
          const p = pipelineOf(s.name);
          assert.equal(p.inputs.pipelineType, "V2");
          assert.equal(p.inputs.name, `greenlight-${stack}-${s.name}`);
          assert.equal(p.inputs.executionMode, stack === "prod" ? "QUEUED" : "SUPERSEDED");
          const [bucket] = run(stack).ofType(T.bucket);
          assert.deepEqual(p.inputs.artifactStores, [
            { type: "S3", location: bucket.state.bucket },
          ]);
        }
      });

      it("triggers on the stack's branches for the service's own and shared paths, and on its tags", () => {
        const c = config();
        for (const s of c.services) {
          const [trigger] = pipelineOf(s.name).inputs.triggers;
          assert.equal(trigger.providerType, "CodeStarSourceConnection");
          assert.equal(trigger.gitConfiguration.sourceActionName, "Source");
          const expected: any[] = [];
          if (c.source.branches.length > 0) {
            expected.push({
              branches: { includes: c.source.branches },
              filePaths: {
                includes: [`${s.sourcePath}/**`, ...s.sharedPaths.map((p) => `${p}/**`)],
              },
            });
          }
          if (c.source.tags.length > 0) expected.push({ tags: { includes: c.source.tags } });
          assert.deepEqual(trigger.gitConfiguration.pushes, expected);
        }
      });

      it("runs Source → Build → (Approve) → Deploy, with approval exactly where configured", () => {
        const c = config();
        for (const s of c.services) {
          const names = pipelineOf(s.name).inputs.stages.map((st: any) => st.name);
          assert.deepEqual(
            names,
            c.pipeline.approval
              ? ["Source", "Build", "Approve", "Deploy"]
              : ["Source", "Build", "Deploy"],
          );
        }
        assert.equal(c.pipeline.approval, stack === "prod");
        assert.equal(run(stack).ofType(T.topic).length, stack === "prod" ? 1 : 0);
      });

      it("checks out a full clone through the connection and passes branch and message to the build", () => {
        const c = config();
        const connection = run(stack).ofType(T.connection);
        assert.equal(connection.length, 1);
        assert.equal(connection[0].inputs.providerType, "GitHub");
        for (const s of c.services) {
          const [source, build] = pipelineOf(s.name).inputs.stages;
          assert.deepEqual(source.actions[0].configuration, {
            ConnectionArn: connection[0].state.arn,
            FullRepositoryId: c.source.repository,
            BranchName: c.source.defaultBranch,
            OutputArtifactFormat: "CODEBUILD_CLONE_REF",
          });
          assert.equal(source.actions[0].provider, "CodeStarSourceConnection");
          assert.equal(source.actions[0].namespace, "SourceVariables");
          const project = run(stack).named(T.project, `${s.name}-build`);
          assert.equal(build.actions[0].configuration.ProjectName, project.state.name);
          // The promote variables that follow are checked in pipeline-promote.test.ts.
          assert.deepEqual(
            JSON.parse(build.actions[0].configuration.EnvironmentVariables).slice(0, 3),
            [
              { name: "SOURCE_BRANCH", value: "#{SourceVariables.BranchName}", type: "PLAINTEXT" },
              {
                name: "SOURCE_COMMIT_MESSAGE",
                value: "#{SourceVariables.CommitMessage}",
                type: "PLAINTEXT",
              },
              { name: "RELEASE_REF", value: "#{variables.RELEASE_REF}", type: "PLAINTEXT" },
            ],
          );
          // "Release change" asks for it; its default builds what the source action fetched.
          assert.deepEqual(pipelineOf(s.name).inputs.variables.slice(0, 1), [
            {
              name: "RELEASE_REF",
              defaultValue: "source",
              description:
                'At "Release change": a branch or tag to deploy instead of the source revision (source = as fetched).',
            },
          ]);
        }
      });

      it("deploys with CodeDeployToECS and every key AWS requires, all values strings", () => {
        const c = config();
        for (const s of c.services) {
          const stages = pipelineOf(s.name).inputs.stages;
          const deploy = stages[stages.length - 1];
          assert.equal(deploy.name, STAGES.deploy);
          const [action] = deploy.actions;
          assert.deepEqual(
            {
              category: action.category,
              owner: action.owner,
              provider: action.provider,
              version: action.version,
            },
            { category: "Deploy", owner: "AWS", provider: "CodeDeployToECS", version: "1" },
          );
          assert.deepEqual(action.inputArtifacts, ["BuildOutput"]);
          const group = run(stack).named(
            "aws:codedeploy/deploymentGroup:DeploymentGroup",
            `${s.name}-group`,
          );
          assert.deepEqual(action.configuration, {
            ApplicationName: group.inputs.appName,
            DeploymentGroupName: group.inputs.deploymentGroupName,
            TaskDefinitionTemplateArtifact: "BuildOutput",
            TaskDefinitionTemplatePath: "taskdef.json",
            AppSpecTemplateArtifact: "BuildOutput",
            AppSpecTemplatePath: "appspec.yaml",
            Image1ArtifactName: "BuildOutput",
            Image1ContainerName: "IMAGE1_NAME",
          });
          for (const st of stages) {
            for (const a of st.actions) {
              for (const [k, v] of Object.entries(a.configuration ?? {})) {
                assert.equal(typeof v, "string", `${st.name}.${a.name}.${k}`);
              }
            }
          }
        }
      });

      it("builds in privileged mode with a Docker layer cache and the inline buildspec", () => {
        for (const s of config().services) {
          const project = run(stack).named(T.project, `${s.name}-build`);
          assert.equal(project.inputs.environment.image, BUILD_IMAGE);
          assert.equal(project.inputs.environment.privilegedMode, true);
          assert.deepEqual(project.inputs.cache, {
            type: "LOCAL",
            modes: ["LOCAL_DOCKER_LAYER_CACHE"],
          });
          assert.equal(project.inputs.source.type, "CODEPIPELINE");
          const spec = parse(project.inputs.source.buildspec);
          assert.equal(spec.env.variables.BUILD_CONTEXT, s.sourcePath);
          assert.equal(spec.env.variables.DOCKERFILE, s.dockerfile);
          assert.equal(spec.env.variables.TAG_PATTERNS, config().source.tags.join(" "));
          const repo = run(stack).named("aws:ecr/repository:Repository", s.name);
          assert.equal(spec.env.variables.REPOSITORY_URI, repo.state.repositoryUrl);
        }
      });

      it("keeps artifacts in an encrypted, private, TLS-only bucket that expires them", () => {
        const [bucket] = run(stack).ofType(T.bucket);
        const id = `${bucket.name}-id`;
        const [sse] = run(stack).ofType(T.sse);
        assert.equal(sse.inputs.bucket, id);
        assert.deepEqual(sse.inputs.rules, [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" },
            bucketKeyEnabled: true,
          },
        ]);
        const [block] = run(stack).ofType(T.publicAccess);
        assert.deepEqual(
          { ...block.inputs, tags: undefined },
          {
            bucket: id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
            tags: undefined,
          },
        );
        const [policy] = run(stack).ofType(T.bucketPolicy);
        const [statement] = JSON.parse(policy.inputs.policy).Statement;
        assert.equal(statement.Effect, "Deny");
        assert.deepEqual(statement.Condition, { Bool: { "aws:SecureTransport": "false" } });
        const [lifecycle] = run(stack).ofType(T.lifecycle);
        assert.equal(
          lifecycle.inputs.rules[0].expiration.days,
          config().pipeline.artifactExpirationDays,
        );
      });

      it("allows the build and the pipeline only named actions, on named resources", () => {
        for (const s of config().services) {
          for (const role of [`${s.name}-build`, `${s.name}-pipeline`]) {
            const doc = JSON.parse(run(stack).named(T.rolePolicy, role).inputs.policy);
            for (const st of doc.Statement) {
              assert.equal(st.Effect, "Allow");
              for (const action of [].concat(st.Action) as string[]) {
                assert.match(action, /^[a-z0-9-]+:[A-Za-z]+$/, `${role}: ${action}`);
              }
            }
          }
          const pipelineDoc = JSON.parse(
            run(stack).named(T.rolePolicy, `${s.name}-pipeline`).inputs.policy,
          );
          const sns = pipelineDoc.Statement.filter((st: any) => st.Action.includes("sns:Publish"));
          assert.equal(sns.length, stack === "prod" ? 1 : 0);
          const deploy = pipelineDoc.Statement.find((st: any) => st.Sid === "Deploy");
          const group = run(stack).named(
            "aws:codedeploy/deploymentGroup:DeploymentGroup",
            `${s.name}-group`,
          );
          assert.equal(deploy.Resource, group.state.arn);
        }
      });

      it("exports each service's pipeline name and console link", async () => {
        for (const s of config().services) {
          const o = run(stack).outputs.services[s.name];
          assert.equal(await value(o.pipeline), `greenlight-${stack}-${s.name}`);
          assert.equal(
            await value(o.pipelineConsole),
            `https://eu-west-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/greenlight-${stack}-${s.name}/view?region=eu-west-1`,
          );
        }
      });
    });
  }

  it("asks for approval in prod by e-mail to the release managers", () => {
    const [sub] = run("prod").ofType(T.subscription);
    assert.equal(sub.inputs.protocol, "email");
    assert.equal(sub.inputs.endpoint, "releases@example.com");
    const [approve] = run("prod")
      .named(T.pipeline, "web-pipeline")
      .inputs.stages.filter((s: any) => s.name === "Approve");
    assert.equal(
      approve.actions[0].configuration.NotificationArn,
      run("prod").ofType(T.topic)[0].state.arn,
    );
    assert.equal(
      approve.actions[0].configuration.ExternalEntityLink,
      "https://github.com/acme/greenlight-services/commit/#{BuildVariables.GREENLIGHT_COMMIT}",
    );
  });

  it("deploys a service on a change to its shared paths, and not on another service's folder", () => {
    const c = parseConfig(stackFileRaw("dev"));
    const web = c.services.find((s) => s.name === "web")!;
    const orders = c.services.find((s) => s.name === "orders")!;
    const matches = (patterns: string[], file: string) =>
      patterns.some((p) => file.startsWith(p.replace(/\*\*$/, "")));
    assert.ok(matches(triggerPaths(orders), "libs/common/money.ts"));
    assert.ok(!matches(triggerPaths(web), "libs/common/money.ts"));
    assert.ok(!matches(triggerPaths(orders), "app-sample/src/app.ts"));
    assert.ok(matches(triggerPaths(web), "app-sample/src/app.ts"));
  });

  it("adopts an existing connection ARN instead of creating one", async () => {
    const arn =
      "arn:aws:codestar-connections:eu-west-1:123456789012:connection/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab";
    const r = await runStack(withSource({ connectionArn: arn }), "dev");
    assert.equal(r.ofType(T.connection).length, 0);
    const [source] = r.ofType(T.pipeline)[0].inputs.stages;
    assert.equal(source.actions[0].configuration.ConnectionArn, arn);
  });

  describe("rejects, naming the key and the fix,", () => {
    it("an unknown source provider", () => {
      assert.deepEqual(problems(withSource({ provider: "Gitea" })), [
        'greenlight:source.provider is "Gitea"; choose one of GitHub, Bitbucket or GitLab.',
      ]);
    });

    it("an empty branch or tag pattern", () => {
      assert.deepEqual(problems(withSource({ branches: [""] })), [
        'greenlight:source.branches[0] is string ""; use a non-empty string.',
      ]);
      assert.deepEqual(problems(withSource({ branches: [], tags: ["  "] })), [
        'greenlight:source.tags[0] is string "  "; use a non-empty string.',
      ]);
    });

    it("a stack with neither branches nor tags", () => {
      assert.deepEqual(problems(withSource({ branches: [], tags: [] })), [
        'greenlight:source has neither branches nor tags, so no push would deploy: set branches (e.g. [development]) and/or tags (e.g. ["v*"]).',
      ]);
    });

    it("a service source path that is absolute", () => {
      const raw = stackFileRaw("dev");
      raw.services[0].sourcePath = "/srv/app";
      assert.deepEqual(problems(raw), [
        'greenlight:services[0].sourcePath is "/srv/app", an absolute path; give the folder relative to the repository root (e.g. services/api).',
      ]);
    });

    it("a service or shared path that climbs out of the repository", () => {
      const raw = stackFileRaw("dev");
      raw.services[0].sourcePath = "services/../../etc";
      raw.services[1].sharedPaths = ["../libs"];
      assert.deepEqual(problems(raw), [
        'greenlight:services[0].sourcePath is "services/../../etc", which climbs out of the repository with ".."; give a folder inside it.',
        'greenlight:services[1].sharedPaths[0] is "../libs", which climbs out of the repository with ".."; give a folder inside it.',
      ]);
    });

    it("a connection ARN that is not one", () => {
      assert.deepEqual(problems(withSource({ connectionArn: "my-connection" })), [
        'greenlight:source.connectionArn is "my-connection"; use a connection ARN such as arn:aws:codestar-connections:eu-west-1:123456789012:connection/….',
      ]);
    });
  });
});
