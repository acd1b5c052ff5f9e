/**
 * The rehearsal: the whole blue/green cutover on this machine with real processes. HAProxy plays
 * the ALB (a production and a test listener, a blue and a green target group), app-sample plays
 * the tasks, the watcher polls `/version` through the production listener the whole time, the
 * live-hook core decides whether the new version is live, and a local webhook receiver plays Slack.
 *
 * Scenario 1 (cutover): v1 on blue → v2 started on green → healthy → test listener → traffic
 * shifted as the stack says → live check passes → live notice → blue drained → SIGTERM.
 * Scenario 2 (rollback): a broken v3 (healthy, but built without its metadata: it answers the
 * default version) on blue → traffic shifted → live check fails by its deadline → traffic back on
 * v2 → v3 drained and stopped → failure notice.
 */

import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";

import { BuildEnv, type BuildMetadata } from "../../hooks/core/build-metadata";
import { systemClock, type Clock } from "../../hooks/core/clock";
import { globalFetch, type FetchLike } from "../../hooks/core/http";
import { runLiveCheck, type LiveCheckOutcome } from "../../hooks/core/live-check";
import { silentLogger } from "../../hooks/core/logger";
import {
  buildFailureMessage,
  buildLiveMessage,
  type DeploymentNotice,
} from "../../hooks/core/notify";
import { postToSlack, type SlackPostResult } from "../../hooks/core/slack";
import type { Verdict as LiveVerdict } from "../../hooks/core/decide";
import { startWatcher } from "../watcher/run";
import { percentile, summarise, type WatchRecord, type WatchSummary } from "../watcher/summary";
import {
  haproxyCheck,
  LOOPBACK,
  otherSlot,
  renderHaproxyConfig,
  slotServers,
  type HaproxyCheck,
  type Listener,
  type Slot,
} from "./haproxy-config";
import {
  compileLoadGenerator,
  couldNotKeepUp,
  deploymentFailures,
  LOAD_TIMEOUT_S,
  startLoad,
  type LoadRun,
  type LoadSummary,
} from "./load";
import {
  describeShifting,
  MAX_WEIGHT,
  trafficPlan,
  weightChanges,
  weightsFor,
  type TrafficStep,
} from "./plan";
import {
  compileAppSample,
  freePorts,
  haproxyVersion,
  ProcessGroup,
  startApp,
  startHaproxy,
  type AppInstance,
  type Child,
} from "./processes";
import { startWebhookReceiver, type ReceivedMessage, type WebhookReceiver } from "./receiver";
import { runtimeApi, setAddress, setState, setWeight, showStat, type RuntimeApi } from "./runtime";
import type { StackSettings } from "./stack";
import { findRow, targetHealthOf, targetStateOf, type StatRow } from "./stat";

/** Defaults of {@link RehearsalOptions}. */
export const RehearsalDefaults = {
  minuteMs: 1000,
  rate: 150,
  steadyMs: 10_000,
  liveCheckIntervalMs: 200,
  failingDeadlineMs: 3000,
  appDelayMs: 2,
} as const;

/**
 * With `--load`, how long the load runs before the first scenario watches: the steady state is
 * the service under load, not a cold process meeting it.
 */
export const LOAD_WARMUP_MS = 2000;

/** The watcher's per-request timeout, ms: without load, and with it (autocannon's own). */
export const WatcherTimeoutMs = { idle: 2000, loaded: LOAD_TIMEOUT_S * 1000 } as const;

/** How long after the stopped process exits the cutover's latency window lasts, ms. */
export const CUTOVER_TAIL_MS = 1000;

/** The versions the rehearsal deploys. */
export const RehearsalVersions = { v1: "v0.0.1", v2: "v0.0.2", v3: "v0.0.3" } as const;

/** The version app-sample answers when it was built without metadata. */
export const UNSET_VERSION = "0.0.0-dev";

/** How to rehearse. */
export interface RehearsalOptions {
  /** The stack's settings (traffic shifting, names, delays). */
  readonly settings: StackSettings;
  /**
   * How long one minute of the traffic-shifting schedule lasts, ms.
   * @default 1000
   */
  readonly minuteMs?: number;
  /**
   * The watcher's requests per second.
   * @default 150
   */
  readonly rate?: number;
  /**
   * Steady state watched before each deployment and after it, ms.
   * @default 10000
   */
  readonly steadyMs?: number;
  /**
   * The failing live check's deadline in scenario 2, ms.
   * @default 3000
   */
  readonly failingDeadlineMs?: number;
  /**
   * Delay app-sample adds to each version answer, so requests are in flight at the cutover.
   * @default 2
   */
  readonly appDelayMs?: number;
  /**
   * Keep-alive connections of the load generator (autocannon) on the production frontend for the
   * whole rehearsal, beside the watcher; 0 for none.
   * @default 0
   */
  readonly load?: number;
  /**
   * Where the rehearsal makes its temporary folder (`greenlight-rehearsal-*`), removed at the end.
   * @default - the system's temporary folder
   */
  readonly tmpRoot?: string;
  /** Stops the rehearsal early (Ctrl-C); cleanup still runs. */
  readonly signal?: AbortSignal;
}

/** What the rehearsal needs from its surroundings. */
export interface RehearsalDeps {
  /** @default - the system clock */
  readonly clock?: Clock;
  /** @default - Node's fetch */
  readonly fetch?: FetchLike;
  /** Receives each timeline event as it happens (progress). */
  readonly onEvent?: (event: TimelineEvent) => void;
  /** Receives each message the webhook receiver gets. */
  readonly onMessage?: (message: ReceivedMessage) => void;
  /**
   * Wraps the runtime API client (the admin socket), e.g. to see or refuse commands.
   * @default - the client as it is
   */
  readonly wrapApi?: (api: RuntimeApi) => RuntimeApi;
}

/** The two scenarios. */
export type ScenarioName = "cutover" | "rollback";

/** One line of the timeline. */
export interface TimelineEvent {
  readonly scenario: ScenarioName | "setup" | "teardown";
  /** Milliseconds since the rehearsal started. */
  readonly atMs: number;
  readonly text: string;
}

/** Latency in two windows of a scenario, ms (nearest-rank percentiles). */
export interface WindowLatency {
  /** Before the replacement started. */
  readonly steady: { readonly count: number; readonly p50: number; readonly p99: number };
  /**
   * From the first weight change until {@link CUTOVER_TAIL_MS} after the stopped process exited
   * (late effects of its SIGTERM count as the cutover's).
   */
  readonly cutover: { readonly count: number; readonly p50: number; readonly p99: number };
}

/** What one scenario came to. */
export interface ScenarioResult {
  readonly name: ScenarioName;
  /** The version serving production before the deployment. */
  readonly fromVersion: string;
  /** The version deployed (what the live check expects). */
  readonly toVersion: string;
  /** What the replacement actually answers. */
  readonly answeredVersion: string;
  /** The slot the replacement ran in. */
  readonly replacementSlot: Slot;
  /** Whether the live verdict should be live. */
  readonly expectLive: boolean;
  /** The live check's verdict; `{ live: false }` with a "not reached" summary when it was not run. */
  readonly verdict: LiveVerdict;
  readonly liveCheckMs: number;
  readonly steps: readonly TrafficStep[];
  /** The watcher's summary. */
  readonly summary: WatchSummary;
  readonly latency: WindowLatency;
  /** The notice the receiver got, if any. */
  readonly notice?: ReceivedMessage;
  /** The post to the webhook; absent when the scenario stopped before it. */
  readonly slack?: SlackPostResult;
  /** From the first weight change to the notice arriving, ms. */
  readonly flipToNoticeMs?: number;
  /** Retries and redispatches HAProxy made on the production backend during the scenario. */
  readonly haproxyRetries: number;
  /**
   * Exit of the process that was stopped (blue after a cutover, v3 after a rollback); absent when
   * the scenario stopped before it.
   */
  readonly stoppedExit?: { readonly code: number | null; readonly afterMs: number };
  /** What stopped the scenario before its end (a child that died, a refused command, …). */
  readonly error?: string;
  /** Why the scenario did not go as it should; empty when it did. */
  readonly problems: readonly string[];
  readonly ok: boolean;
}

/** What the rehearsal came to. */
export interface RehearsalResult {
  readonly stack: string;
  readonly environment: string;
  readonly service: string;
  readonly shifting: string;
  readonly haproxy: string;
  readonly scenarios: readonly ScenarioResult[];
  /** Scenarios that did not run, and why. */
  readonly notRun: readonly { readonly name: ScenarioName; readonly reason: string }[];
  /** The health check HAProxy ran, from the stack's target group settings. */
  readonly check: HaproxyCheck;
  /** The load beside the watcher (`--load`); absent without it. */
  readonly load?: LoadSummary;
  readonly timeline: readonly TimelineEvent[];
  /** Requests the watchers and the load generator made, and how many failed. */
  readonly requests: number;
  readonly failed: number;
  readonly wallMs: number;
  readonly problems: readonly string[];
  readonly ok: boolean;
}

/** Thrown when HAProxy is not installed. */
export class HaproxyMissingError extends Error {
  constructor() {
    super(
      "haproxy is not installed; the rehearsal uses it as the load balancer. Install it with `sudo apt-get install haproxy` (Debian/Ubuntu) or `brew install haproxy` (macOS), then run `npm run rehearse` again.",
    );
    this.name = "HaproxyMissingError";
  }
}

/** Thrown when the rehearsal was interrupted. */
export class RehearsalAborted extends Error {
  constructor() {
    super("the rehearsal was interrupted; every process it started has been stopped");
    this.name = "RehearsalAborted";
  }
}

/** Build metadata of a rehearsal version. Pure. */
export function buildFor(version: string, settings: StackSettings): BuildMetadata {
  const digits = version.replace(/\D/g, "").padStart(3, "0");
  return {
    version,
    commit: `${digits}${"5ea1c0de".repeat(5)}`.slice(0, 40),
    ref: settings.refType === "tag" ? version : settings.branch,
    refType: settings.refType,
    commitMessage: `Rehearsal build ${version}`,
    author: "Greenlight rehearsal",
  };
}

/** The container environment of a build (what CodeBuild writes into `taskdef.json`). Pure. */
export function buildEnvironment(
  build: BuildMetadata | undefined,
  settings: StackSettings,
): Record<string, string> {
  const env: Record<string, string> = {
    [BuildEnv.service]: settings.service,
    [BuildEnv.environment]: settings.environment,
    [BuildEnv.versionPath]: settings.versionPath,
  };
  if (build === undefined) return env; // a build without metadata: app-sample answers 0.0.0-dev
  return {
    ...env,
    [BuildEnv.version]: build.version,
    [BuildEnv.commit]: build.commit,
    [BuildEnv.ref]: build.ref,
    [BuildEnv.refType]: build.refType,
    [BuildEnv.commitMessage]: build.commitMessage,
    [BuildEnv.author]: build.author,
  };
}

/** Latency percentiles of the records started in `[from, to)`. Pure. */
export function windowLatency(
  records: readonly WatchRecord[],
  from: number,
  to: number,
): { count: number; p50: number; p99: number } {
  const sorted = records
    .filter((record) => record.status !== null && record.t >= from && record.t < to)
    .map((record) => record.latencyMs)
    .sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

interface Env {
  readonly settings: StackSettings;
  readonly clock: Clock;
  readonly fetch: FetchLike;
  readonly api: RuntimeApi;
  readonly group: ProcessGroup;
  readonly bundle: string;
  readonly prodUrl: string;
  readonly testUrl: string;
  readonly receiver: WebhookReceiver;
  readonly rate: number;
  readonly steadyMs: number;
  readonly minuteMs: number;
  readonly appDelayMs: number;
  readonly signal: AbortSignal | undefined;
  /** The watcher's per-request timeout, ms. */
  readonly watcherTimeoutMs: number;
  readonly check: HaproxyCheck;
  readonly watchdog: Watchdog;
  readonly event: (scenario: TimelineEvent["scenario"], text: string) => void;
  readonly since: (at: number) => string;
}

interface ScenarioPlan {
  readonly name: ScenarioName;
  readonly original: { readonly slot: Slot; readonly child: Child; readonly version: string };
  readonly replacementVersion: string;
  /** The build the replacement runs; undefined for a build without metadata. */
  readonly replacementBuild: BuildMetadata | undefined;
  readonly expectLive: boolean;
  readonly deadlineMs: number;
}

/**
 * Notices a child that exits when nobody stopped it (a crash, an OOM kill) and turns it into an
 * abort of the step the rehearsal is waiting in.
 */
export class Watchdog {
  private readonly controller = new AbortController();
  private readonly expected = new Set<Child>();
  private disarmed = false;

  /** Aborts when a watched child exits unexpectedly; its reason is an `Error` naming the child. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Watches `child`, named `label` in the error. */
  watch(child: Child, label: string): void {
    void child.exited.then((exit) => {
      if (this.disarmed || this.expected.has(child) || this.controller.signal.aborted) return;
      this.controller.abort(
        new Error(
          `${label} (pid ${child.pid}) exited unexpectedly (${exit.signal === null ? `code ${exit.code}` : `signal ${exit.signal}`})`,
        ),
      );
    });
  }

  /** `child` is about to be stopped on purpose. */
  expect(child: Child): void {
    this.expected.add(child);
  }

  /** Teardown: every exit from now on is expected. */
  disarm(): void {
    this.disarmed = true;
  }

  /** Throws the crash, if a watched child has crashed. */
  check(): void {
    if (this.controller.signal.aborted) throw this.controller.signal.reason;
  }
}

/** The message of a thrown value. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs both scenarios; always stops every process and removes the temp dir. */
export async function runRehearsal(
  options: RehearsalOptions,
  deps: RehearsalDeps = {},
): Promise<RehearsalResult> {
  const clock = deps.clock ?? systemClock;
  const haproxy = haproxyVersion();
  if (haproxy === undefined) throw new HaproxyMissingError();
  const { settings } = options;
  const minuteMs = options.minuteMs ?? RehearsalDefaults.minuteMs;
  const rate = options.rate ?? RehearsalDefaults.rate;
  const connections = options.load ?? 0;
  const steps = trafficPlan(settings.shifting, minuteMs); // validates minuteMs
  const check = haproxyCheck(settings.healthCheck, minuteMs, settings.slowStartSeconds);
  const started = clock.now();
  const timeline: TimelineEvent[] = [];
  const event = (scenario: TimelineEvent["scenario"], text: string): void => {
    const entry = { scenario, atMs: clock.now() - started, text };
    timeline.push(entry);
    deps.onEvent?.(entry);
  };
  const group = new ProcessGroup(clock);
  const watchdog = new Watchdog();
  const dir = await fs.mkdtemp(path.join(options.tmpRoot ?? os.tmpdir(), "greenlight-rehearsal-"));
  let receiver: WebhookReceiver | undefined;
  let load: LoadRun | undefined;
  try {
    const bundle = compileAppSample(dir);
    receiver = await startWebhookReceiver(deps.onMessage, () => clock.now());
    const steadyMs = options.steadyMs ?? RehearsalDefaults.steadyMs;
    const appDelayMs = options.appDelayMs ?? RehearsalDefaults.appDelayMs;
    event(
      "setup",
      `stack ${settings.stack}: service ${settings.service}, ${describeShifting(settings.shifting, minuteMs)}`,
    );
    const { v1, v2, v3 } = RehearsalVersions;
    const blue = await startApp(
      group,
      bundle,
      appInstance(settings, appDelayMs, "blue", buildFor(v1, settings)),
    );
    watchdog.watch(blue.child, `${v1} (blue)`);
    event(
      "setup",
      `${v1} listening on ${LOOPBACK}:${blue.port} (slot blue, pid ${blue.child.pid})`,
    );
    const socketPath = path.join(dir, "admin.sock");
    const socketApi = runtimeApi(socketPath);
    const api = deps.wrapApi?.(socketApi) ?? socketApi;
    const lb = await startLoadBalancer(group, socketApi, clock, {
      socketPath,
      configPath: path.join(dir, "haproxy.cfg"),
      bluePort: blue.port,
      healthCheckPath: settings.healthCheckPath,
      check,
    });
    watchdog.watch(lb.child, "HAProxy");
    const env: Env = {
      settings,
      clock,
      fetch: deps.fetch ?? globalFetch,
      api,
      group,
      bundle,
      prodUrl: `http://${LOOPBACK}:${lb.prodPort}`,
      testUrl: `http://${LOOPBACK}:${lb.testPort}`,
      receiver,
      rate,
      steadyMs,
      minuteMs,
      appDelayMs,
      signal: options.signal,
      watcherTimeoutMs: connections > 0 ? WatcherTimeoutMs.loaded : WatcherTimeoutMs.idle,
      check,
      watchdog,
      event,
      since: (at) => `${Math.round(clock.now() - at)} ms`,
    };
    event(
      "setup",
      `${haproxy}: production ${env.prodUrl}, test ${env.testUrl}, admin ${path.basename(socketPath)}`,
    );
    event(
      "setup",
      `health check GET ${settings.healthCheckPath} every ${check.interMs} ms, timeout ${check.timeoutMs} ms, healthy after ${check.rise}, unhealthy after ${check.fall} (target group: ${settings.healthCheck.intervalSeconds} s, ${settings.healthCheck.timeoutSeconds} s, ${settings.healthCheck.healthyThreshold}, ${settings.healthCheck.unhealthyThreshold}); fail open when no target of a backend is healthy`,
    );
    await waitForState(env, "prod", "blue", "healthy", 10_000);
    event("setup", `blue healthy in be_prod; production serves ${v1}`);
    checkAborted(options.signal);
    if (connections > 0) {
      load = await startLoad(group, {
        url: `${env.prodUrl}${settings.versionPath}`,
        connections,
        startedAt: started,
        bundle: compileLoadGenerator(dir),
      });
      watchdog.watch(load.child, "the load generator (autocannon)");
      event(
        "setup",
        `load: autocannon, ${connections} keep-alive connections on ${env.prodUrl}${settings.versionPath} until the end (pid ${load.child.pid}); ${LOAD_WARMUP_MS} ms to warm up`,
      );
      await sleepOrAbort(env, LOAD_WARMUP_MS);
    }

    const scenarios: ScenarioResult[] = [];
    const notRun: { name: ScenarioName; reason: string }[] = [];
    const cutover = await runScenario(env, steps, {
      name: "cutover",
      original: { slot: "blue", child: blue.child, version: v1 },
      replacementVersion: v2,
      replacementBuild: buildFor(v2, settings),
      expectLive: true,
      deadlineMs: Math.max(
        10_000,
        settings.consecutive * RehearsalDefaults.liveCheckIntervalMs * 4,
      ),
    });
    scenarios.push(cutover.result);
    checkAborted(options.signal);
    if (cutover.replacement === undefined) {
      const reason =
        cutover.result.error === undefined
          ? `the cutover was rolled back (${cutover.result.verdict.summary}); there is no ${v2} to roll back from`
          : `the cutover stopped: ${cutover.result.error}`;
      notRun.push({ name: "rollback", reason });
      event("rollback", `not run: ${reason}`);
    } else {
      const rollback = await runScenario(env, steps, {
        name: "rollback",
        original: { slot: "green", child: cutover.replacement, version: v2 },
        replacementVersion: v3,
        replacementBuild: undefined,
        expectLive: false,
        deadlineMs: options.failingDeadlineMs ?? RehearsalDefaults.failingDeadlineMs,
      });
      scenarios.push(rollback.result);
    }
    checkAborted(options.signal);
    let loadSummary: LoadSummary | undefined;
    if (load !== undefined) {
      watchdog.expect(load.child);
      loadSummary = await load.stop();
      load = undefined;
      event(
        "teardown",
        `load stopped: ${loadSummary.answers} answers at ${loadSummary.rate} req/s, ${deploymentFailures(loadSummary)} failed, ${loadSummary.timeouts} timed out; CPU ${loadSummary.cpu.busyPercent} % busy`,
      );
    }
    const problems = [
      ...scenarios.flatMap((scenario) =>
        scenario.problems.map((problem) => `${scenario.name}: ${problem}`),
      ),
      ...notRun.map((entry) => `${entry.name}: not run (${entry.reason})`),
      ...(loadSummary === undefined ? [] : loadProblems(loadSummary)),
    ];
    const requests =
      scenarios.reduce((sum, scenario) => sum + scenario.summary.total, 0) +
      (loadSummary?.answers ?? 0) +
      (loadSummary?.errors ?? 0) +
      (loadSummary?.timeouts ?? 0);
    const failed =
      scenarios.reduce((sum, scenario) => sum + scenario.summary.failed, 0) +
      (loadSummary === undefined ? 0 : deploymentFailures(loadSummary) + loadSummary.timeouts);
    return {
      stack: settings.stack,
      environment: settings.environment,
      service: settings.service,
      shifting: describeShifting(settings.shifting, minuteMs),
      haproxy,
      scenarios,
      notRun,
      check,
      ...(loadSummary === undefined ? {} : { load: loadSummary }),
      timeline,
      requests,
      failed,
      wallMs: clock.now() - started,
      problems,
      ok: problems.length === 0,
    };
  } finally {
    watchdog.disarm();
    const stopping = clock.now();
    const count = group.running().length;
    await group.stopAll();
    await receiver?.close();
    await fs.rm(dir, { recursive: true, force: true });
    event(
      "teardown",
      `stopped ${count} process${count === 1 ? "" : "es"} in ${Math.round(clock.now() - stopping)} ms; removed ${dir}`,
    );
  }
}

/** What the load came to, as problems of the rehearsal; empty when no request failed. Pure. */
export function loadProblems(load: LoadSummary): string[] {
  const problems: string[] = [];
  const failed = deploymentFailures(load);
  if (failed > 0) {
    const kinds: Record<string, number> = {};
    for (const failure of load.failures) kinds[failure.what] = (kinds[failure.what] ?? 0) + 1;
    problems.push(
      `load: the deployment failed ${failed} of ${load.answers + load.errors + load.timeouts} requests (${JSON.stringify(kinds)})`,
    );
  }
  if (load.timeouts > 0) {
    problems.push(`load: the machine could not keep up: ${couldNotKeepUp(load) ?? ""}`);
  }
  if (load.problem !== undefined) problems.push(`load: ${load.problem}`);
  return problems;
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new RehearsalAborted();
}

/** Attempts at starting HAProxy when another process took a chosen frontend port meanwhile. */
const BIND_ATTEMPTS = 3;

/** Starts HAProxy on two free frontend ports, choosing again if one was taken in the meantime. */
async function startLoadBalancer(
  group: ProcessGroup,
  api: RuntimeApi,
  clock: Clock,
  where: {
    readonly socketPath: string;
    readonly configPath: string;
    readonly bluePort: number;
    readonly healthCheckPath: string;
    readonly check: HaproxyCheck;
  },
): Promise<{ prodPort: number; testPort: number; child: Child }> {
  for (let attempt = 1; ; attempt += 1) {
    const [prodPort, testPort] = (await freePorts(2)) as [number, number];
    await fs.writeFile(
      where.configPath,
      renderHaproxyConfig({
        socketPath: where.socketPath,
        prodPort,
        testPort,
        slotPorts: { blue: where.bluePort, green: undefined },
        liveSlot: "blue",
        healthCheckPath: where.healthCheckPath,
        check: where.check,
      }),
    );
    try {
      const child = await startHaproxy(group, where.configPath, api, clock);
      return { prodPort, testPort, child };
    } catch (error) {
      const taken =
        error instanceof Error && /cannot bind|Address already in use/i.test(error.message);
      if (!taken || attempt >= BIND_ATTEMPTS) throw error;
    }
  }
}

function appInstance(
  settings: StackSettings,
  appDelayMs: number,
  slot: Slot,
  build: BuildMetadata | undefined,
): AppInstance {
  return {
    name: `app-sample ${build?.version ?? UNSET_VERSION} (${slot})`,
    env: {
      ...buildEnvironment(build, settings),
      GREENLIGHT_SAMPLE_DELAY_MS: String(appDelayMs),
      SHUTDOWN_TIMEOUT_MS: "5000",
      LOG_LEVEL: "info",
    },
  };
}

/** Sleeps; throws {@link RehearsalAborted} on Ctrl-C, or the crash a watched child had. */
async function sleepOrAbort(env: Env, ms: number): Promise<void> {
  const signals = [env.watchdog.signal, ...(env.signal === undefined ? [] : [env.signal])];
  await env.clock.sleep(ms, AbortSignal.any(signals)).catch(() => undefined);
  checkAborted(env.signal);
  env.watchdog.check();
}

/** Polls `show stat` until `slot` of `listener`'s backend is in `state`; throws after `timeoutMs`. */
async function waitForState(
  env: Env,
  listener: Listener,
  slot: Slot,
  state: "healthy",
  timeoutMs: number,
): Promise<number> {
  const start = env.clock.now();
  const backend = listener === "prod" ? "be_prod" : "be_test";
  for (;;) {
    env.watchdog.check();
    const row = findRow(await showStat(env.api), backend, slot);
    if (targetStateOf(row) === state) return env.clock.now() - start;
    if (env.clock.now() - start > timeoutMs) {
      throw new Error(
        `${backend}/${slot} did not become ${state} within ${timeoutMs} ms (status ${row.status}, check ${row.checkStatus})`,
      );
    }
    await sleepOrAbort(env, 50);
  }
}

function retriesOf(rows: readonly StatRow[]): number {
  const row = findRow(rows, "be_prod", "BACKEND");
  return row.retries + row.redispatches;
}

async function setProdWeights(
  env: Env,
  original: Slot,
  replacementPercent: number,
): Promise<string> {
  const slots = { original, replacement: otherSlot(original) };
  for (const change of weightChanges(replacementPercent)) {
    await setWeight(env.api, "prod", slots[change.role], change.weight);
  }
  const { blue, green } = weightsFor(replacementPercent);
  return `${original} ${blue} / ${slots.replacement} ${green} (${replacementPercent} % to the replacement)`;
}

/** Drains `slot` on both backends, waits until it holds no session, then stops its process. */
async function drainAndStop(
  env: Env,
  scenario: ScenarioName,
  slot: Slot,
  child: Child,
  label: string,
): Promise<{ code: number | null; afterMs: number; exitedAt: number }> {
  await setState(env.api, "prod", slot, "drain");
  await setState(env.api, "test", slot, "drain");
  const drainStart = env.clock.now();
  // The deregistration delay bounds how long in-flight requests may take; like the ALB, the
  // drain ends as soon as the target holds none. It bounds real requests, so it is not shortened
  // by --minute-ms.
  const bound = env.settings.deregistrationDelayMs;
  let sessions = Number.POSITIVE_INFINITY;
  while (env.clock.now() - drainStart < bound) {
    const rows = await showStat(env.api);
    sessions = slotServers(slot).reduce(
      (sum, server) => sum + findRow(rows, "be_prod", server).sessions,
      0,
    );
    if (sessions === 0) break;
    await sleepOrAbort(env, 50);
  }
  env.event(
    scenario,
    `${label} drained (state drain on be_prod and be_test): ${sessions === 0 ? "0 sessions" : `${sessions} sessions left`} after ${env.since(drainStart)} (deregistration delay ${bound / 1000} s)`,
  );
  const stopAt = env.clock.now();
  env.event(scenario, `SIGTERM ${label} (pid ${child.pid})`);
  env.watchdog.expect(child);
  const exit = await child.stop("SIGTERM");
  const exitedAt = env.clock.now();
  env.event(
    scenario,
    `${label} exited with code ${exit.code ?? exit.signal} after ${env.since(stopAt)} (graceful drain)`,
  );
  // The slot is empty again: back to ready with weight 0, its health checks now fail (DOWN).
  await setState(env.api, "prod", slot, "ready");
  await setState(env.api, "test", slot, "ready");
  return { code: exit.code, afterMs: exitedAt - stopAt, exitedAt };
}

/** What a scenario got to; filled in as it goes, so a scenario stopped early still reports. */
interface Progress {
  watchStart: number;
  startAt?: number;
  shiftStart?: number;
  answered?: string;
  replacementChild?: Child;
  outcome?: LiveCheckOutcome;
  liveCheckMs?: number;
  slack?: SlackPostResult;
  stopped?: { code: number | null; afterMs: number; exitedAt: number };
  received?: ReceivedMessage;
  /** The child that serves production at the end, when the deployment went live. */
  keep?: Child;
}

/**
 * One deployment, watched from start to end: steady state, the replacement started in the other
 * slot and registered, healthy, checked through the test listener, traffic shifted step by step,
 * the live check, then either the live notice and the original drained and stopped, or the
 * rollback and the failure notice; steady state again. Whatever stops it early (a child that
 * died, a command HAProxy refused), it still ends with a report; only Ctrl-C is thrown.
 */
async function runScenario(
  env: Env,
  steps: readonly TrafficStep[],
  plan: ScenarioPlan,
): Promise<{ result: ScenarioResult; replacement?: Child }> {
  const { clock, api, settings } = env;
  const { name } = plan;
  const replacement = otherSlot(plan.original.slot);
  const records: WatchRecord[] = [];
  const progress: Progress = { watchStart: clock.now() };
  let error: string | undefined;
  let retries = 0;
  let summary: WatchSummary;
  const watcher = startWatcher(
    {
      url: env.prodUrl,
      path: settings.versionPath,
      rate: env.rate,
      durationMs: Number.POSITIVE_INFINITY,
      timeoutMs: env.watcherTimeoutMs,
      ...(env.signal === undefined ? {} : { signal: env.signal }),
      onRecord: (record) => records.push(record),
    },
    { clock },
  );
  try {
    const retriesBefore = retriesOf(await showStat(api));
    await scenarioSteps(env, steps, plan, progress);
    retries = retriesOf(await showStat(api)) - retriesBefore;
  } catch (caught) {
    if (caught instanceof RehearsalAborted) throw caught;
    error = messageOf(caught);
    env.event(name, `stopped: ${error}`);
  } finally {
    watcher.stop();
    summary = await watcher.done.catch(() => summarise(records));
  }
  env.event(
    name,
    `watcher stopped: ${summary.total} requests, ${summary.failed} failed, versions ${summary.versions.map((v) => `${v.version}×${v.count}`).join(" → ")}`,
  );
  const end = progress.stopped?.exitedAt ?? clock.now();
  const latency: WindowLatency = {
    // The first second warms the watcher's connections up; it is not steady state.
    steady: windowLatency(
      records,
      progress.watchStart + Math.min(1000, env.steadyMs / 4),
      progress.startAt ?? clock.now(),
    ),
    cutover:
      progress.shiftStart === undefined
        ? { count: 0, p50: Number.NaN, p99: Number.NaN }
        : windowLatency(records, progress.shiftStart, end + CUTOVER_TAIL_MS),
  };
  const flipAt = summary.flip?.firstNewAt;
  const flipToNoticeMs =
    progress.received === undefined || flipAt === undefined
      ? undefined
      : progress.received.receivedAt - flipAt;
  const verdict: LiveVerdict = progress.outcome?.verdict ?? {
    live: false,
    summary: "not reached: the scenario stopped before the live check",
  };
  const result: ScenarioResult = {
    name,
    fromVersion: plan.original.version,
    toVersion: plan.replacementVersion,
    answeredVersion: progress.answered ?? plan.replacementBuild?.version ?? UNSET_VERSION,
    replacementSlot: replacement,
    expectLive: plan.expectLive,
    verdict,
    liveCheckMs: progress.liveCheckMs ?? 0,
    steps,
    summary,
    latency,
    ...(progress.received === undefined ? {} : { notice: progress.received }),
    ...(progress.slack === undefined ? {} : { slack: progress.slack }),
    ...(flipToNoticeMs === undefined ? {} : { flipToNoticeMs }),
    haproxyRetries: retries,
    ...(progress.stopped === undefined
      ? {}
      : { stoppedExit: { code: progress.stopped.code, afterMs: progress.stopped.afterMs } }),
    ...(error === undefined ? {} : { error }),
    problems: [],
    ok: true,
  };
  const problems = scenarioProblems(result, settings);
  const keep = error === undefined ? progress.keep : undefined;
  return {
    result: { ...result, problems, ok: problems.length === 0 },
    ...(keep === undefined ? {} : { replacement: keep }),
  };
}

/** The steps of {@link runScenario}, recording what they reach in `progress`. */
async function scenarioSteps(
  env: Env,
  steps: readonly TrafficStep[],
  plan: ScenarioPlan,
  progress: Progress,
): Promise<void> {
  const { clock, api, settings } = env;
  const { name } = plan;
  const original = plan.original.slot;
  const replacement = otherSlot(original);
  env.event(
    name,
    `watcher: ${env.rate} req/s on ${env.prodUrl}${settings.versionPath}; steady state on ${plan.original.version} for ${env.steadyMs} ms`,
  );
  await sleepOrAbort(env, env.steadyMs);

  // The replacement task set starts in the other slot (target group).
  const startAt = clock.now();
  progress.startAt = startAt;
  const label = `${plan.replacementVersion} (${replacement})`;
  const instance = appInstance(settings, env.appDelayMs, replacement, plan.replacementBuild);
  const started = await startApp(env.group, env.bundle, instance);
  progress.replacementChild = started.child;
  env.watchdog.watch(started.child, label);
  progress.answered = plan.replacementBuild?.version ?? UNSET_VERSION;
  env.event(
    name,
    `start ${label}${plan.replacementBuild === undefined ? " — built without its metadata" : ""}: listening on port ${started.port} after ${env.since(startAt)} (pid ${started.child.pid})`,
  );
  // Register the new task's address in its target group, on both listeners.
  for (const listener of ["prod", "test"] as const) {
    await setAddress(api, listener, replacement, started.port);
    await setState(api, listener, replacement, "ready");
  }
  env.event(
    name,
    `registered ${LOOPBACK}:${started.port} as ${replacement} in be_prod and be_test (weight 0)`,
  );
  await waitForState(env, "test", replacement, "healthy", 10_000);
  await waitForState(env, "prod", replacement, "healthy", 10_000);
  env.event(
    name,
    `${label} healthy in HAProxy (GET ${settings.healthCheckPath} every ${env.check.interMs} ms, rise ${env.check.rise}) ${env.since(startAt)} after its start`,
  );
  await setWeight(api, "test", replacement, MAX_WEIGHT);
  await setWeight(api, "test", original, 0);
  const testAnswers = await testListenerCheck(env);
  env.event(
    name,
    `test listener ${env.testUrl}${settings.versionPath} routes to ${replacement}: ${testAnswers}`,
  );

  // Production traffic moves as the stack's traffic shifting says.
  const shiftStart = clock.now();
  progress.shiftStart = shiftStart;
  for (const step of steps) {
    await sleepOrAbort(env, shiftStart + step.atMs - clock.now());
    const weights = await setProdWeights(env, original, step.greenWeightPercent);
    env.event(name, `weights ${weights}`);
  }

  // AfterAllowTraffic: the live-hook core, through the production listener.
  const checkStart = clock.now();
  const outcome: LiveCheckOutcome = await runLiveCheck(
    {
      versionUrl: `${env.prodUrl}${settings.versionPath}`,
      expectedVersion: plan.replacementVersion,
      probe: {
        consecutive: settings.consecutive,
        intervalMs: RehearsalDefaults.liveCheckIntervalMs,
        timeoutMs: settings.liveCheckTimeoutMs,
        deadlineMs: plan.deadlineMs,
      },
      readTargets: async () => targetHealthOf(await showStat(api), "be_prod", [replacement]),
    },
    { clock, fetch: env.fetch, logger: silentLogger },
  );
  progress.outcome = outcome;
  progress.liveCheckMs = clock.now() - checkStart;
  env.event(
    name,
    `live check: ${outcome.verdict.live ? "LIVE" : "NOT LIVE"} after ${progress.liveCheckMs} ms — ${outcome.verdict.summary}`,
  );
  checkAborted(env.signal);
  env.watchdog.check();

  const notice: DeploymentNotice = {
    environment: settings.environment,
    service: settings.service,
    build: plan.replacementBuild ?? buildFor(plan.replacementVersion, settings),
    repositoryUrl: settings.repositoryUrl,
    durationMs: clock.now() - startAt,
    deployment: { id: `d-REHEARSAL-${name.toUpperCase()}` },
  };
  const messagesBefore = env.receiver.messages.length;
  const post = { fetch: env.fetch, clock, logger: silentLogger };
  if (outcome.verdict.live) {
    progress.slack = await postToSlack(env.receiver.url, buildLiveMessage(notice, outcome), post);
    env.event(name, `live notice posted: ${slackResult(progress.slack)}`);
    progress.received = env.receiver.messages[messagesBefore];
    progress.stopped = await drainAndStop(
      env,
      name,
      original,
      plan.original.child,
      `${plan.original.version} (${original})`,
    );
    progress.keep = started.child;
  } else {
    // Rollback: production traffic back to the original, the replacement drained and stopped.
    const weights = await setProdWeights(env, original, 0);
    await setWeight(api, "test", original, MAX_WEIGHT);
    await setWeight(api, "test", replacement, 0);
    env.event(name, `rollback: weights ${weights}; test listener back on ${original}`);
    progress.stopped = await drainAndStop(env, name, replacement, started.child, label);
    const consequence = `Rolled back: production traffic is back on ${plan.original.version}; ${plan.replacementVersion} was drained and stopped.`;
    progress.slack = await postToSlack(
      env.receiver.url,
      buildFailureMessage(notice, outcome, { consequence }),
      post,
    );
    env.event(name, `failure notice posted: ${slackResult(progress.slack)}`);
    progress.received = env.receiver.messages[messagesBefore];
  }

  env.event(
    name,
    `steady state on ${outcome.verdict.live ? plan.replacementVersion : plan.original.version} for ${env.steadyMs} ms`,
  );
  await sleepOrAbort(env, env.steadyMs);
}

/** Requests sent through the test listener before traffic shifts (they also warm the new process). */
export const TEST_LISTENER_REQUESTS = 100;

async function testListenerCheck(env: Env): Promise<string> {
  const answers: string[] = [];
  const end = env.clock.now() + 5000;
  for (let i = 0; i < TEST_LISTENER_REQUESTS && env.clock.now() < end; i += 1) {
    checkAborted(env.signal);
    try {
      const response = await env.fetch(`${env.testUrl}${env.settings.versionPath}`, {
        signal: AbortSignal.timeout(1000),
      });
      const body = JSON.parse(await response.text()) as { version?: unknown };
      answers.push(`${response.status} ${String(body.version)}`);
    } catch (error) {
      answers.push(error instanceof Error ? error.message : String(error));
    }
  }
  const distinct = [...new Set(answers)];
  return distinct
    .map((answer) => `${answer} ×${answers.filter((a) => a === answer).length}`)
    .join(", ");
}

function slackResult(result: SlackPostResult): string {
  return result.ok
    ? `HTTP ${result.status} after ${result.attempts} attempt${result.attempts === 1 ? "" : "s"}`
    : `failed (${result.reason}: ${result.detail})`;
}

/** What went wrong in a scenario, one sentence each; empty when it went as it should. Pure. */
export function scenarioProblems(result: ScenarioResult, settings: StackSettings): string[] {
  const problems: string[] = [];
  const { summary } = result;
  if (result.error !== undefined) problems.push(`stopped early: ${result.error}`);
  if (summary.total === 0) problems.push("the watcher made no request");
  if (summary.failed > 0) {
    problems.push(
      `${summary.failed} of ${summary.total} requests failed (${JSON.stringify(summary.failures)})`,
    );
  }
  if (result.error !== undefined) return problems; // what follows was not reached
  if (result.verdict.live !== result.expectLive) {
    problems.push(
      `the live check said ${result.verdict.live ? "live" : "not live"}; expected ${result.expectLive ? "live" : "not live"} (${result.verdict.summary})`,
    );
  }
  const seen = summary.versions.map((entry) => entry.version);
  if (result.expectLive) {
    if (
      !summary.flipped ||
      seen[0] !== result.fromVersion ||
      summary.finalVersion !== result.toVersion
    ) {
      problems.push(
        `expected the watcher to see ${result.fromVersion} then ${result.toVersion}; it saw ${seen.join(", ")} (last ${summary.finalVersion ?? "none"})`,
      );
    }
  } else if (summary.finalVersion !== result.fromVersion) {
    problems.push(
      `expected traffic back on ${result.fromVersion}; the last answer was ${summary.finalVersion ?? "none"}`,
    );
  }
  const notice = result.notice;
  if (notice === undefined) {
    problems.push("the webhook receiver got no notice");
  } else {
    const wanted = [settings.service, settings.environment, result.toVersion];
    const missing = wanted.filter((word) => !notice.text.includes(word));
    if (missing.length > 0)
      problems.push(`the notice does not name ${missing.join(", ")}: ${notice.text}`);
    const kind = result.expectLive ? "is live" : "failed the live check";
    if (!notice.text.includes(kind))
      problems.push(`the notice does not say "${kind}": ${notice.text}`);
    if (notice.blockTypes.length === 0) problems.push("the notice has no Block Kit blocks");
  }
  if (result.stoppedExit !== undefined && result.stoppedExit.code !== 0) {
    problems.push(
      `the stopped process exited with ${result.stoppedExit.code ?? "a signal"}, not 0`,
    );
  }
  return problems;
}
