/**
 * Measurements of the live hook: bundle size, module load time of the bundle, and the time from a
 * version flip to the Slack post arriving, with the default probe settings. `benchHook()` returns
 * them; the project's bench runner prints them. Also the time for the report to land when CodeDeploy
 * is unavailable for 3 s (the bundled hook in a fresh process, against the tests' fake AWS).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { bundleHook } from "../hooks/bundle";
import { runAfterAllowTraffic } from "../hooks/codedeploy/hook";
import { HookEnv } from "../hooks/codedeploy/settings";
import { systemClock } from "../hooks/core/clock";
import { globalFetch } from "../hooks/core/http";
import { createMemoryLogger } from "../hooks/core/logger";
import { ProbeDefaults } from "../hooks/core/probe";
import {
  DEPLOYMENT_ID,
  EXECUTION_ID,
  mockAws,
  NEW_VERSION,
  OLD_VERSION,
} from "../test/hooks/helpers/aws-fixtures";
import {
  fakeAwsHookEnv,
  outageFor,
  startFakeAws,
  UNAVAILABLE,
} from "../test/hooks/helpers/fake-aws";
import { runBundle } from "../test/hooks/helpers/run-bundle";
import { listen as listenLocal } from "../test/hooks/helpers/servers";

/** Targets the measurements are held against. */
export const HookBenchTargets = {
  /** The bundle, minified, AWS SDK external. */
  bundleKb: 150,
  /** Flip-to-Slack may exceed N × interval by at most this much. */
  flipToSlackSlackMs: 2000,
} as const;

/** What `benchHook` measured. */
export interface HookBenchResult {
  readonly bundle: {
    readonly bytes: number;
    readonly kb: number;
    readonly targetKb: number;
    readonly ok: boolean;
  };
  readonly load: {
    /** Median time to `require` the bundle in a fresh process, AWS SDK clients included. */
    readonly medianMs: number;
    readonly runsMs: readonly number[];
    /** Median time to `require` the four AWS SDK clients alone: the part Lambda's runtime provides. */
    readonly sdkOnlyMedianMs: number;
  };
  /** CodeDeploy unavailable (503) for 3 s from the first report: the report must still land, once. */
  readonly verdictUnderOutage: {
    /** From the first report call to the one CodeDeploy accepted. */
    readonly ms: number;
    readonly reportCalls: number;
    readonly accepted: number;
    readonly notices: number;
    readonly ok: boolean;
  };
  readonly flipToSlack: {
    readonly ms: number;
    /** N × interval + the allowance. */
    readonly budgetMs: number;
    readonly ok: boolean;
    readonly consecutive: number;
    readonly intervalMs: number;
    readonly versionRequests: number;
    readonly reported: string | undefined;
  };
}

/** How to bench. */
export interface HookBenchOptions {
  /**
   * Module load runs (the median is reported).
   * @default 7
   */
  readonly loadRuns?: number;
}

const REPO_ROOT = path.resolve(__dirname, "..");

/** Measures the hook. Takes about ten seconds. */
export async function benchHook(options: HookBenchOptions = {}): Promise<HookBenchResult> {
  const bundle = await bundleHook();
  const kb = Math.round((bundle.bytes / 1024) * 10) / 10;
  const load = await measureLoad(bundle.code, options.loadRuns ?? 7);
  const flipToSlack = await measureFlipToSlack();
  const verdictUnderOutage = await measureVerdictUnderOutage(bundle.code);
  return {
    bundle: {
      bytes: bundle.bytes,
      kb,
      targetKb: HookBenchTargets.bundleKb,
      ok: kb <= HookBenchTargets.bundleKb,
    },
    load,
    flipToSlack,
    verdictUnderOutage,
  };
}

/** The outage the bench puts in front of the report. */
export const REPORT_OUTAGE_MS = 3000;

/**
 * Runs the bundled hook in a fresh process against the local fake AWS with CodeDeploy answering
 * 503 for {@link REPORT_OUTAGE_MS} from the first report, and times the report that lands.
 */
async function measureVerdictUnderOutage(
  code: string,
): Promise<HookBenchResult["verdictUnderOutage"]> {
  const version = await listenLocal((_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ version: NEW_VERSION }));
  });
  const slack: unknown[] = [];
  const slackServer = await listenLocal((_request, response, body) => {
    slack.push(body);
    response.writeHead(200).end("ok");
  });
  const aws = await startFakeAws({
    webhookUrl: `${slackServer.url}/services/T0/B0/bench`,
    versionPort: version.port,
    faults: { PutLifecycleEventHookExecutionStatus: outageFor(REPORT_OUTAGE_MS, UNAVAILABLE) },
  });
  try {
    await runBundle(code, {
      event: { DeploymentId: DEPLOYMENT_ID, LifecycleEventHookExecutionId: EXECUTION_ID },
      timeoutMs: 30_000,
      env: fakeAwsHookEnv(aws, {
        [HookEnv.probeIntervalMs]: "100",
        [HookEnv.probeDeadlineMs]: "5000",
        [HookEnv.reportReserveMs]: "20000",
      }),
    });
    const accepted = aws.reports.filter((report) => report.outcome === "accepted");
    const first = aws.reports[0]?.at ?? 0;
    const landed = accepted[0]?.at;
    return {
      ms: landed === undefined ? Number.NaN : landed - first,
      reportCalls: aws.reports.length,
      accepted: accepted.length,
      notices: slack.length,
      ok: accepted.length === 1 && slack.length === 1,
    };
  } finally {
    await Promise.all([aws.close(), version.close(), slackServer.close()]);
  }
}

/** Requires the bundle (and, for comparison, the AWS SDK clients alone) in fresh Node processes. */
async function measureLoad(code: string, runs: number): Promise<HookBenchResult["load"]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "greenlight-bench-"));
  try {
    const file = path.join(dir, "index.js");
    await writeFile(file, code);
    const bundleScript =
      "const t=process.hrtime.bigint();const m=require(process.argv[1]);" +
      "const ms=Number(process.hrtime.bigint()-t)/1e6;" +
      "if(typeof m.handler!=='function')throw new Error('no handler export');" +
      "process.stdout.write(String(ms));";
    const sdkScript =
      "const t=process.hrtime.bigint();" +
      SDK_PACKAGES.map((name) => `require(${JSON.stringify(name)});`).join("") +
      "process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));";
    const runsMs: number[] = [];
    const sdkRunsMs: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      runsMs.push(await timeScript(bundleScript, [file]));
      sdkRunsMs.push(await timeScript(sdkScript, []));
    }
    return { medianMs: median(runsMs), runsMs, sdkOnlyMedianMs: median(sdkRunsMs) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const SDK_PACKAGES = [
  "@aws-sdk/client-codedeploy",
  "@aws-sdk/client-ecs",
  "@aws-sdk/client-elastic-load-balancing-v2",
  "@aws-sdk/client-secrets-manager",
] as const;

/** Runs `node -e script ...args` and reads the milliseconds it prints. */
function timeScript(script: string, args: readonly string[]): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    execFile(
      process.execPath,
      ["-e", script, ...args],
      {
        // The AWS SDK is external, as in Lambda's runtime: resolve it from this repository.
        env: {
          ...process.env,
          NODE_PATH: path.join(REPO_ROOT, "node_modules"),
          NODE_NO_WARNINGS: "1",
        },
        cwd: os.tmpdir(),
        timeout: 30_000,
      },
      (error, stdout) =>
        error === null ? resolve(Math.round(Number(stdout) * 10) / 10) : reject(error),
    );
  });
}

/**
 * Runs the real hook logic (AWS mocked, HTTP real on 127.0.0.1) with the default probe settings
 * against a `/version` server that flips from the old to the new version 1.5 s in, and times the
 * flip to the Slack post's arrival at a local receiver.
 */
async function measureFlipToSlack(): Promise<HookBenchResult["flipToSlack"]> {
  const oldVersion = OLD_VERSION;
  const newVersion = NEW_VERSION;
  let flipAt = Number.POSITIVE_INFINITY;
  let versionRequests = 0;
  let slackArrival: number | undefined;
  const versionServer = await listen((_request, respond) => {
    versionRequests += 1;
    respond(200, JSON.stringify({ version: Date.now() >= flipAt ? newVersion : oldVersion }));
  });
  const slackServer = await listen((_request, respond) => {
    slackArrival ??= Date.now();
    respond(200, "ok");
  });
  // The tests' fixture: one healthy blue/green deployment whose task definition says NEW_VERSION.
  const aws = mockAws();
  try {
    const memory = createMemoryLogger();
    const started = Date.now();
    flipAt = started + 1500;
    const run = await runAfterAllowTraffic(
      { DeploymentId: "d-BENCH", LifecycleEventHookExecutionId: "bench" },
      { getRemainingTimeInMillis: () => 300_000 - (Date.now() - started) },
      {
        clients: { codeDeploy: aws.codeDeployClient, ecs: aws.ecsClient, elb: aws.elbClient },
        env: {
          [HookEnv.environment]: "bench",
          [HookEnv.slackSecretArn]: "bench-secret",
          [HookEnv.probeBaseUrl]: versionServer.url,
        },
        clock: systemClock,
        fetch: globalFetch,
        logger: memory.logger,
        webhookSource: () => ({
          get: () => Promise.resolve(`${slackServer.url}/services/T/B/bench`),
          invalidate: () => undefined,
        }),
      },
    );
    const ms = slackArrival === undefined ? Number.POSITIVE_INFINITY : slackArrival - flipAt;
    const budgetMs =
      ProbeDefaults.consecutive * ProbeDefaults.intervalMs + HookBenchTargets.flipToSlackSlackMs;
    return {
      ms,
      budgetMs,
      ok: ms <= budgetMs,
      consecutive: ProbeDefaults.consecutive,
      intervalMs: ProbeDefaults.intervalMs,
      versionRequests,
      reported: run.reported,
    };
  } finally {
    for (const mock of [aws.codeDeploy, aws.ecs, aws.elb, aws.secrets, aws.ssm]) mock.restore();
    await Promise.all([versionServer.close(), slackServer.close()]);
  }
}

interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

async function listen(
  handle: (path: string, respond: (status: number, body: string) => void) => void,
): Promise<Listening> {
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on("end", () =>
      handle(request.url ?? "", (status, body) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(body);
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

if (require.main === module) {
  void benchHook().then((result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`));
}
