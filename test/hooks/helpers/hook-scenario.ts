/**
 * Runs the AfterAllowTraffic hook against mocked AWS clients and real local `/version` and Slack
 * servers on 127.0.0.1, and gathers what happened.
 */
import { strict as assert } from "node:assert";
import { PutLifecycleEventHookExecutionStatusCommand } from "@aws-sdk/client-codedeploy";
import { runAfterAllowTraffic, type HookDeps, type HookRun } from "../../../hooks/codedeploy/hook";
import { HookEnv } from "../../../hooks/codedeploy/settings";
import { secretsManagerWebhookSource } from "../../../hooks/codedeploy/webhook";
import { systemClock } from "../../../hooks/core/clock";
import { globalFetch } from "../../../hooks/core/http";
import { createMemoryLogger, type MemoryLogger } from "../../../hooks/core/logger";
import {
  DEPLOYMENT_ID,
  EXECUTION_ID,
  mockAws,
  NEW_VERSION,
  OLD_VERSION,
  REGION,
  SLACK_SECRET_ARN,
  type AwsFixture,
  type FixtureOptions,
} from "./aws-fixtures";
import {
  startSlackServer,
  startVersionServer,
  WEBHOOK_PATH,
  type SlackAnswer,
  type SlackServer,
  type VersionAnswer,
  type VersionServer,
} from "./servers";

export const EVENT = { DeploymentId: DEPLOYMENT_ID, LifecycleEventHookExecutionId: EXECUTION_ID };
export const NEW: VersionAnswer = { version: NEW_VERSION };
export const OLD: VersionAnswer = { version: OLD_VERSION };
export const WEBHOOK_TOKEN = WEBHOOK_PATH.split("/").pop()!;

/** Short settings: 3 answers in a row, 25 ms apart, 1.2 s to get there. */
export function testEnv(
  versionServer: VersionServer,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    [HookEnv.environment]: "dev",
    [HookEnv.slackSecretArn]: SLACK_SECRET_ARN,
    [HookEnv.probeConsecutive]: "3",
    [HookEnv.probeIntervalMs]: "25",
    [HookEnv.probeTimeoutMs]: "150",
    [HookEnv.probeDeadlineMs]: "1200",
    [HookEnv.reportReserveMs]: "1000",
    [HookEnv.probeBaseUrl]: versionServer.url,
    ...extra,
  };
}

/**
 * Room for a busy machine, for tests that count /version requests: a local answer slower than
 * the 150 ms timeout (or a run longer than the 1.2 s deadline) would add a request or end early.
 */
export const ROOMY_PROBE: Record<string, string> = {
  [HookEnv.probeTimeoutMs]: "1000",
  [HookEnv.probeDeadlineMs]: "10000",
};

export interface Scenario {
  readonly version?: (n: number) => VersionAnswer;
  readonly slack?: (n: number) => SlackAnswer;
  readonly aws?: FixtureOptions;
  readonly env?: Record<string, string>;
  readonly remainingMs?: number;
  readonly event?: unknown;
  /** Adjusts the mocks before the run. */
  readonly arrange?: (aws: AwsFixture) => void;
  /** Invocations with the same dependencies (a warm Lambda). @default 1 */
  readonly invocations?: number;
}

export interface ScenarioResult {
  readonly run: HookRun;
  readonly runs: HookRun[];
  readonly aws: AwsFixture;
  readonly statuses: (string | undefined)[];
  readonly slack: SlackServer;
  readonly versionRequests: number;
  readonly memory: MemoryLogger;
  readonly elapsedMs: number;
}

export function assertNoWebhookInLogs(memory: MemoryLogger, slack: SlackServer): void {
  const all = memory.lines.join("\n");
  assert.ok(!all.includes(slack.webhookUrl), "the webhook URL is not logged");
  assert.ok(!all.includes(WEBHOOK_PATH), "the webhook path is not logged");
  assert.ok(!all.includes(WEBHOOK_TOKEN), "the webhook token is not logged");
}

export async function scenario(spec: Scenario): Promise<ScenarioResult> {
  const versionServer = await startVersionServer(spec.version ?? (() => NEW));
  const slack = await startSlackServer(spec.slack);
  try {
    const aws = mockAws({ webhookUrl: slack.webhookUrl, ...spec.aws });
    spec.arrange?.(aws);
    const memory = createMemoryLogger();
    const source = secretsManagerWebhookSource(aws.secretsClient, SLACK_SECRET_ARN, systemClock);
    const deps: HookDeps = {
      clients: {
        codeDeploy: aws.codeDeployClient,
        ecs: aws.ecsClient,
        elb: aws.elbClient,
        ssm: aws.ssmClient,
      },
      env: { ...testEnv(versionServer), ...spec.env },
      clock: systemClock,
      fetch: globalFetch,
      logger: memory.logger,
      webhookSource: () => source,
      region: REGION,
      slack: { baseDelayMs: 20, timeoutMs: 1000 },
    };
    const started = Date.now();
    const remainingMs = spec.remainingMs ?? 30_000;
    const event = "event" in spec ? spec.event : EVENT;
    const runs: HookRun[] = [];
    for (let i = 0; i < (spec.invocations ?? 1); i += 1) {
      const invoked = Date.now();
      const context = { getRemainingTimeInMillis: () => remainingMs - (Date.now() - invoked) };
      runs.push(await runAfterAllowTraffic(event, context, deps));
    }
    const elapsedMs = Date.now() - started;
    assertNoWebhookInLogs(memory, slack);
    const statuses = aws.codeDeploy
      .commandCalls(PutLifecycleEventHookExecutionStatusCommand)
      .map((call) => call.args[0].input.status);
    return {
      run: runs[0]!,
      runs,
      aws,
      statuses,
      slack,
      versionRequests: versionServer.requests(),
      memory,
      elapsedMs,
    };
  } finally {
    await Promise.all([versionServer.close(), slack.close()]);
  }
}

export function headerOf(payload: { blocks: unknown[] }): string {
  const header = payload.blocks[0] as { type: string; text: { text: string } };
  assert.equal(header.type, "header");
  return header.text.text;
}

export function allText(payload: { text: string; blocks: unknown[] }): string {
  return JSON.stringify(payload);
}
