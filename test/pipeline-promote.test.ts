import { strict as assert } from "assert";
import { parse } from "yaml";
import { parseConfig } from "../components/config";
import { PROMOTE_PULL_ACTIONS } from "../components/pipeline";
import { runStack, stackFileRaw, STACKS, useStackRuns, type Run } from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded mock inputs are untyped */

const T = {
  pipeline: "aws:codepipeline/pipeline:Pipeline",
  project: "aws:codebuild/project:Project",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
};
const PROMOTE = ["PROMOTE_FROM", "PROMOTE_IMAGE", "PROMOTE_DEPLOYMENT", "PROMOTE_METADATA"];

function buildEnv(run: Run, service: string): Record<string, string> {
  const stages = run.named(T.pipeline, `${service}-pipeline`).inputs.stages;
  const build = stages.find((stage: any) => stage.name === "Build").actions[0];
  return Object.fromEntries(
    JSON.parse(build.configuration.EnvironmentVariables).map((v: any) => [v.name, v.value]),
  );
}

describe("promotion in each pipeline", function () {
  this.timeout(120_000);
  const run = useStackRuns();

  for (const stack of STACKS) {
    describe(`stack ${stack}`, () => {
      const services = () => parseConfig(stackFileRaw(stack)).services;

      it("declares the promote variables, defaulting to none, and hands them to the build", () => {
        for (const s of services()) {
          const variables = run(stack).named(T.pipeline, `${s.name}-pipeline`).inputs.variables;
          assert.deepEqual(
            variables.map((v: any) => [v.name, v.defaultValue]),
            [["RELEASE_REF", "source"], ...PROMOTE.map((name) => [name, "none"])],
          );
          for (const v of variables) assert.ok(v.description.length > 10, v.name);
          const env = buildEnv(run(stack), s.name);
          for (const name of PROMOTE) assert.equal(env[name], `#{variables.${name}}`);
          assert.equal(env.PROMOTE_ONLY, "false", "the shipped stacks take builds from source");
          // An action configuration value holds at most 1000 characters.
          const stages = run(stack).named(T.pipeline, `${s.name}-pipeline`).inputs.stages;
          const raw = stages.find((stage: any) => stage.name === "Build").actions[0].configuration
            .EnvironmentVariables as string;
          assert.ok(raw.length <= 1000, `${raw.length} characters`);
        }
      });

      it("lets the build pull the same service's image from another Greenlight stack's repository, and nothing else", () => {
        for (const s of services()) {
          const doc = JSON.parse(run(stack).named(T.rolePolicy, `${s.name}-build`).inputs.policy);
          const pull = doc.Statement.find((st: any) => st.Sid === "PullPromotedImage");
          assert.deepEqual(pull, {
            Sid: "PullPromotedImage",
            Effect: "Allow",
            Action: [...PROMOTE_PULL_ACTIONS],
            Resource: "arn:aws:ecr:*:*:repository/*",
            Condition: {
              StringEquals: {
                "aws:ResourceTag/service": s.name,
                "aws:ResourceTag/managed-by": "greenlight",
              },
            },
          });
          // Pushing stays on the stack's own repository.
          const push = doc.Statement.find((st: any) => st.Sid === "PushImage");
          assert.ok(push.Action.includes("ecr:PutImage"));
          assert.ok(!(pull.Action as string[]).includes("ecr:PutImage"));
          assert.notEqual(push.Resource, "arn:aws:ecr:*:*:repository/*");
        }
      });

      it("renders the promote path into the buildspec, and the approval names the source of a promotion", () => {
        for (const s of services()) {
          const spec = parse(
            run(stack).named(T.project, `${s.name}-build`).inputs.source.buildspec,
          );
          const pre = spec.phases.pre_build.commands.join("\n");
          assert.match(pre, /promoting from \$PROMOTE_FROM/);
          assert.match(pre, /accepts only promotions/);
          assert.match(spec.phases.build.commands.join("\n"), /docker pull "\$PROMOTE_IMAGE"/);
          const stages = run(stack).named(T.pipeline, `${s.name}-pipeline`).inputs.stages;
          const approve = stages.find((stage: any) => stage.name === "Approve");
          if (approve !== undefined) {
            assert.match(
              approve.actions[0].configuration.CustomData,
              /Promoted from: #\{variables\.PROMOTE_FROM\}\./,
            );
          }
        }
      });
    });
  }

  describe("pipeline.promoteOnly", () => {
    let promoteOnly: Run;
    before(async () => {
      const raw = stackFileRaw("prod");
      raw.pipeline = { ...(raw.pipeline ?? {}), promoteOnly: true };
      promoteOnly = await runStack(raw, "prod");
    });

    it("starts no run on a push: no triggers, no change detection on the source action", () => {
      for (const s of parseConfig(stackFileRaw("prod")).services) {
        const pipeline = promoteOnly.named(T.pipeline, `${s.name}-pipeline`).inputs;
        assert.equal(pipeline.triggers, undefined);
        assert.equal(pipeline.stages[0].actions[0].configuration.DetectChanges, "false");
        assert.equal(buildEnv(promoteOnly, s.name).PROMOTE_ONLY, "true");
        // Promotions still go through prod's approval.
        assert.ok(pipeline.stages.some((stage: any) => stage.name === "Approve"));
      }
    });

    it("is off in the shipped stacks: pushes and tags still trigger, with change detection left on", () => {
      for (const stack of STACKS) {
        for (const s of parseConfig(stackFileRaw(stack)).services) {
          const pipeline = run(stack).named(T.pipeline, `${s.name}-pipeline`).inputs;
          assert.equal(pipeline.triggers.length, 1);
          assert.equal(pipeline.stages[0].actions[0].configuration.DetectChanges, undefined);
        }
      }
    });
  });
});
