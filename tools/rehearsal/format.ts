/**
 * The rehearsal's report for people: timeline lines, the webhook messages, and per scenario the
 * watcher's summary, latency windows and verdict; the load beside it; the closing verdict. Pure.
 */

import { formatSummary } from "../watcher/format";
import { couldNotKeepUp, deploymentFailures, failureBursts, type LoadSummary } from "./load";
import type { ReceivedMessage } from "./receiver";
import type { RehearsalResult, ScenarioResult, TimelineEvent } from "./run";

/** `  +12.345 s  cutover   text`. */
export function formatEvent(event: TimelineEvent): string {
  const at = `+${(event.atMs / 1000).toFixed(3)} s`.padStart(10);
  return `${at}  ${event.scenario.padEnd(8)}  ${event.text}`;
}

/** What the webhook receiver printed for one message. */
export function formatMessage(message: ReceivedMessage): string {
  return `            slack     ▸ ${message.text}\n            slack     ▸ Block Kit: ${message.blockTypes.join(", ")}`;
}

function ms(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "n/a";
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

function seconds(atMs: number): string {
  return `+${(atMs / 1000).toFixed(3)} s`;
}

const label = (name: string): string => name.padEnd(10);

/**
 * The p99 line: both windows with their sample counts, and their ratio as a figure. It is not
 * held to a target: the cutover window holds a few hundred answers, so its p99 is set by two or
 * three slow ones and the ratio moves by an order of magnitude between identical runs.
 */
export function formatLatency(scenario: ScenarioResult): string {
  const { steady, cutover } = scenario.latency;
  const ratio =
    steady.p99 > 0 && cutover.count > 0 ? `; ratio ${(cutover.p99 / steady.p99).toFixed(2)}×` : "";
  return `${label("p99")} steady ${ms(steady.p99)} (${steady.count} answers), cutover ${ms(cutover.p99)} (${cutover.count} answers)${ratio} — a figure, not a pass mark`;
}

/**
 * In the rollback the watcher sees the broken version answer, then the original again. How long
 * and how much the broken one answered is its exposure (from the first weight change to the
 * rollback). The watcher's "overlap" runs from the first broken answer to the last answer of the
 * original, which after a rollback is the end of watching: it reads like a failure and is not.
 */
export function formatExposure(scenario: ScenarioResult): string | undefined {
  const broken = scenario.summary.versions.find(
    (entry) => entry.version === scenario.answeredVersion,
  );
  if (scenario.expectLive || broken === undefined) return undefined;
  const overlap = scenario.summary.flip?.overlapMs;
  return (
    `${label("Exposure")} broken ${scenario.toVersion} answered ${broken.count} of ${scenario.summary.total} requests for ${broken.lastAt - broken.firstAt} ms, from the first weight change to the rollback; ${scenario.fromVersion} answered the rest.` +
    (overlap === undefined
      ? ""
      : ` The "overlap ${overlap} ms" above runs from the first broken answer to the last ${scenario.fromVersion} answer, which after a rollback is the end of watching: not a failure.`)
  );
}

/** One scenario's report: heading, watcher summary, latency, verdict. */
export function formatScenario(scenario: ScenarioResult): string {
  const heading =
    scenario.name === "cutover"
      ? `== Scenario 1, cutover: ${scenario.fromVersion} → ${scenario.toVersion} (expected live)`
      : `== Scenario 2, rollback: ${scenario.fromVersion} → broken ${scenario.toVersion} answering ${scenario.answeredVersion} (expected not live)`;
  const exposure = formatExposure(scenario);
  const lines = [
    heading,
    ...(scenario.error === undefined ? [] : [`${label("Stopped")} ${scenario.error}`]),
    formatSummary(scenario.summary, { expectFlip: scenario.expectLive }).trimEnd(),
    ...(exposure === undefined ? [] : [exposure]),
    formatLatency(scenario),
    `${label("Live")} ${scenario.verdict.live ? "LIVE" : "NOT LIVE"} in ${scenario.liveCheckMs} ms: ${scenario.verdict.summary}`,
    `${label("Notice")} ${scenario.notice?.text ?? "none received"}` +
      (scenario.flipToNoticeMs === undefined
        ? ""
        : ` (${scenario.flipToNoticeMs} ms after the flip)`),
    `${label("HAProxy")} ${scenario.haproxyRetries} connection retries/redispatches on be_prod`,
    `${label("Scenario")} ${scenario.ok ? "PASS" : `FAIL: ${scenario.problems.join("; ")}`}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** The last timeline event at or before `atMs`: what the rehearsal was doing then. */
function eventBefore(timeline: readonly TimelineEvent[], atMs: number): TimelineEvent | undefined {
  let found: TimelineEvent | undefined;
  for (const event of timeline) if (event.atMs <= atMs) found = event;
  return found;
}

/** Bursts listed in the report; the JSON result lists every failure. */
const MAX_BURSTS_SHOWN = 20;

/** The load's report: rate, latency, CPU, and every failure burst on the timeline. */
export function formatLoad(load: LoadSummary, timeline: readonly TimelineEvent[]): string {
  const failed = deploymentFailures(load);
  const slow = couldNotKeepUp(load);
  const lines = [
    `== Load: autocannon, ${load.connections} keep-alive connections on ${load.url} for ${(load.durationMs / 1000).toFixed(1)} s`,
    `${label("Answers")} ${load.answers} at ${load.rate} req/s (slowest second ${load.minSecondRate}); 2xx latency p50 ${ms(load.p50)}, p99 ${ms(load.p99)}`,
    `${label("CPU")} ${load.cpu.busyPercent} % busy over ${load.cpu.seconds} s, over 95 % in ${load.cpu.saturatedSeconds} of them`,
    `${label("Deployment")} ${failed === 0 ? "failed no request" : `failed ${failed} requests: ${load.non2xx} non-2xx answers, ${load.errors} socket errors`}`,
    `${label("Machine")} ${slow === undefined ? "kept up" : `could not keep up: ${slow}`}`,
  ];
  const bursts = failureBursts(load.failures);
  for (const burst of bursts.slice(0, MAX_BURSTS_SHOWN)) {
    const kinds = Object.entries(burst.kinds)
      .map(([what, count]) => `${what} ×${count}`)
      .join(", ");
    const during = eventBefore(timeline, burst.fromMs);
    lines.push(
      `${label("Failed")} ${seconds(burst.fromMs)} – ${seconds(burst.toMs)}: ${kinds}${during === undefined ? "" : ` (after ${seconds(during.atMs)} ${during.scenario}: ${during.text})`}`,
    );
  }
  if (bursts.length > MAX_BURSTS_SHOWN) {
    lines.push(`${label("Failed")} … ${bursts.length - MAX_BURSTS_SHOWN} more bursts (see --json)`);
  }
  if (load.failuresNotListed > 0) {
    lines.push(`${label("Failed")} ${load.failuresNotListed} more failures counted, not listed`);
  }
  if (load.problem !== undefined) lines.push(`${label("Problem")} ${load.problem}`);
  return `${lines.join("\n")}\n`;
}

/** The closing report. */
export function formatResult(result: RehearsalResult): string {
  const parts = result.scenarios.map(formatScenario);
  for (const entry of result.notRun) {
    parts.push(
      `== Scenario ${entry.name === "cutover" ? 1 : 2}, ${entry.name}: not run — ${entry.reason}\n`,
    );
  }
  if (result.load !== undefined) parts.push(formatLoad(result.load, result.timeline));
  const verdict = result.ok
    ? `PASS: ${result.requests} requests, ${result.failed} failed; v2 went live, broken v3 was rolled back`
    : `FAIL: ${result.problems.join("; ")}`;
  return `\n${parts.join("\n")}\nRehearsal (${(result.wallMs / 1000).toFixed(1)} s): ${verdict}\n`;
}
