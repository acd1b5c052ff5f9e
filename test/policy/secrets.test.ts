import { strict as assert } from "assert";
import { TYPES } from "../../policy/lib/types";
import { UNKNOWN } from "../../policy/lib/values";
import {
  buildsImage,
  noSecretsInEnvironment,
  privilegedOnlyForImageBuilds,
  secretReason,
} from "../../policy/policies/secrets";
import { messages, UNKNOWN_STRING, validate, type FakeResource } from "./fakes";

const lambda = (variables: unknown): FakeResource => ({
  type: TYPES.lambdaFunction,
  name: "live-hook",
  props: { environment: { variables } },
});

const taskDefinition = (environment: unknown): FakeResource => ({
  type: TYPES.taskDefinition,
  name: "web-task",
  props: {
    containerDefinitions: JSON.stringify([{ name: "web", image: "web:1", environment }]),
  },
});

const project = (props: Record<string, unknown>): FakeResource => ({
  type: TYPES.codebuildProject,
  name: "web-build",
  props,
});

describe("secrets and build policies", () => {
  describe("greenlight-no-secrets-in-environment", () => {
    const check = (...resources: FakeResource[]) => validate([noSecretsInEnvironment], resources);

    it("recognises credentials by value whatever the name, and secret names with a value", () => {
      const reason = (name: string, value: unknown) => secretReason({ where: "env", name, value });
      assert.equal(
        reason("NOTIFY", "https://hooks.slack.com/services/T000/B000/XXXX"),
        "its value looks like a Slack webhook URL",
      );
      assert.equal(reason("BOT", "xoxb-1234-abcd"), "its value looks like a Slack token");
      assert.equal(reason("GH", "ghp_abcdefghijklmnop"), "its value looks like a GitHub token");
      assert.equal(reason("GH", "github_pat_11ABC"), "its value looks like a GitHub token");
      assert.equal(
        reason("KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        "its value looks like an AWS access key id",
      );
      assert.equal(
        reason("CERT", "-----BEGIN RSA PRIVATE KEY-----\n..."),
        "its value looks like a PEM key or certificate",
      );
      for (const name of [
        "DB_PASSWORD",
        "API_TOKEN",
        "CLIENT_SECRET",
        "SLACK_WEBHOOK_URL",
        "token",
      ]) {
        assert.equal(reason(name, "x"), "its name says it holds a secret", name);
      }
      assert.equal(
        reason("SLACK_WEBHOOK_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:x"),
        undefined,
      );
      assert.equal(reason("DB_PASSWORD", ""), undefined, "an empty value holds nothing");
      assert.equal(reason("TOKENIZER_MODE", "fast"), undefined);
      assert.equal(reason("SLACK_WEBHOOK_URL", UNKNOWN), undefined, "not known yet");
    });

    it("passes plain settings and a secret's ARN", async () => {
      assert.deepEqual(
        await check(
          lambda({
            GREENLIGHT_ENVIRONMENT: "dev",
            GREENLIGHT_SLACK_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:slack",
          }),
          taskDefinition([{ name: "LOG_LEVEL", value: "debug" }]),
        ),
        [],
      );
    });

    it("fails a webhook URL in a Lambda's environment without quoting it", async () => {
      const url = "https://hooks.slack.com/services/T000/B000/XXXXSECRET";
      const found = messages(await check(lambda({ NOTIFY: url })));
      assert.deepEqual(found, [
        'Function "live-hook": environment.variables NOTIFY — its value looks like a Slack ' +
          "webhook URL. Store the value in Secrets Manager and pass its ARN (a variable ending " +
          "in _ARN) instead, or use the task definition's \"secrets\" / CodeBuild's " +
          "SECRETS_MANAGER type.",
      ]);
      assert.ok(!found[0].includes("XXXXSECRET"), "the message never repeats the secret");
    });

    it("fails secrets in a task definition's container environment", async () => {
      const found = messages(
        await check(
          taskDefinition([
            { name: "GITHUB", value: "ghp_0123456789abcdef" },
            { name: "DB_PASSWORD", value: "hunter2" },
            { name: "DB_PASSWORD_ARN", value: "arn:aws:secretsmanager:eu-west-1:1:secret:db" },
          ]),
        ),
      );
      assert.deepEqual(
        found.map((m) => m.split(". ")[0]),
        [
          'TaskDefinition "web-task": containerDefinitions[web].environment GITHUB — its value looks like a GitHub token',
          'TaskDefinition "web-task": containerDefinitions[web].environment DB_PASSWORD — its name says it holds a secret',
        ],
      );
    });

    it("fails plain-text CodeBuild variables, not Secrets Manager references", async () => {
      const found = messages(
        await check(
          project({
            environment: {
              environmentVariables: [
                { name: "NPM_TOKEN", value: "npm_abc", type: "PLAINTEXT" },
                {
                  name: "DOCKERHUB_PASSWORD",
                  value: "dockerhub:password",
                  type: "SECRETS_MANAGER",
                },
              ],
            },
          }),
        ),
      );
      assert.equal(found.length, 1);
      assert.match(found[0], /^Project "web-build": environment.environmentVariables NPM_TOKEN/);
    });

    it("waits for environments that are not known yet (preview)", async () => {
      assert.deepEqual(
        await check(lambda(UNKNOWN_STRING), {
          type: TYPES.taskDefinition,
          name: "t",
          props: { containerDefinitions: UNKNOWN_STRING },
        }),
        [],
      );
    });
  });

  describe("greenlight-codebuild-privileged-for-images", () => {
    const check = (props: Record<string, unknown>) =>
      validate([privilegedOnlyForImageBuilds], [project(props)]);
    const imageBuild =
      'version: 0.2\nphases:\n  build:\n    commands:\n      - docker build -t "$REPO" .\n';

    it("recognises image builds", () => {
      assert.equal(buildsImage(imageBuild), true);
      assert.equal(buildsImage("docker buildx build --push ."), true);
      assert.equal(buildsImage("npm test\ndocker push x"), false);
      assert.equal(buildsImage("echo docker-builder"), false);
    });

    it("passes a privileged project whose inline buildspec builds an image, and unprivileged ones", async () => {
      assert.deepEqual(
        await check({
          source: { type: "CODEPIPELINE", buildspec: imageBuild },
          environment: { privilegedMode: true },
        }),
        [],
      );
      assert.deepEqual(
        await check({
          source: { buildspec: "version: 0.2\n" },
          environment: { privilegedMode: false },
        }),
        [],
      );
    });

    it("fails a privileged project that builds no image", async () => {
      assert.deepEqual(
        messages(
          await check({
            source: { buildspec: "version: 0.2\nphases:\n  build:\n    commands: [npm test]\n" },
            environment: { privilegedMode: true },
          }),
        ),
        [
          'Project "web-build" runs in privileged mode but its buildspec never runs `docker ' +
            "build`. Set environment.privilegedMode: false.",
        ],
      );
    });

    it("fails a privileged project whose buildspec lives in the repository, unseen", async () => {
      const found = messages(
        await check({ source: { type: "GITHUB" }, environment: { privilegedMode: true } }),
      );
      assert.match(
        found[0],
        /cannot read \(the repository's buildspec.yml\)\. Inline the buildspec/,
      );
    });

    it("waits for a buildspec that is not known yet (preview)", async () => {
      assert.deepEqual(
        await check({
          source: { buildspec: UNKNOWN_STRING },
          environment: { privilegedMode: true },
        }),
        [],
      );
    });
  });
});
