import { strict as assert } from "node:assert";
import {
  DeploymentDoesNotExistException,
  GetDeploymentCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from "@aws-sdk/client-codedeploy";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import type { Context } from "aws-lambda";
import {
  handler,
  type CodeDeployLifecycleHookEvent,
} from "../../hooks/codedeploy/after-allow-traffic";
import { createHookClients } from "../../hooks/codedeploy/aws";
import { runAfterAllowTraffic } from "../../hooks/codedeploy/hook";
import { HookEnv } from "../../hooks/codedeploy/settings";
import type { WebhookSource } from "../../hooks/codedeploy/webhook";
import { systemClock } from "../../hooks/core/clock";
import { globalFetch } from "../../hooks/core/http";
import { createMemoryLogger } from "../../hooks/core/logger";
import {
  DEPLOYMENT_ID,
  deploymentGroupOutput,
  deploymentOutput,
  EXECUTION_ID,
  mockAws,
  NEW_VERSION,
  OLD_VERSION,
  REGION,
} from "./helpers/aws-fixtures";
import {
  allText,
  EVENT,
  headerOf,
  NEW,
  OLD,
  ROOMY_PROBE,
  scenario,
  testEnv,
} from "./helpers/hook-scenario";
import { listen, startVersionServer, WEBHOOK_PATH, type VersionAnswer } from "./helpers/servers";

describe("hooks/codedeploy AfterAllowTraffic (mocked AWS, real HTTP on 127.0.0.1)", () => {
  it("reports Succeeded once and posts the live notice when the new version answers", async () => {
    const result = await scenario({ env: ROOMY_PROBE });
    assert.deepEqual(result.statuses, ["Succeeded"]);
    const put = result.aws.codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand)[0]!;
    assert.deepEqual(put.args[0].input, {
      deploymentId: DEPLOYMENT_ID,
      lifecycleEventHookExecutionId: EXECUTION_ID,
      status: "Succeeded",
    });
    assert.equal(result.versionRequests, 3);
    assert.equal(result.slack.received.length, 1);
    const message = result.slack.received[0]!;
    assert.equal(message.path, WEBHOOK_PATH);
    assert.equal(headerOf(message.payload), "✅ checkout 1.4.3 is live in dev");
    assert.match(
      message.payload.text,
      /^✅ checkout 1\.4\.3 is live in dev \(main @ a1b2c3d\), deployed in 5 min/,
    );
    const text = allText(message.payload);
    assert.match(text, /Fix checkout totals &amp; rounding/);
    assert.match(
      text,
      /<https:\/\/github\.com\/acme\/shop\/commit\/a1b2c3d4e5f60718293a4b5c6d7e8f9012345678\|a1b2c3d>/,
    );
    assert.match(
      text,
      /codesuite\/codedeploy\/deployments\/d-TEST12345\?region=eu-west-1\|Deployment d-TEST12345/,
    );
    assert.match(text, /all 2 targets are healthy/);
    assert.equal(result.run.reported, "Succeeded");
    assert.deepEqual(
      result.memory
        .entries()
        .map((entry) => entry.event)
        .filter((event) => event.startsWith("hook.")),
      [
        "hook.start",
        "hook.owner-unchecked",
        "hook.resolved",
        "hook.verdict",
        "hook.reported",
        "hook.after-report",
      ],
    );
  });

  it("waits out old/new/old flapping and only then reports Succeeded", async () => {
    const sequence = [OLD, NEW, OLD, NEW, NEW, OLD, NEW, NEW, NEW];
    const result = await scenario({ version: (n) => sequence[n - 1] ?? NEW, env: ROOMY_PROBE });
    assert.deepEqual(result.statuses, ["Succeeded"]);
    assert.equal(result.versionRequests, 9, "no early verdict before three new answers in a row");
    assert.deepEqual(result.run.outcome?.probe.seen.versions, {
      [OLD_VERSION]: 3,
      [NEW_VERSION]: 6,
    });
    assert.equal(result.slack.received.length, 1);
  });

  it("reports Failed by the deadline when the new version never answers, with a failure notice", async () => {
    const result = await scenario({ version: () => OLD });
    assert.deepEqual(result.statuses, ["Failed"]);
    assert.ok(result.elapsedMs >= 1100 && result.elapsedMs < 5000, `took ${result.elapsedMs} ms`);
    assert.equal(result.run.outcome?.verdict.failedCheck, "version");
    assert.equal(result.slack.received.length, 1);
    const payload = result.slack.received[0]!.payload;
    assert.equal(headerOf(payload), "❌ checkout 1.4.3 failed the live check in dev");
    const text = allText(payload);
    assert.match(text, /\*Failed check: version\*/);
    assert.match(text, /CodeDeploy is rolling back\./);
    assert.match(text, /1\.4\.2 ×\d+/);
  });

  it("reports Failed when a target of the live group is unhealthy, though the version answers", async () => {
    const result = await scenario({ aws: { targetStates: ["healthy", "unhealthy"] } });
    assert.deepEqual(result.statuses, ["Failed"]);
    assert.equal(result.run.outcome?.verdict.failedCheck, "targets");
    const text = allText(result.slack.received[0]!.payload);
    assert.match(text, /\*Failed check: targets\*/);
    assert.match(
      text,
      /10\.0\.2\.10:8080 unhealthy \(Target\.FailedHealthChecks: Health checks failed\)/,
    );
  });

  for (const [name, broken] of [
    ["returns 500", { status: 500, body: "Internal Server Error" }],
    ["returns garbage instead of JSON", { status: 200, body: "<html>maintenance</html>" }],
    ["hangs", { hang: true }],
  ] as const) {
    it(`reports Failed when /version ${name} and never recovers`, async () => {
      const result = await scenario({ version: () => broken });
      assert.deepEqual(result.statuses, ["Failed"]);
      const probe = result.run.outcome?.probe;
      assert.equal(probe?.live, false);
      assert.equal(probe?.bestStreak, 0);
      const expectedKind =
        "hang" in broken ? "timeout" : broken.status === 500 ? "http-status" : "bad-json";
      assert.ok((probe?.seen.errors[expectedKind] ?? 0) > 0, `saw ${expectedKind}`);
      assert.match(allText(result.slack.received[0]!.payload), /Failed check: version/);
    });

    it(`resets the streak when /version ${name} in the middle, then reports Succeeded`, async () => {
      const sequence: VersionAnswer[] = [NEW, NEW, broken, NEW, NEW, NEW];
      const result = await scenario({ version: (n) => sequence[n - 1] ?? NEW, env: ROOMY_PROBE });
      assert.deepEqual(result.statuses, ["Succeeded"]);
      assert.equal(result.versionRequests, 6, "the streak started again after the broken answer");
      assert.equal(result.run.outcome?.probe.attempts, 6);
      assert.equal(result.run.outcome?.probe.bestStreak, 3);
    });
  }

  it("honours Slack's Retry-After on 429 and then posts", async () => {
    const result = await scenario({
      slack: (n) =>
        n === 1
          ? { status: 429, body: "rate_limited", headers: { "retry-after": "1" } }
          : { status: 200, body: "ok" },
    });
    assert.deepEqual(result.statuses, ["Succeeded"]);
    assert.equal(result.slack.received.length, 2);
    const gap = result.slack.received[1]!.at - result.slack.received[0]!.at;
    assert.ok(gap >= 950, `waited ${gap} ms`);
    assert.deepEqual(result.run.slack, { ok: true, attempts: 2, status: 200 });
  });

  it("still reports Succeeded when Slack answers 500 three times", async () => {
    const result = await scenario({ slack: () => ({ status: 500, body: "internal_error" }) });
    assert.deepEqual(result.statuses, ["Succeeded"]);
    assert.equal(result.slack.received.length, 3);
    assert.equal(
      result.run.slack !== undefined && "ok" in result.run.slack && result.run.slack.ok,
      false,
    );
    assert.equal(result.memory.events("slack.failed").length, 1);
  });

  it("does not retry Slack's 404 no_service, still reports Succeeded, and reads the secret afresh next time", async () => {
    const result = await scenario({
      slack: () => ({ status: 404, body: "no_service" }),
      invocations: 2,
    });
    assert.deepEqual(result.statuses, ["Succeeded", "Succeeded"]);
    assert.equal(result.slack.received.length, 2, "one post per invocation, no retries");
    assert.deepEqual(result.run.slack, {
      ok: false,
      attempts: 1,
      reason: "rejected",
      status: 404,
      detail: "HTTP 404 no_service",
    });
    assert.equal(
      result.aws.secrets.commandCalls(GetSecretValueCommand).length,
      2,
      "the revoked URL was not reused from the cache",
    );
  });

  it("reads the webhook secret once across warm invocations", async () => {
    const result = await scenario({ invocations: 2 });
    assert.deepEqual(result.statuses, ["Succeeded", "Succeeded"]);
    assert.equal(result.slack.received.length, 2);
    assert.equal(result.aws.secrets.commandCalls(GetSecretValueCommand).length, 1);
  });

  it("reports Failed in time, once, when the Lambda is close to its timeout", async () => {
    // 1.4 s left with 1 s in reserve: the probe gets ~0.4 s although its own deadline is a minute.
    const result = await scenario({
      version: () => OLD,
      remainingMs: 1400,
      env: { [HookEnv.probeDeadlineMs]: "60000" },
    });
    assert.deepEqual(result.statuses, ["Failed"]);
    assert.ok(result.elapsedMs < 1400, `finished in ${result.elapsedMs} ms`);
    assert.ok((result.run.outcome?.probe.elapsedMs ?? Infinity) <= 450);
  });

  it("reports Failed at once, still exactly once, when the time left is already inside the reserve", async () => {
    const result = await scenario({ remainingMs: 800 });
    assert.deepEqual(result.statuses, ["Failed"]);
    assert.equal(result.versionRequests, 0);
    assert.ok(result.elapsedMs < 800, `finished in ${result.elapsedMs} ms`);
  });

  it("logs a malformed event and reports nothing, without throwing", async () => {
    for (const event of [
      {},
      { DeploymentId: DEPLOYMENT_ID },
      { LifecycleEventHookExecutionId: EXECUTION_ID },
      null,
      "x",
    ]) {
      const result = await scenario({ event });
      assert.deepEqual(result.run, {});
      assert.equal(
        result.aws.codeDeploy.calls().length,
        0,
        "nothing was asked of or reported to CodeDeploy",
      );
      assert.equal(result.slack.received.length, 0);
      const logged = result.memory.events("hook.malformed-event");
      assert.equal(logged.length, 1);
      assert.match(String(logged[0]!.problem), /nothing to report to/);
    }
  });

  it("reports Failed for an unknown deployment id and says why", async () => {
    const result = await scenario({
      arrange: (aws) =>
        aws.codeDeploy.on(GetDeploymentCommand).rejects(
          new DeploymentDoesNotExistException({
            message: `The deployment ${DEPLOYMENT_ID} could not be found.`,
            $metadata: {},
          }),
        ),
    });
    assert.deepEqual(result.statuses, ["Failed"]);
    assert.equal(result.versionRequests, 0);
    const error = result.memory.events("hook.check-error")[0];
    assert.equal(error?.errorName, "DeploymentDoesNotExistException");
    assert.match(String(error?.error), /could not be found/);
    assert.equal(result.slack.received.length, 1);
    assert.equal(
      headerOf(result.slack.received[0]!.payload),
      "❌ The live check for d-TEST12345 in dev could not run",
    );
  });

  it("reports Failed, naming the variable, when a setting is bad", async () => {
    const result = await scenario({ env: { [HookEnv.probeIntervalMs]: "fast" } });
    assert.deepEqual(result.statuses, ["Failed"]);
    assert.match(
      String(result.memory.events("hook.check-error")[0]?.error),
      /GREENLIGHT_PROBE_INTERVAL_MS is "fast"/,
    );
  });

  it("skips Slack with a log line when no secret is configured, and when the secret cannot be read", async () => {
    const unset = await scenario({ env: { [HookEnv.slackSecretArn]: "" } });
    assert.deepEqual(unset.statuses, ["Succeeded"]);
    assert.equal(unset.slack.received.length, 0);
    assert.equal(unset.aws.secrets.commandCalls(GetSecretValueCommand).length, 0);
    assert.match(
      String(unset.memory.events("slack.skipped")[0]?.reason),
      /GREENLIGHT_SLACK_SECRET_ARN is not set/,
    );

    const denied = await scenario({
      arrange: (aws) =>
        aws.secrets
          .on(GetSecretValueCommand)
          .rejects(new Error("AccessDeniedException: not authorized")),
    });
    assert.deepEqual(
      denied.statuses,
      ["Succeeded"],
      "a Secrets Manager failure never fails the deployment",
    );
    assert.equal(denied.slack.received.length, 0);
    assert.equal(denied.memory.events("slack.secret-unreadable").length, 1);
  });
});

describe("hooks/codedeploy report retries (real SDK client against a local CodeDeploy endpoint)", () => {
  it("retries a throttled PutLifecycleEventHookExecutionStatus and reports once, Succeeded", async () => {
    const versionServer = await startVersionServer(() => NEW);
    const puts: { status: string }[] = [];
    let throttled = 0;
    const codeDeployServer = await listen((request, response, body) => {
      const target = String(request.headers["x-amz-target"] ?? "");
      const json = (status: number, payload: unknown, type?: string): void => {
        response.writeHead(status, {
          "content-type": "application/x-amz-json-1.1",
          ...(type === undefined ? {} : { "x-amzn-errortype": type }),
        });
        response.end(JSON.stringify(payload));
      };
      if (target.endsWith(".GetDeployment")) {
        const { deploymentInfo } = deploymentOutput();
        json(200, {
          deploymentInfo: {
            ...deploymentInfo,
            createTime: deploymentInfo.createTime.getTime() / 1000,
          },
        });
      } else if (target.endsWith(".GetDeploymentGroup")) {
        json(200, deploymentGroupOutput());
      } else if (target.endsWith(".PutLifecycleEventHookExecutionStatus")) {
        const input = JSON.parse(body) as { status: string };
        if (throttled === 0) {
          throttled += 1;
          json(
            400,
            { __type: "ThrottlingException", message: "Rate exceeded" },
            "ThrottlingException",
          );
          return;
        }
        puts.push(input);
        json(200, { lifecycleEventHookExecutionId: EXECUTION_ID });
      } else {
        json(
          400,
          { __type: "UnknownOperationException", message: target },
          "UnknownOperationException",
        );
      }
    });
    try {
      const real = createHookClients({
        region: REGION,
        endpoint: codeDeployServer.url,
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      });
      const aws = mockAws();
      const memory = createMemoryLogger();
      const noSlack: WebhookSource = {
        get: () => Promise.reject(new Error("unused")),
        invalidate: () => undefined,
      };
      const run = await runAfterAllowTraffic(
        EVENT,
        { getRemainingTimeInMillis: () => 30_000 },
        {
          clients: { codeDeploy: real.codeDeploy, ecs: aws.ecsClient, elb: aws.elbClient },
          env: { ...testEnv(versionServer), [HookEnv.slackSecretArn]: "" },
          clock: systemClock,
          fetch: globalFetch,
          logger: memory.logger,
          webhookSource: () => noSlack,
        },
      );
      assert.equal(throttled, 1, "the first report was throttled");
      assert.deepEqual(
        puts.map((put) => put.status),
        ["Succeeded"],
        "and retried by the SDK: one report landed",
      );
      assert.equal(run.reported, "Succeeded");
      assert.equal(run.reportError, undefined);
      assert.equal(memory.events("hook.reported").length, 1);
    } finally {
      await Promise.all([versionServer.close(), codeDeployServer.close()]);
    }
  });
});

describe("hooks/codedeploy/after-allow-traffic handler (the Lambda entry point)", () => {
  it("wires a JSON logger to stdout and returns without throwing on a malformed event", async () => {
    const lines: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]): void => {
      lines.push(args.map(String).join(" "));
    };
    try {
      const context = { getRemainingTimeInMillis: () => 5000 } as unknown as Context;
      await handler({ DeploymentId: "" } as CodeDeployLifecycleHookEvent, context);
    } finally {
      console.log = original;
    }
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]!) as { level: string; event: string };
    assert.equal(entry.level, "error");
    assert.equal(entry.event, "hook.malformed-event");
  });
});
