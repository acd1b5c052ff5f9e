import { strict as assert } from "node:assert";
import {
  CodeDeployClient,
  GetDeploymentCommand,
  type GetDeploymentCommandOutput,
} from "@aws-sdk/client-codedeploy";
import { InternalServerError, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Context, EventBridgeEvent } from "aws-lambda";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { systemClock, type Clock } from "../../hooks/core/clock";
import { globalFetch } from "../../hooks/core/http";
import { createMemoryLogger, type MemoryLogger } from "../../hooks/core/logger";
import { handler } from "../../hooks/notifier/handler";
import { runNotifier, type NotifierDeps, type NotifierRun } from "../../hooks/notifier/notifier";
import { NotifierEnv } from "../../hooks/notifier/settings";
import { secretsManagerWebhookSource } from "../../hooks/shared/webhook";
import {
  startSlackServer,
  WEBHOOK_PATH,
  type SlackAnswer,
  type SlackRequest,
  type SlackServer,
} from "../hooks/helpers/servers";
import { fakeIncidentsTable, TABLE, type FakeTable } from "./helpers/fake-dynamodb";
import { loadEvent, type EventFixture } from "./helpers/fixtures";

const REGION = "eu-west-1";
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:123456789012:secret:greenlight/dev/slack-AbCdEf`;
const WEBHOOK_TOKEN = WEBHOOK_PATH.split("/").pop() ?? "";
const ECS_SERVICE = `arn:aws:ecs:${REGION}:123456789012:service/greenlight-dev/checkout`;
const TASK_DEFINITION = `arn:aws:ecs:${REGION}:123456789012:task-definition/greenlight-dev-checkout:44`;

interface Harness {
  readonly slack: SlackServer;
  readonly table: FakeTable;
  readonly codeDeploy: AwsClientStub<CodeDeployClient>;
  readonly secrets: AwsClientStub<SecretsManagerClient>;
  readonly memory: MemoryLogger;
  readonly deps: NotifierDeps;
  run(event: unknown): Promise<NotifierRun>;
  /** Moves the notifier's clock forward. */
  advance(ms: number): void;
  /** Checks that the webhook URL never reached a log line, and stops the Slack server. */
  done(): Promise<void>;
}

interface HarnessOptions {
  readonly slack?: (n: number) => SlackAnswer;
  readonly env?: Record<string, string>;
}

function failedDeployment(): GetDeploymentCommandOutput {
  return {
    $metadata: {},
    deploymentInfo: {
      applicationName: "greenlight-dev",
      deploymentGroupName: "greenlight-dev-checkout",
      deploymentId: "d-7ABCDEFGH",
      status: "Failed",
      creator: "user",
      errorInformation: {
        code: "HOOK_EXECUTION_FAILURE",
        message:
          "The deployment failed because the AfterAllowTraffic lifecycle event hook greenlight-dev-live-hook reported Failed.",
      },
      rollbackInfo: {
        rollbackDeploymentId: "d-9ROLLBACK",
        rollbackMessage: "CodeDeploy rolled back the deployment because it failed.",
      },
      revision: {
        revisionType: "AppSpecContent",
        appSpecContent: {
          content: `{"version":0.0,"Resources":[{"TargetService":{"Type":"AWS::ECS::Service","Properties":{"TaskDefinition":"${TASK_DEFINITION}","LoadBalancerInfo":{"ContainerName":"app","ContainerPort":8080}}}}]}`,
        },
      },
    },
  };
}

async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const slack = await startSlackServer(options.slack);
  const table = fakeIncidentsTable();
  const codeDeployClient = new CodeDeployClient({ region: REGION });
  const codeDeploy = mockClient(codeDeployClient);
  codeDeploy.on(GetDeploymentCommand).resolves(failedDeployment());
  const secretsClient = new SecretsManagerClient({ region: REGION });
  const secrets = mockClient(secretsClient);
  secrets.on(GetSecretValueCommand).resolves({ SecretString: slack.webhookUrl });
  const memory = createMemoryLogger();
  let offsetMs = 0;
  const clock: Clock = { now: () => Date.now() + offsetMs, sleep: systemClock.sleep };
  const source = secretsManagerWebhookSource(secretsClient, SECRET_ARN, clock);
  const deps: NotifierDeps = {
    clients: { codeDeploy: codeDeployClient, dynamoDb: table.client },
    env: {
      [NotifierEnv.environment]: "dev",
      [NotifierEnv.slackSecretArn]: SECRET_ARN,
      [NotifierEnv.incidentsTable]: TABLE,
      ...options.env,
    },
    clock,
    fetch: globalFetch,
    logger: memory.logger,
    webhookSource: () => source,
    region: REGION,
    slack: { baseDelayMs: 20, timeoutMs: 1000 },
  };
  return {
    slack,
    table,
    codeDeploy,
    secrets,
    memory,
    deps,
    run: (event) => runNotifier(event, { getRemainingTimeInMillis: () => 30_000 }, deps),
    advance: (ms) => {
      offsetMs += ms;
    },
    done: async () => {
      await slack.close();
      const all = memory.lines.join("\n");
      assert.ok(!all.includes(slack.webhookUrl), "the webhook URL is not logged");
      assert.ok(!all.includes(WEBHOOK_PATH), "the webhook path is not logged");
      assert.ok(!all.includes(WEBHOOK_TOKEN), "the webhook token is not logged");
    },
  };
}

/** Runs `body` with a fresh harness and always checks the logs and stops the server. */
async function withHarness(
  options: HarnessOptions,
  body: (h: Harness) => Promise<void>,
): Promise<void> {
  const h = await harness(options);
  try {
    await body(h);
  } finally {
    await h.done();
  }
}

function headerOf(request: SlackRequest | undefined): string {
  assert.ok(request !== undefined, "a message was posted");
  const header = request.payload.blocks[0] as { type: string; text: { text: string } };
  assert.equal(header.type, "header");
  return header.text.text;
}

function textOf(request: SlackRequest | undefined): string {
  assert.ok(request !== undefined, "a message was posted");
  return JSON.stringify(request.payload);
}

/** A task-stopped crash of `checkout`, with its own task id. */
function crash(n: number): Record<string, unknown> {
  const event = loadEvent("ecs-task-stopped-crash");
  const detail = event.detail as Record<string, unknown>;
  detail.taskArn = `arn:aws:ecs:${REGION}:123456789012:task/greenlight-dev/${n.toString(16).padStart(32, "0")}`;
  return event;
}

describe("hooks/notifier (fake DynamoDB, mocked AWS, real Slack server on 127.0.0.1)", () => {
  it("posts a failed build as a pipeline alert: stage, action, error, unknown branch and commit, console link", () =>
    withHarness({}, async (h) => {
      const run = await h.run(loadEvent("action-execution-failed"));
      assert.equal(run.outcome, "posted");
      assert.equal(
        run.incident,
        "pipeline:greenlight-dev-checkout:5bd1c1d2-8a14-4a55-9e0f-0c2b2d7a9e31",
      );
      assert.equal(h.slack.received.length, 1);
      const message = h.slack.received[0];
      assert.equal(message?.path, WEBHOOK_PATH);
      assert.equal(headerOf(message), "❌ Pipeline greenlight-dev-checkout failed at Build in dev");
      assert.equal(
        message?.payload.text,
        "❌ Pipeline greenlight-dev-checkout failed at Build in dev (execution 5bd1c1d2-8a14-4a55-9e0f-0c2b2d7a9e31)",
      );
      const text = textOf(message);
      for (const expected of [
        "*Environment*\\ndev",
        "*Failed stage*\\nBuild",
        "*Action*\\nBuild (CodeBuild)",
        "*Branch or tag*\\nunknown",
        "*Commit*\\nunknown",
        "*Error*: `JobFailed` Build terminated with state: FAILED",
        "|Details in CodeBuild>",
        `<https://${REGION}.console.aws.amazon.com/codesuite/codepipeline/pipelines/greenlight-dev-checkout/executions/5bd1c1d2-8a14-4a55-9e0f-0c2b2d7a9e31/timeline?region=${REGION}|5bd1c1d2-8a14-4a55-9e0f-0c2b2d7a9e31>`,
      ]) {
        assert.ok(text.includes(expected), `${expected} in ${text}`);
      }
      assert.deepEqual(h.table.log, ["put"]);
    }));

  it("says the failed stage is unknown when only the pipeline event arrives, and who started it", () =>
    withHarness({}, async (h) => {
      await h.run(loadEvent("pipeline-execution-failed"));
      const message = h.slack.received[0];
      assert.equal(headerOf(message), "❌ Pipeline greenlight-dev-checkout failed in dev");
      const text = textOf(message);
      assert.ok(text.includes("*Failed stage*\\nunknown"));
      assert.ok(text.includes("*Started by*\\nWebhookV2"));
      assert.ok(text.includes("the execution page shows it"));
    }));

  it("folds the action, stage and pipeline events of one failed execution into one post", () =>
    withHarness({}, async (h) => {
      const outcomes = [];
      for (const name of [
        "action-execution-failed",
        "stage-execution-failed",
        "pipeline-execution-failed",
      ] as const) {
        outcomes.push((await h.run(loadEvent(name))).outcome);
      }
      assert.deepEqual(outcomes, ["posted", "suppressed", "suppressed"]);
      assert.equal(h.slack.received.length, 1);
      assert.equal(
        headerOf(h.slack.received[0]),
        "❌ Pipeline greenlight-dev-checkout failed at Build in dev",
      );
    }));

  it("posts a superseded execution, naming who started it", () =>
    withHarness({}, async (h) => {
      await h.run(loadEvent("pipeline-execution-superseded"));
      const message = h.slack.received[0];
      assert.equal(
        headerOf(message),
        "⏭️ Pipeline greenlight-dev-checkout: an execution was superseded in dev",
      );
      const text = textOf(message);
      assert.ok(text.includes("*Started by*\\nStartPipelineExecution by ada.lovelace"));
      assert.ok(text.includes("A newer execution went ahead"));
    }));

  it("posts a failed deployment with the reason and the rollback from GetDeployment", () =>
    withHarness({}, async (h) => {
      const run = await h.run(loadEvent("codedeploy-deployment-failure"));
      assert.equal(run.outcome, "posted");
      assert.deepEqual(
        h.codeDeploy.commandCalls(GetDeploymentCommand).map((call) => call.args[0].input),
        [{ deploymentId: "d-7ABCDEFGH" }],
      );
      const message = h.slack.received[0];
      assert.equal(
        headerOf(message),
        "❌ Deployment to greenlight-dev-checkout failed and was rolled back in dev",
      );
      assert.match(
        message?.payload.text ?? "",
        /^❌ Deployment to greenlight-dev-checkout failed and was rolled back in dev \(d-7ABCDEFGH\): The deployment failed because the AfterAllowTraffic lifecycle event hook/,
      );
      const text = textOf(message);
      for (const expected of [
        "*Application*\\ngreenlight-dev",
        "*Status*\\nFailed",
        "*Task definition*\\ngreenlight-dev-checkout:44",
        "*Reason*: `HOOK_EXECUTION_FAILURE` The deployment failed because the AfterAllowTraffic lifecycle event hook greenlight-dev-live-hook reported Failed.",
        `*Rolled back by*: <https://${REGION}.console.aws.amazon.com/codesuite/codedeploy/deployments/d-9ROLLBACK?region=${REGION}|d-9ROLLBACK>`,
        "*Rollback*: CodeDeploy rolled back the deployment because it failed.",
        `<https://${REGION}.console.aws.amazon.com/codesuite/codedeploy/deployments/d-7ABCDEFGH?region=${REGION}|d-7ABCDEFGH>`,
      ]) {
        assert.ok(text.includes(expected), `${expected} in ${text}`);
      }
    }));

  it("posts a stopped deployment", () =>
    withHarness({}, async (h) => {
      h.codeDeploy.on(GetDeploymentCommand).resolves({
        deploymentInfo: {
          deploymentId: "d-8STOPPED1",
          status: "Stopped",
          errorInformation: {
            code: "ALARM_ACTIVE",
            message: "One or more alarms have been activated: greenlight-dev-checkout-target-5xx",
          },
        },
      });
      await h.run(loadEvent("codedeploy-deployment-stop"));
      const message = h.slack.received[0];
      assert.equal(
        headerOf(message),
        "⏹️ Deployment to greenlight-dev-checkout was stopped in dev",
      );
      assert.ok(
        textOf(message).includes(
          "*Reason*: `ALARM_ACTIVE` One or more alarms have been activated: greenlight-dev-checkout-target-5xx",
        ),
      );
    }));

  it("still posts a failed deployment when GetDeployment is denied, saying the reason is unknown", () =>
    withHarness({}, async (h) => {
      h.codeDeploy.on(GetDeploymentCommand).rejects(
        Object.assign(new Error("User is not authorized to perform: codedeploy:GetDeployment"), {
          name: "AccessDeniedException",
        }),
      );
      const run = await h.run(loadEvent("codedeploy-deployment-failure"));
      assert.equal(run.outcome, "posted");
      assert.equal(
        headerOf(h.slack.received[0]),
        "❌ Deployment to greenlight-dev-checkout failed in dev",
      );
      assert.ok(
        textOf(h.slack.received[0]).includes(
          "*Reason*: unknown (GetDeployment failed: AccessDeniedException: User is not authorized to perform: codedeploy:GetDeployment)",
        ),
      );
      assert.equal(h.memory.events("notifier.deployment-unreadable").length, 1);
    }));

  it("posts a task that ran out of memory: service, stop code, exit codes, task definition, links", () =>
    withHarness({}, async (h) => {
      const run = await h.run(loadEvent("ecs-task-stopped-oom"));
      assert.equal(run.incident, "task-stopped:checkout:EssentialContainerExited:137");
      const message = h.slack.received[0];
      assert.equal(headerOf(message), "🛑 checkout: a task ran out of memory in dev");
      assert.equal(
        message?.payload.text,
        "🛑 checkout: a task ran out of memory in dev: EssentialContainerExited, exit app: 137 (out of memory)",
      );
      const text = textOf(message);
      for (const expected of [
        "*Service*\\ncheckout",
        "*Stop code*\\nEssentialContainerExited",
        "*Exit codes*\\napp: 137 (out of memory)",
        "*Task definition*\\ngreenlight-dev-checkout:43",
        `<https://${REGION}.console.aws.amazon.com/ecs/v2/clusters/greenlight-dev/tasks/1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6/configuration?region=${REGION}|1a2b3c4d5e6f47a8b9c0d1e2f3a4b5c6>`,
        "*Stopped reason*: Essential container in task exited",
        "• `app`: OutOfMemoryError: Container killed due to memory usage",
        `<https://${REGION}.console.aws.amazon.com/ecs/v2/clusters/greenlight-dev/services/checkout/events?region=${REGION}|Service events>`,
      ]) {
        assert.ok(text.includes(expected), `${expected} in ${text}`);
      }
    }));

  for (const [name, stopCode, reason] of [
    ["ecs-task-stopped-crash", "EssentialContainerExited", "Essential container in task exited"],
    [
      "ecs-task-stopped-failed-to-start",
      "TaskFailedToStart",
      "CannotPullContainerError: pull image manifest",
    ],
    [
      "ecs-task-stopped-elb-health-checks",
      "ServiceSchedulerInitiated",
      "Task failed ELB health checks in (target-group",
    ],
    ["ecs-task-stopped-spot", "SpotInterruption", "Your Spot Task was interrupted."],
  ] as const) {
    it(`posts ${name.replace("ecs-task-stopped-", "")} as a task that stopped unexpectedly`, () =>
      withHarness({}, async (h) => {
        await h.run(loadEvent(name));
        const message = h.slack.received[0];
        assert.equal(headerOf(message), "🛑 checkout: a task stopped unexpectedly in dev");
        const text = textOf(message);
        assert.ok(text.includes(`*Stop code*\\n${stopCode}`));
        assert.ok(text.includes(`*Stopped reason*: ${reason}`), text);
      }));
  }

  it("posts a failed ECS service deployment once: service, reason, a link to its deployments", () =>
    withHarness({}, async (h) => {
      const run = await h.run(loadEvent("ecs-deployment-failed"));
      assert.equal(run.outcome, "posted");
      assert.equal(run.incident, `service-deployment:${ECS_SERVICE}`);
      assert.equal(h.slack.received.length, 1);
      const posted = h.slack.received[0];
      assert.equal(headerOf(posted), "❌ checkout: a deployment failed in dev");
      assert.equal(
        posted?.payload.text,
        "❌ checkout: a deployment failed in dev (ecs-svc/6829403818421097733): ECS deployment circuit breaker: task failed to start.",
      );
      const body = textOf(posted);
      assert.ok(
        body.includes(
          `https://${REGION}.console.aws.amazon.com/ecs/v2/clusters/greenlight-dev/services/checkout/deployments?region=${REGION}`,
        ),
        body,
      );
      assert.match(body, /\*Reason\*: ECS deployment circuit breaker: task failed to start\./);
      // The ECS event carries its reason: no CodeDeploy call.
      assert.equal(h.codeDeploy.calls().length, 0);
    }));

  it("folds a burst of failure, rollback and duplicate deployment events into one post", () =>
    withHarness({}, async (h) => {
      const events = [
        loadEvent("ecs-deployment-failed"),
        loadEvent("ecs-deployment-rollback"),
        ...Array.from({ length: 18 }, () => loadEvent("ecs-deployment-failed")),
      ];
      const runs = await Promise.all(events.map((event) => h.run(event)));
      assert.equal(runs.filter((run) => run.outcome === "posted").length, 1);
      assert.equal(runs.filter((run) => run.outcome === "suppressed").length, 19);
      assert.equal(h.slack.received.length, 1);
      assert.equal(h.table.items.get(`service-deployment:${ECS_SERVICE}`)?.suppressed?.N, "19");
    }));

  it("posts a rollback that starts, saying traffic goes back to the previous revision", () =>
    withHarness({}, async (h) => {
      assert.equal((await h.run(loadEvent("ecs-deployment-rollback"))).outcome, "posted");
      assert.equal(
        headerOf(h.slack.received[0]),
        "↩️ checkout: a deployment is rolling back in dev",
      );
      assert.match(
        textOf(h.slack.received[0]),
        /rolling back to deploymentId ecs-svc\/5160512325736418813/,
      );
    }));

  it("ignores ECS deployments that start or complete, and those of another cluster", () =>
    withHarness(
      {
        env: {
          [NotifierEnv.clusterArn]: `arn:aws:ecs:${REGION}:123456789012:cluster/greenlight-dev`,
        },
      },
      async (h) => {
        const foreign = loadEvent("ecs-deployment-failed");
        foreign.resources = [ECS_SERVICE.replace("greenlight-dev", "greenlight-prod")];
        for (const event of [
          loadEvent("ecs-deployment-in-progress"),
          loadEvent("ecs-deployment-completed"),
          foreign,
        ]) {
          assert.equal((await h.run(event)).outcome, "ignored");
        }
        assert.equal(h.slack.received.length, 0);
        assert.equal(h.table.stub.calls().length, 0);
        assert.equal(h.secrets.calls().length, 0);
        // Its own cluster's failure still posts.
        assert.equal((await h.run(loadEvent("ecs-deployment-failed"))).outcome, "posted");
      },
    ));

  it("logs a malformed ECS deployment event and posts nothing", () =>
    withHarness({}, async (h) => {
      const broken = loadEvent("ecs-deployment-failed");
      broken.resources = [];
      const run = await h.run(broken);
      assert.equal(run.outcome, "malformed");
      assert.equal(h.memory.events("notifier.malformed-event").length, 1);
      assert.equal(h.slack.received.length, 0);
      assert.equal(h.table.stub.calls().length, 0);
    }));

  it("posts an alarm in ALARM with its description, reason and link", () =>
    withHarness({}, async (h) => {
      await h.run(loadEvent("cloudwatch-alarm-alarm"));
      const message = h.slack.received[0];
      assert.equal(
        headerOf(message),
        "🚨 Alarm greenlight-dev-checkout-target-5xx is in ALARM in dev",
      );
      const text = textOf(message);
      for (const expected of [
        `<https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#alarmsV2:alarm/greenlight-dev-checkout-target-5xx|greenlight-dev-checkout-target-5xx>`,
        "*Previous state*\\nOK",
        "checkout (dev): 5 or more HTTP 5xx answers from its targets in a minute",
        "*Reason*: Threshold Crossed: 1 out of the last 1 datapoints [12.0 (22/11/26 13:11:00)] was greater than or equal to the threshold (5.0)",
      ]) {
        assert.ok(text.includes(expected), `${expected} in ${text}`);
      }
    }));

  it("ignores normal blue/green cleanup, scale-in and user stops: no post, no DynamoDB write, no secret read", () =>
    withHarness({}, async (h) => {
      for (const name of [
        "ecs-task-stopped-bluegreen-cleanup",
        "ecs-task-stopped-scale-in",
        "ecs-task-stopped-user",
      ] as const) {
        const run = await h.run(loadEvent(name));
        assert.equal(run.outcome, "ignored", name);
        assert.match(run.reason ?? "", /^normal task stop: /);
      }
      assert.equal(h.slack.received.length, 0);
      assert.equal(h.table.stub.calls().length, 0);
      assert.equal(h.secrets.calls().length, 0);
      assert.equal(h.memory.events("notifier.ignored").length, 3);
    }));

  it("ignores successes and recoveries", () =>
    withHarness({}, async (h) => {
      const names: EventFixture[] = [
        "pipeline-execution-succeeded",
        "codedeploy-deployment-success",
        "cloudwatch-alarm-ok",
        "ecs-task-running",
      ];
      for (const name of names) assert.equal((await h.run(loadEvent(name))).outcome, "ignored");
      assert.equal(h.slack.received.length, 0);
      assert.equal(h.table.stub.calls().length, 0);
      assert.equal(h.codeDeploy.calls().length, 0);
    }));

  it("folds a burst of 50 identical task stops into one post, then says how many were held back", () =>
    withHarness({}, async (h) => {
      const runs = await Promise.all(Array.from({ length: 50 }, (_, i) => h.run(crash(i))));
      const outcomes = runs.map((run) => run.outcome);
      assert.equal(outcomes.filter((o) => o === "posted").length, 1);
      assert.equal(outcomes.filter((o) => o === "suppressed").length, 49);
      assert.equal(h.slack.received.length, 1);
      const item = h.table.items.get("task-stopped:checkout:EssentialContainerExited:1");
      assert.equal(item?.suppressed?.N, "49");
      assert.equal(h.secrets.commandCalls(GetSecretValueCommand).length, 1);

      // Still inside the window: held back.
      h.advance(10 * 60 * 1000);
      assert.equal((await h.run(crash(50))).outcome, "suppressed");
      // After the window (15 min by default): posts again and says how many were held back.
      h.advance(6 * 60 * 1000);
      const after = await h.run(crash(51));
      assert.equal(after.outcome, "posted");
      assert.equal(h.slack.received.length, 2);
      const second = h.slack.received[1];
      assert.match(
        second?.payload.text ?? "",
        /^🛑 checkout: a task stopped unexpectedly in dev: EssentialContainerExited, exit app: 1 \(\+50 held back\)$/,
      );
      assert.match(
        textOf(second),
        /50 more alerts for this were held back since \d{4}-\d\d-\d\d \d\d:\d\d UTC \(one message per 15 min\)\./,
      );
      assert.equal(
        h.table.items.get("task-stopped:checkout:EssentialContainerExited:1")?.suppressed?.N,
        "0",
      );
    }));

  it("keeps different incidents apart: another exit code or another service still posts", () =>
    withHarness({}, async (h) => {
      const otherExit = crash(1);
      const detail = otherExit.detail as { containers: { exitCode: number }[] };
      detail.containers[0]!.exitCode = 2;
      const otherService = crash(2);
      (otherService.detail as Record<string, unknown>).group = "service:payments";
      for (const event of [crash(0), otherExit, otherService]) {
        assert.equal((await h.run(event)).outcome, "posted");
      }
      assert.equal(h.slack.received.length, 3);
    }));

  it("posts anyway when DynamoDB is down (a duplicate beats a lost alert), and logs why", () =>
    withHarness({}, async (h) => {
      h.table.stub
        .on(PutItemCommand)
        .rejects(new InternalServerError({ message: "Internal server error", $metadata: {} }));
      const runs = [await h.run(crash(0)), await h.run(crash(1))];
      assert.deepEqual(
        runs.map((run) => run.outcome),
        ["posted", "posted"],
      );
      assert.equal(h.slack.received.length, 2);
      const logged = h.memory.events("dedup.unavailable");
      assert.equal(logged.length, 2);
      assert.equal(logged[0]?.errorName, "InternalServerError");
      assert.equal(logged[0]?.consequence, "posting anyway");
    }));

  it("logs Slack's 404 no_service without throwing, gives the claim back, and reads the secret afresh", () =>
    withHarness({ slack: () => ({ status: 404, body: "no_service" }) }, async (h) => {
      const first = await h.run(crash(0));
      assert.equal(first.outcome, "not-posted");
      assert.equal(first.reason, "HTTP 404 no_service");
      assert.equal(h.slack.received.length, 1, "no retry: the webhook is gone");
      const failed = h.memory.events("slack.failed");
      assert.equal(failed.length, 1);
      assert.equal(failed[0]?.status, 404);
      assert.equal(failed[0]?.slackAnswer, "no_service");
      assert.deepEqual(h.table.log, ["put", "release"]);

      const second = await h.run(crash(1));
      assert.equal(second.outcome, "not-posted", "the next event tries again");
      assert.equal(h.slack.received.length, 2);
      assert.equal(h.secrets.commandCalls(GetSecretValueCommand).length, 2);
    }));

  it("never logs the webhook URL, even when Slack's answer quotes it", () =>
    withHarness(
      { slack: () => ({ status: 400, body: `invalid_payload for ${WEBHOOK_PATH}` }) },
      async (h) => {
        const run = await h.run(loadEvent("cloudwatch-alarm-alarm"));
        assert.equal(run.outcome, "not-posted");
        assert.ok(h.memory.lines.some((line) => line.includes("[redacted]")));
      },
    ));

  it("logs the alert and skips Slack when no secret is configured", () =>
    withHarness({ env: { [NotifierEnv.slackSecretArn]: "" } }, async (h) => {
      const run = await h.run(loadEvent("cloudwatch-alarm-alarm"));
      assert.equal(run.outcome, "not-posted");
      assert.deepEqual(run.slack, { skipped: "GREENLIGHT_SLACK_SECRET_ARN is not set" });
      assert.equal(h.slack.received.length, 0);
      assert.equal(
        h.memory.events("notifier.alert")[0]?.text,
        "🚨 Alarm greenlight-dev-checkout-target-5xx is in ALARM in dev",
      );
      assert.deepEqual(h.table.log, ["put"], "the claim is kept: there is nothing to retry");
    }));

  it("posts every event without a table or with a window of 0", () =>
    withHarness({ env: { [NotifierEnv.incidentsTable]: "" } }, async (h) => {
      await h.run(crash(0));
      await h.run(crash(1));
      assert.equal(h.slack.received.length, 2);
      assert.equal(h.table.stub.calls().length, 0);
      assert.match(
        String(h.memory.events("dedup.off")[0]?.reason),
        /GREENLIGHT_INCIDENTS_TABLE is not set/,
      );
    }).then(() =>
      withHarness({ env: { [NotifierEnv.dedupWindowSeconds]: "0" } }, async (h) => {
        await h.run(crash(0));
        await h.run(crash(1));
        assert.equal(h.slack.received.length, 2);
        assert.equal(h.table.stub.calls().length, 0);
      }),
    ));

  it("uses the window setting, and falls back to 15 minutes when it is not a number", () =>
    withHarness({ env: { [NotifierEnv.dedupWindowSeconds]: "60" } }, async (h) => {
      await h.run(crash(0));
      h.advance(61_000);
      assert.equal((await h.run(crash(1))).outcome, "posted");
    }).then(() =>
      withHarness({ env: { [NotifierEnv.dedupWindowSeconds]: "soon" } }, async (h) => {
        await h.run(crash(0));
        h.advance(61_000);
        assert.equal((await h.run(crash(1))).outcome, "suppressed");
        assert.match(
          String(h.memory.events("notifier.settings")[0]?.problem),
          /GREENLIGHT_DEDUP_WINDOW_SECONDS is "soon"/,
        );
      }),
    ));

  it("names the console region from GREENLIGHT_CONSOLE_REGION when set", () =>
    withHarness({ env: { [NotifierEnv.consoleRegion]: "us-east-1" } }, async (h) => {
      await h.run(loadEvent("cloudwatch-alarm-alarm"));
      assert.ok(
        textOf(h.slack.received[0]).includes(
          "https://us-east-1.console.aws.amazon.com/cloudwatch/",
        ),
      );
    }));

  it("logs a malformed event and returns without throwing", () =>
    withHarness({}, async (h) => {
      for (const event of [null, "x", { source: "aws.ecs" }]) {
        assert.equal((await h.run(event)).outcome, "malformed");
      }
      assert.equal(h.memory.events("notifier.malformed-event").length, 3);
      assert.equal(h.slack.received.length, 0);
    }));
});

describe("hooks/notifier/handler (the Lambda entry point)", () => {
  it("writes JSON log lines to stdout and resolves on an event it does not understand", async () => {
    const lines: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]): void => {
      lines.push(args.map(String).join(" "));
    };
    try {
      const event = { source: "aws.s3", "detail-type": "Object Created", detail: {} };
      await handler(
        event as unknown as EventBridgeEvent<string, unknown>,
        { getRemainingTimeInMillis: () => 5000 } as unknown as Context,
      );
    } finally {
      console.log = original;
    }
    const entries = lines.map((line) => JSON.parse(line) as { level: string; event: string });
    assert.ok(entries.some((entry) => entry.event === "notifier.malformed-event"));
  });
});
