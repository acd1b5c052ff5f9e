/**
 * The rehearsal's report for people: timeline lines, the webhook messages, and per scenario the
 * watcher's summary, latency windows and verdict. Pure.
 */

import { formatSummary } from "../watcher/format";
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

/** One scenario's report: heading, watcher summary, latency, verdict. */
export function formatScenario(scenario: ScenarioResult): string {
  const heading =
    scenario.name === "cutover"
      ? `== Scenario 1, cutover: ${scenario.fromVersion} → ${scenario.toVersion} (expected live)`
      : `== Scenario 2, rollback: ${scenario.fromVersion} → broken ${scenario.toVersion} answering ${scenario.answeredVersion} (expected not live)`;
  const { steady, cutover } = scenario.latency;
  const ratio = steady.p99 > 0 ? ` (${(cutover.p99 / steady.p99).toFixed(2)}×)` : "";
  const lines = [
    heading,
    formatSummary(scenario.summary, { expectFlip: scenario.expectLive }).trimEnd(),
    `${"p99".padEnd(10)} steady ${ms(steady.p99)} (${steady.count}), cutover ${ms(cutover.p99)} (${cutover.count})${ratio}`,
    `${"Live".padEnd(10)} ${scenario.verdict.live ? "LIVE" : "NOT LIVE"} in ${scenario.liveCheckMs} ms: ${scenario.verdict.summary}`,
    `${"Notice".padEnd(10)} ${scenario.notice?.text ?? "none received"}` +
      (scenario.flipToNoticeMs === undefined
        ? ""
        : ` (${scenario.flipToNoticeMs} ms after the flip)`),
    `${"HAProxy".padEnd(10)} ${scenario.haproxyRetries} connection retries/redispatches on be_prod`,
    `${"Scenario".padEnd(10)} ${scenario.ok ? "PASS" : `FAIL: ${scenario.problems.join("; ")}`}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** The closing report. */
export function formatResult(result: RehearsalResult): string {
  const scenarios = result.scenarios.map(formatScenario).join("\n");
  const verdict = result.ok
    ? `PASS: ${result.requests} requests, ${result.failed} failed; v2 went live, broken v3 was rolled back`
    : `FAIL: ${result.problems.join("; ")}`;
  return `\n${scenarios}\nRehearsal (${(result.wallMs / 1000).toFixed(1)} s): ${verdict}\n`;
}
