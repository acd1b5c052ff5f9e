import { strict as assert } from "node:assert";
import type { ServerResponse } from "node:http";
import { bundleHook } from "../../hooks/bundle";
import { AwsTimeoutEnv } from "../../hooks/shared/aws";
import { HookEnv } from "../../hooks/codedeploy/settings";
import {
  always,
  APPLICATION,
  DEPLOYMENT_GROUP,
  fakeAwsHookEnv,
  firstCalls,
  HANG,
  LOSE,
  outageFor,
  RESET,
  startFakeAws,
  THROTTLED,
  UNAVAILABLE,
  type FakeAws,
  type FakeAwsOptions,
} from "./helpers/fake-aws";
import { DEPLOYMENT_ID, EXECUTION_ID, NEW_VERSION } from "./helpers/aws-fixtures";
import { runBundle, type BundleRun } from "./helpers/run-bundle";
import { listen, WEBHOOK_PATH, type LocalServer } from "./helpers/servers";

/**
 * Fault injection against the shipped hook: the esbuild bundle `bundleHook()` builds, run in a
 * fresh Node.js process with the real AWS SDK clients pointed by AWS_ENDPOINT_URL at a local fake
 * AWS, a scripted /version server and a scripted Slack server on 127.0.0.1, and the process killed
 * at its (short, simulated) timeout. Each case checks the one promise: CodeDeploy gets one true
 * answer, and Slack says what CodeDeploy was told.
 */

/** The simulated Lambda timeout, and the reserves inside it (short, so the file stays quick). */
const TIMEOUT_MS = 12_000;
const REPORT_RESERVE_MS = 6000;
const NOTICE_RESERVE_MS = 1500;
/** A process that read a 50 MB body whole would grow by more than this. */
const MEMORY_GROWTH_LIMIT_MB = 40;

type VersionMode = "new" | { readonly hugeBytes: number };
type SlackMode = "ok" | { readonly hugeBytes: number };

interface Servers {
  readonly version: LocalServer & { sentBytes: () => number; requests: () => number };
  readonly slack: LocalServer & {
    received: { text: string; blocks: unknown[] }[];
    sentBytes: () => number;
  };
}

/** Streams `bytes` of filler, honouring backpressure, until done or the peer goes away. */
function streamFiller(response: ServerResponse, bytes: number, counted: (n: number) => void): void {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let left = bytes;
  const pump = (): void => {
    while (left > 0 && !response.destroyed) {
      const piece = chunk.subarray(0, Math.min(chunk.byteLength, left));
      left -= piece.byteLength;
      counted(piece.byteLength);
      if (!response.write(piece)) {
        response.once("drain", pump);
        return;
      }
    }
    if (!response.destroyed) response.end();
  };
  pump();
}

async function startServers(
  versionMode: (n: number) => VersionMode,
  slackMode: (n: number) => SlackMode,
): Promise<Servers> {
  let versionBytes = 0;
  let versionRequests = 0;
  const version = await listen((_request, response) => {
    versionRequests += 1;
    const mode = versionMode(versionRequests);
    if (mode === "new") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ version: NEW_VERSION, service: "checkout" }));
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    streamFiller(response, mode.hugeBytes, (n) => (versionBytes += n));
  });
  const received: { text: string; blocks: unknown[] }[] = [];
  let slackBytes = 0;
  const slack = await listen((_request, response, body) => {
    received.push(JSON.parse(body) as { text: string; blocks: unknown[] });
    const mode = slackMode(received.length);
    response.writeHead(200, { "content-type": "text/plain" });
    if (mode === "ok") {
      response.end("ok");
      return;
    }
    streamFiller(response, mode.hugeBytes, (n) => (slackBytes += n));
  });
  return {
    version: { ...version, sentBytes: () => versionBytes, requests: () => versionRequests },
    slack: { ...slack, received, sentBytes: () => slackBytes },
  };
}

interface Case {
  readonly aws?: Omit<FakeAwsOptions, "webhookUrl" | "versionPort">;
  readonly version?: (n: number) => VersionMode;
  readonly slack?: (n: number) => SlackMode;
  readonly env?: Record<string, string>;
}

interface CaseResult {
  readonly run: BundleRun;
  readonly aws: FakeAws;
  readonly slack: Servers["slack"];
  readonly version: Servers["version"];
  readonly events: (name: string) => BundleRun["logs"];
}

let code = "";
let baselineRssMb = 0;

async function runCase(c: Case = {}): Promise<CaseResult> {
  const servers = await startServers(c.version ?? (() => "new"), c.slack ?? (() => "ok"));
  const aws = await startFakeAws({
    ...c.aws,
    webhookUrl: `${servers.slack.url}${WEBHOOK_PATH}`,
    versionPort: servers.version.port,
  });
  try {
    const run = await runBundle(code, {
      event: { DeploymentId: DEPLOYMENT_ID, LifecycleEventHookExecutionId: EXECUTION_ID },
      timeoutMs: TIMEOUT_MS,
      env: fakeAwsHookEnv(aws, {
        [HookEnv.probeIntervalMs]: "50",
        [HookEnv.probeTimeoutMs]: "500",
        [HookEnv.probeDeadlineMs]: "2500",
        [HookEnv.reportReserveMs]: String(REPORT_RESERVE_MS),
        [HookEnv.noticeReserveMs]: String(NOTICE_RESERVE_MS),
        [HookEnv.application]: APPLICATION,
        [HookEnv.deploymentGroups]: `other,${DEPLOYMENT_GROUP}`,
        [AwsTimeoutEnv.connectionTimeoutMs]: "300",
        [AwsTimeoutEnv.attemptTimeoutMs]: "400",
        ...c.env,
      }),
    });
    const events = (name: string) => run.logs.filter((line) => line.event === name);
    return { run, aws, slack: servers.slack, version: servers.version, events };
  } finally {
    await Promise.all([aws.close(), servers.version.close(), servers.slack.close()]);
  }
}

/** The checks every case makes: the process ended by itself, in time, with memory flat. */
function endedInTime(result: CaseResult): void {
  assert.equal(result.run.killed, false, `killed at the timeout; stderr: ${result.run.stderr}`);
  assert.equal(result.run.outcome, "returned");
  assert.ok(result.run.elapsedMs < TIMEOUT_MS, `${result.run.elapsedMs} ms`);
  assert.ok(
    (result.run.maxRssMb ?? Infinity) < baselineRssMb + MEMORY_GROWTH_LIMIT_MB,
    `peak RSS ${result.run.maxRssMb} MB, baseline ${baselineRssMb} MB`,
  );
}

function statuses(aws: FakeAws): string[] {
  return aws.reports.map((report) => `${report.status}:${report.outcome}`);
}

/** The one live notice, one record, CodeDeploy holding Succeeded. */
function liveOnce(result: CaseResult): void {
  assert.equal(result.aws.holds(), "Succeeded");
  assert.equal(result.slack.received.length, 1, "one notice");
  assert.match(result.slack.received[0]!.text, /is live in dev/);
  // One record: every write carries the same parameter and value. On a busy machine an answer can
  // outlast the tests' 400 ms attempt timeout and the SDK repeats the same overwrite, which is
  // harmless (the record is the same), so repeats of one identical write are allowed.
  const writes = new Set(result.aws.parameters.map((p) => `${p.name}\n${p.value}`));
  assert.equal(writes.size, 1, "one release record");
  assert.equal(result.aws.parameters[0]!.name, "/greenlight/dev/checkout/live");
  assert.equal(
    (JSON.parse(result.aws.parameters[0]!.value) as { deploymentId: string }).deploymentId,
    DEPLOYMENT_ID,
  );
}

describe("the bundled live hook under AWS faults (child process, real SDK, fake AWS on 127.0.0.1)", function () {
  this.timeout(120_000);

  before(async () => {
    code = (await bundleHook()).code;
    const healthy = await runCase();
    baselineRssMb = healthy.run.maxRssMb ?? 0;
    assert.ok(baselineRssMb > 0);
  });

  it("healthy: one report (Succeeded), one live notice, one release record", async () => {
    const result = await runCase();
    endedInTime(result);
    assert.deepEqual(statuses(result.aws), ["Succeeded:accepted"]);
    liveOnce(result);
  });

  it("CodeDeploy unavailable for 2 s: the report is retried across its window and lands once", async () => {
    const result = await runCase({
      aws: { faults: { PutLifecycleEventHookExecutionStatus: outageFor(2000, UNAVAILABLE) } },
    });
    endedInTime(result);
    const calls = statuses(result.aws);
    assert.ok(calls.length >= 3, `${calls.length} report calls`);
    assert.equal(calls.at(-1), "Succeeded:accepted");
    assert.deepEqual(new Set(calls.slice(0, -1)), new Set(["Succeeded:error"]));
    assert.ok(result.events("hook.report-retry").length >= 1);
    liveOnce(result);
  });

  it("CodeDeploy throttling: the report waits and lands once", async () => {
    const result = await runCase({
      aws: { faults: { PutLifecycleEventHookExecutionStatus: firstCalls(3, THROTTLED) } },
    });
    endedInTime(result);
    assert.equal(statuses(result.aws).filter((s) => s.endsWith(":accepted")).length, 1);
    assert.equal(result.aws.reports.length, 4);
    assert.equal(result.events("hook.report-retry").length, 3);
    liveOnce(result);
  });

  it("a hung report is abandoned and retried: the report lands once", async () => {
    const result = await runCase({
      aws: { faults: { PutLifecycleEventHookExecutionStatus: firstCalls(2, HANG) } },
    });
    endedInTime(result);
    assert.deepEqual(statuses(result.aws), [
      "Succeeded:hang",
      "Succeeded:hang",
      "Succeeded:accepted",
    ]);
    liveOnce(result);
  });

  it("a lost report response: CodeDeploy's record is read back, then one notice and the record", async () => {
    const result = await runCase({
      aws: { faults: { PutLifecycleEventHookExecutionStatus: firstCalls(1, LOSE) } },
    });
    endedInTime(result);
    assert.deepEqual(statuses(result.aws), ["Succeeded:lose", "Succeeded:refused"]);
    assert.equal(result.aws.calls("BatchGetDeploymentTargets"), 1);
    assert.equal(result.events("hook.report-failed").length, 0, "not logged as a failed report");
    liveOnce(result);
  });

  it("a duplicate delivery after Succeeded: refused, nothing new posted or recorded", async () => {
    const result = await runCase({ aws: { holds: "Succeeded" } });
    endedInTime(result);
    assert.deepEqual(statuses(result.aws), ["Succeeded:refused"]);
    assert.equal(result.aws.holds(), "Succeeded");
    assert.equal(result.slack.received.length, 0, "no second ✅");
    assert.equal(result.aws.parameters.length, 0);
  });

  it("a duplicate whose check fails while CodeDeploy holds Succeeded: no false rolling-back alarm", async () => {
    const result = await runCase({
      aws: { holds: "Succeeded" },
      version: () => ({ hugeBytes: 100 * 1024 }),
    });
    endedInTime(result);
    assert.deepEqual(statuses(result.aws), ["Failed:refused"]);
    assert.equal(result.aws.holds(), "Succeeded");
    assert.equal(result.slack.received.length, 0);
    assert.equal(result.aws.parameters.length, 0);
  });

  it("CodeDeploy down for the whole window: one truthful notice with the rollback time and the link", async () => {
    const result = await runCase({
      aws: { faults: { PutLifecycleEventHookExecutionStatus: always(UNAVAILABLE) } },
    });
    endedInTime(result);
    assert.equal(result.aws.holds(), undefined);
    assert.ok(result.aws.reports.length >= 4, `${result.aws.reports.length} report calls`);
    assert.equal(result.slack.received.length, 1);
    const notice = result.slack.received[0]!;
    assert.match(
      notice.text,
      /CodeDeploy could not be told — it will time out and roll back at \d\d:\d\d UTC; act in the console/,
    );
    assert.doesNotMatch(notice.text, /is live|rolling back\./);
    assert.match(JSON.stringify(notice.blocks), /console\.aws\.amazon\.com\/codesuite\/codedeploy/);
    assert.equal(
      result.aws.parameters.length,
      0,
      "no record of a release CodeDeploy never heard of",
    );
    assert.equal(result.events("hook.report-failed").length, 1);
  });

  it("a 50 MB /version body is cut from the stream: memory stays flat, the rest is never sent", async () => {
    const result = await runCase({
      version: (n) => (n <= 2 ? { hugeBytes: 50 * 1024 * 1024 } : "new"),
    });
    endedInTime(result);
    assert.ok(
      result.version.sentBytes() < 20 * 1024 * 1024,
      `${result.version.sentBytes()} bytes sent`,
    );
    assert.deepEqual(statuses(result.aws), ["Succeeded:accepted"]);
    liveOnce(result);
  });

  it("a 20 MB Slack answer is cut from the stream: memory stays flat, the report stands", async () => {
    const result = await runCase({ slack: () => ({ hugeBytes: 20 * 1024 * 1024 }) });
    endedInTime(result);
    assert.ok(result.slack.sentBytes() < 10 * 1024 * 1024, `${result.slack.sentBytes()} bytes`);
    assert.deepEqual(statuses(result.aws), ["Succeeded:accepted"]);
    assert.equal(result.aws.parameters.length, 1);
  });

  it("another application's deployment: left alone (no report, no notice, no record, no probe)", async () => {
    const result = await runCase({ aws: { applicationName: "someone-else" } });
    endedInTime(result);
    assert.equal(result.aws.reports.length, 0);
    assert.equal(result.slack.received.length, 0);
    assert.equal(result.aws.parameters.length, 0);
    assert.equal(result.version.requests(), 0);
    assert.equal(result.aws.calls("DescribeTaskDefinition"), 0);
    assert.equal(result.events("hook.foreign-deployment").length, 1);
  });

  it("another deployment group of the application: left alone", async () => {
    const result = await runCase({
      env: { [HookEnv.deploymentGroups]: "payments,search" },
    });
    endedInTime(result);
    assert.equal(result.aws.reports.length, 0);
    assert.equal(result.slack.received.length, 0);
    assert.equal(result.version.requests(), 0);
  });

  // Outages (503 for 1.5 s) and hangs (the first two calls) of every other call the hook makes.
  const reads = [
    "GetDeployment",
    "GetDeploymentGroup",
    "DescribeTaskDefinition",
    "DescribeListeners",
    "DescribeLoadBalancers",
    "DescribeTargetHealth",
  ] as const;
  for (const operation of reads) {
    it(`${operation} unavailable for 1.5 s, then hung twice: retried, the verdict is still live`, async () => {
      const result = await runCase({
        aws: { faults: { [operation]: outageFor(1500, UNAVAILABLE) } },
      });
      endedInTime(result);
      assert.ok(result.aws.calls(operation) > 1, `${operation} was retried`);
      assert.deepEqual(statuses(result.aws), ["Succeeded:accepted"]);
      liveOnce(result);
      const hung = await runCase({ aws: { faults: { [operation]: firstCalls(2, HANG) } } });
      endedInTime(hung);
      assert.ok(hung.aws.calls(operation) >= 3);
      assert.deepEqual(statuses(hung.aws), ["Succeeded:accepted"]);
      liveOnce(hung);
    });
  }

  it("the webhook secret read hangs twice: the report stands, the notice still goes out", async () => {
    const result = await runCase({ aws: { faults: { GetSecretValue: firstCalls(2, HANG) } } });
    endedInTime(result);
    assert.deepEqual(statuses(result.aws), ["Succeeded:accepted"]);
    liveOnce(result);
  });

  it("Secrets Manager down: the report stands, no notice, the record is written", async () => {
    const result = await runCase({ aws: { faults: { GetSecretValue: always(RESET) } } });
    endedInTime(result);
    assert.deepEqual(statuses(result.aws), ["Succeeded:accepted"]);
    assert.equal(result.slack.received.length, 0);
    assert.equal(result.aws.parameters.length, 1);
  });

  it("Parameter Store hangs on the record: the report and the notice stand", async () => {
    const result = await runCase({ aws: { faults: { PutParameter: always(HANG) } } });
    endedInTime(result);
    assert.deepEqual(statuses(result.aws), ["Succeeded:accepted"]);
    assert.equal(result.slack.received.length, 1);
    assert.equal(result.aws.parameters.length, 0);
    assert.equal(result.events("release.record-failed").length, 1);
  });

  it("a lost response whose read-back fails: CodeDeploy holds Succeeded, no notice claims more", async () => {
    const result = await runCase({
      aws: {
        faults: {
          PutLifecycleEventHookExecutionStatus: firstCalls(1, LOSE),
          ListDeploymentTargets: always(UNAVAILABLE),
        },
      },
    });
    endedInTime(result);
    assert.deepEqual(statuses(result.aws), ["Succeeded:lose", "Succeeded:refused"]);
    assert.equal(result.aws.holds(), "Succeeded");
    assert.equal(result.slack.received.length, 0);
    assert.equal(result.events("hook.recorded-status-unreadable").length, 1);
  });
});
