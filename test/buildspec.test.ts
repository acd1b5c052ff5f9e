import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { RegisterTaskDefinitionCommandInput } from "@aws-sdk/client-ecs";
import { parse } from "yaml";
import {
  IMAGE_PLACEHOLDER,
  TASK_DEFINITION_PLACEHOLDER,
  appSpec,
  renderAppSpec,
  renderBuildspec,
  renderEcsDeployBuildspec,
  renderTaskDefinitionTemplate,
} from "../components/buildspec";
import { parseConfig } from "../components/config";
import { taskDefinitionInput } from "../components/taskdef";
import { stackFileRaw, STACKS, useStackRuns } from "./harness";

/* eslint-disable @typescript-eslint/no-explicit-any -- parsed YAML and JSON documents */

const service = parseConfig(stackFileRaw("dev")).services[0];

function template(): RegisterTaskDefinitionCommandInput {
  return taskDefinitionInput({
    service,
    environment: "dev",
    image: IMAGE_PLACEHOLDER,
    family: "greenlight-dev-web",
    executionRoleArn: "arn:aws:iam::123456789012:role/web-execution",
    taskRoleArn: "arn:aws:iam::123456789012:role/web-task",
    logGroupName: "/greenlight/dev/web",
    region: "eu-west-1",
    accountId: "123456789012",
    repositoryUrl: "https://github.com/acme/greenlight-services",
  });
}

const APPSPEC_ARGS = {
  containerName: "web",
  containerPort: 8080,
  subnets: ["subnet-0a", "subnet-0b"],
  securityGroups: ["sg-0web"],
  assignPublicIp: false,
};

function buildspecFor(tagPatterns: string[]): string {
  return renderBuildspec({
    repositoryUri: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-0a1b2c3",
    dockerfile: "app-sample/Dockerfile",
    buildContext: "app-sample",
    tagPatterns,
    taskDefinitionTemplate: renderTaskDefinitionTemplate(template()),
    appSpec: renderAppSpec({
      ...APPSPEC_ARGS,
      hooks: { AfterAllowTraffic: "greenlight-dev-live-hook" },
    }),
  });
}

/** A throwaway git repository with one commit by a known author. */
function gitRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-build-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "Ada Lovelace",
        GIT_AUTHOR_EMAIL: "ada@example.com",
        GIT_COMMITTER_NAME: "Ada Lovelace",
        GIT_COMMITTER_EMAIL: "ada@example.com",
      },
    });
  git("init", "-q", "-b", "development");
  fs.writeFileSync(path.join(dir, "README"), "hello\n");
  git("add", "README");
  git("commit", "-q", "-m", "Add checkout retries\n\nLonger body that is not the first line.");
  return dir;
}

/**
 * Runs the buildspec's commands the way CodeBuild does (one bash, phase after phase), with the
 * image phase replaced: no Docker or AWS here, so IMAGE_URI is set as the push would set it.
 */
function runBuild(buildspec: string, cwd: string, env: Record<string, string>): void {
  const spec = parse(buildspec);
  const script = [
    "set -euo pipefail",
    ...Object.entries(spec.env.variables).map(([k, v]) => `export ${k}=${JSON.stringify(v)}`),
    ...spec.phases.pre_build.commands,
    `export IMAGE_URI="$REPOSITORY_URI@sha256:${"ab".repeat(32)}"`,
    ...spec.phases.post_build.commands,
  ].join("\n");
  execFileSync("bash", ["-c", script], { cwd, env: { ...process.env, ...env }, stdio: "pipe" });
}

function environmentOf(taskdef: any): Record<string, string> {
  return Object.fromEntries(
    taskdef.containerDefinitions[0].environment.map((e: any) => [e.name, e.value]),
  );
}

describe("the build's rendered files", () => {
  describe("taskdef.json", () => {
    it("is a RegisterTaskDefinition input for Fargate with the image left to CodeDeploy", () => {
      const input: RegisterTaskDefinitionCommandInput = JSON.parse(
        renderTaskDefinitionTemplate(template()),
      );
      assert.equal(input.family, "greenlight-dev-web");
      assert.deepEqual(input.requiresCompatibilities, ["FARGATE"]);
      assert.equal(input.networkMode, "awsvpc");
      assert.equal(input.cpu, "256");
      assert.equal(input.memory, "512");
      assert.equal(input.executionRoleArn, "arn:aws:iam::123456789012:role/web-execution");
      assert.equal(input.taskRoleArn, "arn:aws:iam::123456789012:role/web-task");
      const [container] = input.containerDefinitions!;
      assert.equal(container.image, IMAGE_PLACEHOLDER);
      assert.equal(container.essential, true);
      assert.deepEqual(container.portMappings, [
        { containerPort: 8080, hostPort: 8080, protocol: "tcp" },
      ]);
      assert.equal(container.logConfiguration?.logDriver, "awslogs");
    });

    it("refuses a template whose image is not the CodeDeploy placeholder", () => {
      const bad = template();
      bad.containerDefinitions![0].image = "nginx:latest";
      assert.throws(() => renderTaskDefinitionTemplate(bad), /must be <IMAGE1_NAME>/);
    });
  });

  describe("appspec.yaml", () => {
    it("parses as the CodeDeploy ECS AppSpec with the container, port, network and hooks", () => {
      const doc = parse(
        renderAppSpec({
          ...APPSPEC_ARGS,
          hooks: { AfterAllowTraffic: "arn:aws:lambda:eu-west-1:123456789012:function:live" },
        }),
      );
      assert.deepEqual(doc, {
        version: 0,
        Resources: [
          {
            TargetService: {
              Type: "AWS::ECS::Service",
              Properties: {
                TaskDefinition: TASK_DEFINITION_PLACEHOLDER,
                LoadBalancerInfo: { ContainerName: "web", ContainerPort: 8080 },
                PlatformVersion: "LATEST",
                NetworkConfiguration: {
                  AwsvpcConfiguration: {
                    Subnets: ["subnet-0a", "subnet-0b"],
                    SecurityGroups: ["sg-0web"],
                    AssignPublicIp: "DISABLED",
                  },
                },
              },
            },
          },
        ],
        Hooks: [{ AfterAllowTraffic: "arn:aws:lambda:eu-west-1:123456789012:function:live" }],
      });
      assert.match(renderAppSpec(APPSPEC_ARGS), /^version: 0\.0$/m);
    });

    it("has no Hooks section when no hook is wired", () => {
      assert.equal("Hooks" in appSpec(APPSPEC_ARGS), false);
      assert.equal(
        parse(renderAppSpec({ ...APPSPEC_ARGS, assignPublicIp: true })).Resources[0].TargetService
          .Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp,
        "ENABLED",
      );
    });
  });

  describe("the buildspec", () => {
    it("parses as buildspec 0.2 and hands the three files to the deploy stage", () => {
      const spec = parse(buildspecFor(["v*"]));
      assert.equal(spec.version, 0.2);
      assert.equal(spec.env.shell, "bash");
      assert.deepEqual(spec.env.variables, {
        REPOSITORY_URI: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-0a1b2c3",
        DOCKERFILE: "app-sample/Dockerfile",
        BUILD_CONTEXT: "app-sample",
        TAG_PATTERNS: "v*",
        DOCKER_BUILDKIT: "1",
      });
      assert.deepEqual(Object.keys(spec.phases), ["pre_build", "build", "post_build"]);
      assert.deepEqual(spec.artifacts.files, ["imageDetail.json", "taskdef.json", "appspec.yaml"]);
    });

    it("tags the image with the commit, reuses an existing tag, caches layers and pins the digest", () => {
      const build = parse(buildspecFor(["v*"])).phases.build.commands.join("\n");
      assert.match(build, /-t "\$REPOSITORY_URI:\$IMAGE_TAG"/);
      assert.doesNotMatch(build, /:latest/);
      assert.match(build, /--cache-from/);
      assert.match(build, /BUILDKIT_INLINE_CACHE=1/);
      assert.match(build, /already in ECR/);
      assert.match(build, /IMAGE_URI="\$REPOSITORY_URI@\$DIGEST"/);
      const pre = parse(buildspecFor(["v*"])).phases.pre_build.commands.join("\n");
      assert.match(pre, /IMAGE_TAG="git-\$\{GREENLIGHT_COMMIT:0:12\}"/);
    });

    it("writes imageDetail.json, taskdef.json and appspec.yaml for a branch build (its shell steps, run for real)", () => {
      const dir = gitRepo();
      try {
        const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir }).toString().trim();
        runBuild(buildspecFor(["v*"]), dir, {
          CODEBUILD_RESOLVED_SOURCE_VERSION: commit,
          SOURCE_BRANCH: "development",
        });
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "imageDetail.json"), "utf8")), {
          ImageURI: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-0a1b2c3@sha256:${"ab".repeat(32)}`,
        });
        const taskdef = JSON.parse(fs.readFileSync(path.join(dir, "taskdef.json"), "utf8"));
        // The template, unchanged but for the build metadata in the container's environment.
        const expected = template();
        const env = environmentOf(taskdef);
        assert.deepEqual(
          {
            ...taskdef,
            containerDefinitions: [{ ...taskdef.containerDefinitions[0], environment: [] }],
          },
          {
            ...expected,
            containerDefinitions: [{ ...expected.containerDefinitions![0], environment: [] }],
          },
        );
        assert.equal(env.GREENLIGHT_VERSION, commit.slice(0, 7));
        assert.equal(env.GREENLIGHT_COMMIT, commit);
        assert.equal(env.GREENLIGHT_REF, "development");
        assert.equal(env.GREENLIGHT_REF_TYPE, "branch");
        assert.equal(env.GREENLIGHT_COMMIT_MESSAGE, "Add checkout retries");
        assert.equal(env.GREENLIGHT_AUTHOR, "Ada Lovelace");
        assert.equal(env.GREENLIGHT_SERVICE, "web");
        assert.equal(env.LOG_LEVEL, "debug");
        const names = taskdef.containerDefinitions[0].environment.map((e: any) => e.name);
        assert.deepEqual(names, [...names].sort());
        assert.equal(taskdef.containerDefinitions[0].image, IMAGE_PLACEHOLDER);
        const appspec = parse(fs.readFileSync(path.join(dir, "appspec.yaml"), "utf8"));
        assert.deepEqual(appspec.Hooks, [{ AfterAllowTraffic: "greenlight-dev-live-hook" }]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("takes the version from a tag matching the stack's patterns, and ignores other tags", () => {
      const dir = gitRepo();
      try {
        execFileSync("git", ["tag", "nightly-7"], { cwd: dir });
        execFileSync("git", ["tag", "v1.4.0"], { cwd: dir });
        // A file whose name matches the glob must not be mistaken for a pattern.
        fs.writeFileSync(path.join(dir, "v-notes.txt"), "x");
        runBuild(buildspecFor(["v*"]), dir, { SOURCE_BRANCH: "main" });
        const env = environmentOf(
          JSON.parse(fs.readFileSync(path.join(dir, "taskdef.json"), "utf8")),
        );
        assert.equal(env.GREENLIGHT_VERSION, "v1.4.0");
        assert.equal(env.GREENLIGHT_REF, "v1.4.0");
        assert.equal(env.GREENLIGHT_REF_TYPE, "tag");

        runBuild(buildspecFor(["release-*"]), dir, { SOURCE_BRANCH: "main" });
        const branchEnv = environmentOf(
          JSON.parse(fs.readFileSync(path.join(dir, "taskdef.json"), "utf8")),
        );
        assert.equal(branchEnv.GREENLIGHT_REF_TYPE, "branch");
        assert.equal(branchEnv.GREENLIGHT_REF, "main");
        assert.match(branchEnv.GREENLIGHT_VERSION, /^[0-9a-f]{7}$/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("builds a branch or a tag chosen at Release change, fetched from the repository", () => {
      // origin: a repository with a release tag and a feature branch the build has not fetched.
      const origin = gitRepo();
      const work = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-clone-"));
      const git = (cwd: string, ...args: string[]) =>
        execFileSync("git", args, {
          cwd,
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: "Grace Hopper",
            GIT_AUTHOR_EMAIL: "grace@example.com",
            GIT_COMMITTER_NAME: "Grace Hopper",
            GIT_COMMITTER_EMAIL: "grace@example.com",
          },
        })
          .toString()
          .trim();
      try {
        git(work, "clone", "-q", "--no-tags", "-b", "development", origin, ".");
        git(origin, "tag", "-a", "v2.0.0", "-m", "Release 2.0.0");
        const tagged = git(origin, "rev-parse", "HEAD");
        git(origin, "checkout", "-q", "-b", "feature/search");
        fs.writeFileSync(path.join(origin, "search.txt"), "x");
        git(origin, "add", "search.txt");
        git(origin, "commit", "-q", "-m", "Add search");
        const feature = git(origin, "rev-parse", "HEAD");

        runBuild(buildspecFor(["v*"]), work, {
          RELEASE_REF: "v2.0.0",
          SOURCE_BRANCH: "development",
        });
        let env = environmentOf(
          JSON.parse(fs.readFileSync(path.join(work, "taskdef.json"), "utf8")),
        );
        assert.deepEqual(
          [
            env.GREENLIGHT_VERSION,
            env.GREENLIGHT_REF,
            env.GREENLIGHT_REF_TYPE,
            env.GREENLIGHT_COMMIT,
          ],
          ["v2.0.0", "v2.0.0", "tag", tagged],
        );

        runBuild(buildspecFor(["v*"]), work, { RELEASE_REF: "feature/search" });
        env = environmentOf(JSON.parse(fs.readFileSync(path.join(work, "taskdef.json"), "utf8")));
        assert.deepEqual(
          [
            env.GREENLIGHT_VERSION,
            env.GREENLIGHT_REF,
            env.GREENLIGHT_REF_TYPE,
            env.GREENLIGHT_COMMIT,
          ],
          [feature.slice(0, 7), "feature/search", "branch", feature],
        );
        assert.equal(env.GREENLIGHT_AUTHOR, "Grace Hopper");
        assert.equal(env.GREENLIGHT_COMMIT_MESSAGE, "Add search");

        // The default builds what the source action fetched.
        git(work, "checkout", "-q", "development");
        runBuild(buildspecFor(["release-*"]), work, {
          RELEASE_REF: "source",
          SOURCE_BRANCH: "development",
        });
        env = environmentOf(JSON.parse(fs.readFileSync(path.join(work, "taskdef.json"), "utf8")));
        assert.deepEqual(
          [env.GREENLIGHT_REF, env.GREENLIGHT_REF_TYPE, env.GREENLIGHT_COMMIT],
          ["development", "branch", tagged],
        );
      } finally {
        fs.rmSync(origin, { recursive: true, force: true });
        fs.rmSync(work, { recursive: true, force: true });
      }
    });

    it("refuses to write artifacts after a failed build", () => {
      const dir = gitRepo();
      try {
        assert.throws(() => runBuild(buildspecFor([]), dir, { CODEBUILD_BUILD_SUCCEEDING: "0" }));
        assert.equal(fs.existsSync(path.join(dir, "taskdef.json")), false);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("as the program renders them for each stack", () => {
    const stackRunOf = useStackRuns();

    for (const stack of STACKS) {
      it(`${stack}: taskdef.json is the Pulumi task definition with CodeDeploy's image placeholder`, () => {
        const run = stackRunOf(stack);
        for (const svc of parseConfig(stackFileRaw(stack)).services) {
          const project = run.named("aws:codebuild/project:Project", `${svc.name}-build`);
          const pre: string = parse(project.inputs.source.buildspec).phases.pre_build.commands[0];
          const body = pre.slice(pre.indexOf("\n") + 1, pre.lastIndexOf("\nGREENLIGHT_EOF"));
          const rendered: RegisterTaskDefinitionCommandInput = JSON.parse(body);
          const pulumiTd = run.named(
            "aws:ecs/taskDefinition:TaskDefinition",
            `${svc.name}-task`,
          ).inputs;
          for (const field of [
            "family",
            "cpu",
            "memory",
            "executionRoleArn",
            "taskRoleArn",
            "networkMode",
          ] as const) {
            assert.deepEqual(rendered[field], pulumiTd[field], `${svc.name}: ${field}`);
          }
          assert.deepEqual(rendered.requiresCompatibilities, pulumiTd.requiresCompatibilities);
          const [pulumiContainer] = JSON.parse(pulumiTd.containerDefinitions);
          const [container] = rendered.containerDefinitions!;
          assert.deepEqual({ ...container, image: "" }, { ...pulumiContainer, image: "" });
          assert.equal(container.image, IMAGE_PLACEHOLDER);
          // Secrets and the stop timeout reach CodeDeploy's revisions too, exactly as configured.
          assert.deepEqual(container.secrets, pulumiContainer.secrets, `${svc.name}: secrets`);
          assert.equal(container.secrets?.length ?? 0, svc.secrets.length, `${svc.name}: secrets`);
          assert.equal(container.stopTimeout, svc.stopTimeoutSeconds);
        }
      });
    }
  });
});

/**
 * Fake `aws` and `docker` commands for the image phase: ECR is a text file of
 * `<repository> <digest> <tag>` lines; every call is logged. `docker push` stores the pulled
 * image's digest (or $STUB_PUSH_DIGEST, a registry that re-encodes it).
 */
function stubBin(dir: string): { bin: string; state: string; log: string } {
  const bin = path.join(dir, "bin");
  const state = path.join(dir, "ecr.txt");
  const log = path.join(dir, "calls.log");
  fs.mkdirSync(bin);
  fs.writeFileSync(state, "");
  fs.writeFileSync(
    path.join(bin, "aws"),
    `#!/usr/bin/env bash
echo "aws $*" >> "$STUB_LOG"
case "$1 $2" in
  "ecr get-login-password") echo token ;;
  "ecr describe-images")
    repo=""; id=""; query=0; shift 2
    while [ $# -gt 0 ]; do
      case "$1" in
        --repository-name) repo="$2"; shift ;;
        --image-ids) id="$2"; shift ;;
        --query) query=1; shift ;;
        --output|--filter) shift ;;
      esac
      shift
    done
    key="\${id%%=*}"; val="\${id#*=}"
    if [ "$key" = imageDigest ]; then line="$(awk -v r="$repo" -v d="$val" '$1==r && $2==d' "$STUB_STATE" | head -n 1)"
    else line="$(awk -v r="$repo" -v t="$val" '$1==r && $3==t' "$STUB_STATE" | head -n 1)"; fi
    if [ -z "$line" ]; then echo "An error occurred (ImageNotFoundException)" >&2; exit 254; fi
    if [ "$query" = 1 ]; then echo "$line" | cut -d' ' -f2; else echo '{"imageDetails":[{}]}'; fi ;;
  *) echo "unexpected: aws $*" >&2; exit 1 ;;
esac
`,
  );
  fs.writeFileSync(
    path.join(bin, "docker"),
    `#!/usr/bin/env bash
echo "docker $*" >> "$STUB_LOG"
case "$1" in
  login) cat > /dev/null ;;
  pull) echo "$2" > "$STUB_DIR/pulled" ;;
  tag) echo "$2" > "$STUB_DIR/tagged" ;;
  push)
    ref="$2"; tag="\${ref##*:}"; uri="\${ref%:*}"; repo="\${uri#*/}"
    source="$(cat "$STUB_DIR/tagged")"; digest="\${STUB_PUSH_DIGEST:-\${source##*@}}"
    echo "$repo $digest $tag" >> "$STUB_STATE" ;;
  *) echo "unexpected: docker $*" >&2; exit 1 ;;
esac
`,
  );
  fs.chmodSync(path.join(bin, "aws"), 0o755);
  fs.chmodSync(path.join(bin, "docker"), 0o755);
  return { bin, state, log };
}

describe("the build's promote path (its shell steps, run for real with Docker and ECR stubbed)", () => {
  const STAGING_REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-staging1";
  const PROD_REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web-prod999";
  const DIGEST = `sha256:${"ab".repeat(32)}`;

  function prodBuildspec(): string {
    return renderBuildspec({
      repositoryUri: PROD_REPO,
      dockerfile: "app-sample/Dockerfile",
      buildContext: "app-sample",
      tagPatterns: ["v*"],
      taskDefinitionTemplate: renderTaskDefinitionTemplate(template()),
      appSpec: renderAppSpec({
        ...APPSPEC_ARGS,
        hooks: { AfterAllowTraffic: "greenlight-prod-live-hook" },
      }),
    });
  }

  /** Every phase, as CodeBuild runs them, with the stubs first on PATH. */
  function runAll(
    buildspec: string,
    cwd: string,
    env: Record<string, string>,
    stubs: ReturnType<typeof stubBin>,
    dir: string,
  ): void {
    const spec = parse(buildspec);
    const script = [
      "set -euo pipefail",
      ...Object.entries(spec.env.variables).map(([k, v]) => `export ${k}=${JSON.stringify(v)}`),
      ...spec.phases.pre_build.commands,
      ...spec.phases.build.commands,
      ...spec.phases.post_build.commands,
    ].join("\n");
    execFileSync("bash", ["-c", script], {
      cwd,
      env: {
        ...process.env,
        PATH: `${stubs.bin}:${process.env.PATH}`,
        AWS_REGION: "eu-west-1",
        STUB_LOG: stubs.log,
        STUB_STATE: stubs.state,
        STUB_DIR: dir,
        ...env,
      },
      stdio: "pipe",
    });
  }

  /** The original build (staging), then the promotion's variables as `greenlight promote` sets them. */
  function original(dir: string) {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir }).toString().trim();
    execFileSync("git", ["tag", "v1.4.0"], { cwd: dir });
    runBuild(buildspecFor(["v*"]), dir, {
      CODEBUILD_RESOLVED_SOURCE_VERSION: commit,
      SOURCE_BRANCH: "main",
    });
    const taskdef = JSON.parse(fs.readFileSync(path.join(dir, "taskdef.json"), "utf8"));
    const imageDetail = JSON.parse(fs.readFileSync(path.join(dir, "imageDetail.json"), "utf8"));
    const env = environmentOf(taskdef);
    const metadata = {
      version: env.GREENLIGHT_VERSION,
      commit: env.GREENLIGHT_COMMIT,
      ref: env.GREENLIGHT_REF,
      refType: env.GREENLIGHT_REF_TYPE,
      commitMessage: env.GREENLIGHT_COMMIT_MESSAGE,
      author: env.GREENLIGHT_AUTHOR,
    };
    const variables = {
      PROMOTE_FROM: "staging",
      PROMOTE_IMAGE: `${STAGING_REPO}@${DIGEST}`,
      PROMOTE_DEPLOYMENT: "d-STAGING42",
      PROMOTE_METADATA: Buffer.from(JSON.stringify(metadata)).toString("base64"),
      PROMOTE_ONLY: "false",
      RELEASE_REF: "source",
    };
    return { commit, taskdef, imageDetail, env, variables };
  }

  function withRepo(
    work: (dir: string, out: string, stubs: ReturnType<typeof stubBin>) => void,
  ): void {
    const dir = gitRepo();
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-stubs-"));
    try {
      work(dir, scratch, stubBin(scratch));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }

  it("copies the image by digest, builds nothing, and writes the original's taskdef.json and imageDetail.json but for what must differ", () => {
    withRepo((dir, scratch, stubs) => {
      const first = original(dir);
      // A later commit on the branch: the promotion must not build or read it.
      fs.writeFileSync(path.join(dir, "later.txt"), "x");
      execFileSync("git", ["add", "later.txt"], { cwd: dir });
      execFileSync(
        "git",
        [
          "-c",
          "user.name=Eve",
          "-c",
          "user.email=eve@example.com",
          "commit",
          "-q",
          "-m",
          "Later work",
        ],
        { cwd: dir },
      );
      fs.writeFileSync(stubs.state, `web-staging1 ${DIGEST} git-${first.commit.slice(0, 12)}\n`);
      runAll(prodBuildspec(), dir, first.variables, stubs, scratch);

      const imageDetail = JSON.parse(fs.readFileSync(path.join(dir, "imageDetail.json"), "utf8"));
      // The same bytes (digest), in prod's own repository.
      assert.deepEqual(imageDetail, { ImageURI: `${PROD_REPO}@${DIGEST}` });
      assert.equal(first.imageDetail.ImageURI.split("@")[1], DIGEST);
      const taskdef = JSON.parse(fs.readFileSync(path.join(dir, "taskdef.json"), "utf8"));
      const env = environmentOf(taskdef);
      // The release's metadata, not the later commit's; plus where it was promoted from.
      assert.deepEqual(
        { ...env, GREENLIGHT_PROMOTED_FROM: undefined, GREENLIGHT_PROMOTED_DEPLOYMENT: undefined },
        {
          ...first.env,
          GREENLIGHT_PROMOTED_FROM: undefined,
          GREENLIGHT_PROMOTED_DEPLOYMENT: undefined,
        },
      );
      assert.equal(env.GREENLIGHT_VERSION, "v1.4.0");
      assert.equal(env.GREENLIGHT_AUTHOR, "Ada Lovelace");
      assert.equal(env.GREENLIGHT_PROMOTED_FROM, "staging");
      assert.equal(env.GREENLIGHT_PROMOTED_DEPLOYMENT, "d-STAGING42");
      const strip = (doc: any) => ({
        ...doc,
        containerDefinitions: [{ ...doc.containerDefinitions[0], environment: [] }],
      });
      assert.deepEqual(strip(taskdef), strip(first.taskdef));
      const names = taskdef.containerDefinitions[0].environment.map((e: any) => e.name);
      assert.deepEqual(names, [...names].sort());

      const calls = fs.readFileSync(stubs.log, "utf8");
      assert.doesNotMatch(calls, /docker build/);
      assert.match(calls, new RegExp(`docker pull ${STAGING_REPO}@${DIGEST}`));
      assert.match(calls, new RegExp(`docker push ${PROD_REPO}:git-${first.commit.slice(0, 12)}`));
      // Same account and region: one registry, one login.
      assert.equal(calls.match(/docker login/g)?.length, 1);
    });
  });

  it("logs in to another account's registry (in its region) to pull from it", () => {
    withRepo((dir, scratch, stubs) => {
      const first = original(dir);
      const other = "210987654321.dkr.ecr.us-east-2.amazonaws.com/web-staging1";
      runAll(
        prodBuildspec(),
        dir,
        { ...first.variables, PROMOTE_IMAGE: `${other}@${DIGEST}` },
        stubs,
        scratch,
      );
      const calls = fs.readFileSync(stubs.log, "utf8");
      assert.match(calls, /aws ecr get-login-password --region us-east-2/);
      assert.match(
        calls,
        /docker login --username AWS --password-stdin 210987654321\.dkr\.ecr\.us-east-2\.amazonaws\.com/,
      );
      assert.equal(
        JSON.parse(fs.readFileSync(path.join(dir, "imageDetail.json"), "utf8")).ImageURI,
        `${PROD_REPO}@${DIGEST}`,
      );
    });
  });

  it("copies nothing when the digest is already in the repository, and tags by digest when the commit's tag is taken", () => {
    withRepo((dir, scratch, stubs) => {
      const first = original(dir);
      fs.writeFileSync(stubs.state, `web-prod999 ${DIGEST} promoted-abababababab\n`);
      runAll(prodBuildspec(), dir, first.variables, stubs, scratch);
      assert.doesNotMatch(fs.readFileSync(stubs.log, "utf8"), /docker (pull|push)/);
      assert.equal(
        JSON.parse(fs.readFileSync(path.join(dir, "imageDetail.json"), "utf8")).ImageURI,
        `${PROD_REPO}@${DIGEST}`,
      );

      // prod built the same commit itself once (another digest under git-<commit>).
      fs.writeFileSync(
        stubs.state,
        `web-prod999 sha256:${"cd".repeat(32)} git-${first.commit.slice(0, 12)}\n`,
      );
      fs.writeFileSync(stubs.log, "");
      runAll(prodBuildspec(), dir, first.variables, stubs, scratch);
      assert.match(
        fs.readFileSync(stubs.log, "utf8"),
        new RegExp(`docker push ${PROD_REPO}:promoted-abababababab`),
      );
      assert.equal(
        JSON.parse(fs.readFileSync(path.join(dir, "imageDetail.json"), "utf8")).ImageURI,
        `${PROD_REPO}@${DIGEST}`,
      );
    });
  });

  it("fails rather than deploy other bytes when the copy's digest differs", () => {
    withRepo((dir, scratch, stubs) => {
      const first = original(dir);
      fs.rmSync(path.join(dir, "taskdef.json"));
      assert.throws(
        () =>
          runAll(
            prodBuildspec(),
            dir,
            { ...first.variables, STUB_PUSH_DIGEST: `sha256:${"ef".repeat(32)}` },
            stubs,
            scratch,
          ),
        (error: any) => /refusing to deploy other bytes/.test(String(error.stderr)),
      );
      assert.equal(fs.existsSync(path.join(dir, "taskdef.json")), false);
    });
  });

  it("refuses an image that is not pinned by digest, and metadata without a version", () => {
    withRepo((dir, scratch, stubs) => {
      const first = original(dir);
      assert.throws(
        () =>
          runAll(
            prodBuildspec(),
            dir,
            { ...first.variables, PROMOTE_IMAGE: `${STAGING_REPO}:latest` },
            stubs,
            scratch,
          ),
        (error: any) =>
          /PROMOTE_IMAGE must be an ECR image pinned by digest/.test(String(error.stderr)),
      );
      assert.throws(
        () =>
          runAll(
            prodBuildspec(),
            dir,
            {
              ...first.variables,
              PROMOTE_METADATA: Buffer.from('{"author":"x"}').toString("base64"),
            },
            stubs,
            scratch,
          ),
        (error: any) =>
          /PROMOTE_METADATA must be the release's metadata, JSON in base64, with a version/.test(
            String(error.stderr),
          ),
      );
      assert.equal(fs.existsSync(stubs.log), false, "neither aws nor docker was called");
    });
  });

  it("carries a commit message with quotes and shell syntax through unchanged (base64, never evaluated)", () => {
    withRepo((dir, scratch, stubs) => {
      const first = original(dir);
      const message = 'Fix "totals" & $(touch pwned) `id` \\n ünïcode';
      const metadata = {
        version: "v1.4.0",
        commit: first.commit,
        ref: "v1.4.0",
        refType: "tag",
        commitMessage: message,
        author: "O'Brien",
      };
      runAll(
        prodBuildspec(),
        dir,
        {
          ...first.variables,
          PROMOTE_METADATA: Buffer.from(JSON.stringify(metadata)).toString("base64"),
        },
        stubs,
        scratch,
      );
      const env = environmentOf(
        JSON.parse(fs.readFileSync(path.join(dir, "taskdef.json"), "utf8")),
      );
      assert.equal(env.GREENLIGHT_COMMIT_MESSAGE, message);
      assert.equal(env.GREENLIGHT_AUTHOR, "O'Brien");
      assert.equal(fs.existsSync(path.join(dir, "pwned")), false);
    });
  });

  it("a promote-only pipeline refuses a build from source, and takes a promotion", () => {
    withRepo((dir, scratch, stubs) => {
      const first = original(dir);
      assert.throws(
        () =>
          runAll(
            prodBuildspec(),
            dir,
            { PROMOTE_ONLY: "true", PROMOTE_FROM: "none", RELEASE_REF: "source" },
            stubs,
            scratch,
          ),
        (error: any) =>
          /accepts only promotions \(pipeline\.promoteOnly\)/.test(String(error.stderr)),
      );
      runAll(prodBuildspec(), dir, { ...first.variables, PROMOTE_ONLY: "true" }, stubs, scratch);
      assert.equal(
        environmentOf(JSON.parse(fs.readFileSync(path.join(dir, "taskdef.json"), "utf8")))
          .GREENLIGHT_PROMOTED_FROM,
        "staging",
      );
    });
  });
});

describe("the ecs engine's deploy step (its shell run for real, the AWS CLI stubbed)", () => {
  /** A fake `aws` on PATH: logs its calls, answers from files, and plays the deployment states. */
  const FAKE_AWS = `#!/usr/bin/env bash
set -euo pipefail
echo "$*" >> "$FAKE/calls.log"
case "$1 $2" in
  "ecs register-task-definition")
    cp "\${4#file://}" "$FAKE/registered.json"
    echo "arn:aws:ecs:eu-west-1:123456789012:task-definition/greenlight-dev-web:7" ;;
  "ecs describe-services")
    if [ -f "$FAKE/updated" ] && [ "$(cat "$FAKE/started")" = yes ]; then echo "$FAKE_NEW"; else echo "$FAKE_OLD"; fi ;;
  "ecs update-service") touch "$FAKE/updated"; echo '{"service":{}}' ;;
  "ecs describe-service-deployments")
    n=$(( $(cat "$FAKE/polls" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$FAKE/polls"
    line="$(sed -n "\${n}p" "$FAKE/states")"; [ -n "$line" ] || line="$(tail -n 1 "$FAKE/states")"
    printf '%s\\n' "$line" ;;
  *) echo "unexpected aws $*" >&2; exit 2 ;;
esac
`;

  function deploy(
    states: string[],
    options: { started?: boolean; timeoutSeconds?: number } = {},
  ): { status: number; stdout: string; stderr: string; calls: string[]; registered?: any } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-ecs-deploy-"));
    try {
      const bin = path.join(dir, "bin");
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(bin, "aws"), FAKE_AWS, { mode: 0o755 });
      fs.writeFileSync(path.join(dir, "states"), states.join("\n") + "\n");
      fs.writeFileSync(path.join(dir, "started"), options.started === false ? "no" : "yes");
      fs.writeFileSync(
        path.join(dir, "imageDetail.json"),
        JSON.stringify({
          ImageURI: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:${"ab".repeat(32)}`,
        }),
      );
      fs.writeFileSync(path.join(dir, "taskdef.json"), renderTaskDefinitionTemplate(template()));
      const spec = parse(
        renderEcsDeployBuildspec({
          clusterName: "greenlight-dev",
          serviceName: "web",
          subnets: ["subnet-0a", "subnet-0b"],
          securityGroups: ["sg-0web"],
          assignPublicIp: false,
          pollSeconds: 0,
          timeoutSeconds: options.timeoutSeconds ?? 60,
        }),
      );
      const env = {
        ...process.env,
        ...spec.env.variables,
        FIND_ATTEMPTS: "3",
        PATH: `${bin}:${process.env.PATH}`,
        FAKE: dir,
        FAKE_OLD: "arn:aws:ecs:eu-west-1:123456789012:service-deployment/greenlight-dev/web/old",
        FAKE_NEW: "arn:aws:ecs:eu-west-1:123456789012:service-deployment/greenlight-dev/web/new",
      };
      const result = spawnSync("bash", ["-c", spec.phases.build.commands.join("\n")], {
        cwd: dir,
        env,
        encoding: "utf8",
        timeout: 30_000,
      });
      const registered = path.join(dir, "registered.json");
      return {
        status: result.status ?? -1,
        stdout: result.stdout,
        stderr: result.stderr,
        calls: fs.readFileSync(path.join(dir, "calls.log"), "utf8").trim().split("\n"),
        registered: fs.existsSync(registered)
          ? JSON.parse(fs.readFileSync(registered, "utf8"))
          : undefined,
      };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  it("registers taskdef.json with the pinned image, updates the service and waits for SUCCESSFUL", () => {
    const r = deploy([
      "IN_PROGRESS\tPRODUCTION_TRAFFIC_SHIFT\tNone",
      "IN_PROGRESS\tPOST_PRODUCTION_TRAFFIC_SHIFT\tNone",
      "IN_PROGRESS\tBAKE_TIME\tNone",
      "SUCCESSFUL\tCLEAN_UP\tNone",
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.registered.containerDefinitions[0].image,
      `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:${"ab".repeat(32)}`,
    );
    assert.equal(r.registered.family, "greenlight-dev-web");
    assert.equal(r.registered.cpu, template().cpu);
    assert.deepEqual(
      r.calls.map((c) => c.split(" ").slice(0, 2).join(" ")),
      [
        "ecs register-task-definition",
        "ecs describe-services",
        "ecs update-service",
        "ecs describe-services",
        "ecs describe-service-deployments",
        "ecs describe-service-deployments",
        "ecs describe-service-deployments",
        "ecs describe-service-deployments",
      ],
    );
    assert.match(
      r.calls[2],
      /--task-definition arn:aws:ecs:eu-west-1:123456789012:task-definition\/greenlight-dev-web:7 --network-configuration \{"awsvpcConfiguration":\{"subnets":\["subnet-0a","subnet-0b"\],"securityGroups":\["sg-0web"\],"assignPublicIp":"DISABLED"\}\}/,
    );
    assert.match(
      r.calls[4],
      /--service-deployment-arns arn:aws:ecs:.*service-deployment\/greenlight-dev\/web\/new/,
    );
    assert.match(r.stdout, /Greenlight: IN_PROGRESS BAKE_TIME None/);
    assert.match(r.stdout, /Greenlight: web deployed/);
  });

  for (const end of ["ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "STOPPED"]) {
    it(`fails the stage when the deployment ends ${end}`, () => {
      const r = deploy([
        "IN_PROGRESS\tPRODUCTION_TRAFFIC_SHIFT\tNone",
        `${end}\tCLEAN_UP\thook failed`,
      ]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`web was not deployed: ${end}`));
    });
  }

  it("fails when Amazon ECS starts no new deployment, after a bounded search", () => {
    const r = deploy(["SUCCESSFUL\tCLEAN_UP\tNone"], { started: false });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /started no deployment of web/);
    assert.equal(r.calls.filter((c) => c.startsWith("ecs describe-services")).length, 4);
    assert.ok(!r.calls.some((c) => c.startsWith("ecs describe-service-deployments")));
  });

  it("gives up at its timeout while the deployment is still in progress", () => {
    const r = deploy(["IN_PROGRESS\tBAKE_TIME\tNone"], { timeoutSeconds: 0 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /still IN_PROGRESS after 0 s/);
  });
});
