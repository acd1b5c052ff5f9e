import * as assert from "node:assert/strict";

import { formatExposure, formatLatency, formatLoad } from "../../tools/rehearsal/format";
import type { ScenarioResult } from "../../tools/rehearsal/run";
import { summarise, type WatchRecord } from "../../tools/watcher/summary";
import { loadSummary } from "./fixtures";

const summary = loadSummary;

function answers(version: string, from: number, count: number): WatchRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    t: from + i * 10,
    status: 200,
    latencyMs: 2,
    version,
  }));
}

function rollback(records: readonly WatchRecord[]): ScenarioResult {
  return {
    name: "rollback",
    fromVersion: "v0.0.2",
    toVersion: "v0.0.3",
    answeredVersion: "0.0.0-dev",
    expectLive: false,
    summary: summarise(records),
    latency: {
      steady: { count: 1300, p50: 3, p99: 12 },
      cutover: { count: 600, p50: 4, p99: 30 },
    },
  } as unknown as ScenarioResult;
}

describe("rehearsal report", () => {
  it("prints each burst at its time, after the step the rehearsal was in", () => {
    const text = formatLoad(
      summary({
        non2xx: 2,
        failures: [
          { atMs: 11_600, what: "HTTP 503" },
          { atMs: 11_650, what: "HTTP 503" },
        ],
      }),
      [
        { scenario: "cutover", atMs: 10_000, text: "start v0.0.2 (green)" },
        {
          scenario: "cutover",
          atMs: 11_543,
          text: "weights blue 0 / green 256 (100 % to the replacement)",
        },
      ],
    );
    assert.match(text, /^Deployment failed 2 requests: 2 non-2xx answers, 0 socket errors$/m);
    assert.match(
      text,
      /^Failed {5}\+11\.600 s – \+11\.650 s: HTTP 503 ×2 \(after \+11\.543 s cutover: weights blue 0 \/ green 256/m,
    );
    assert.match(formatLoad(summary(), []), /^Machine {4}kept up$/m);
  });

  it("prints p99 with its sample counts and the ratio as a figure, without a pass mark", () => {
    const line = formatLatency(rollback(answers("v0.0.2", 0, 3)));
    assert.equal(
      line,
      "p99        steady 12 ms (1300 answers), cutover 30 ms (600 answers); ratio 2.50× — a figure, not a pass mark",
    );
    assert.ok(!/PASS|FAIL/.test(line));
  });

  it("says what the rollback's overlap is: v2 answering again until the end, not a failure", () => {
    const records = [
      ...answers("v0.0.2", 0, 100), // 0 – 990 ms
      ...answers("0.0.0-dev", 1000, 30), // 1000 – 1290 ms: the broken build
      ...answers("v0.0.2", 1300, 500), // back on v2 until 6290 ms
    ];
    const text = formatExposure(rollback(records)) ?? assert.fail("no exposure line");
    assert.match(text, /^Exposure {3}broken v0\.0\.3 answered 30 of 630 requests for 290 ms/);
    assert.match(
      text,
      /The "overlap 5290 ms" above runs from the first broken answer to the last v0\.0\.2 answer, which after a rollback is the end of watching: not a failure\.$/,
    );
    const cutover = { ...rollback(records), expectLive: true } as ScenarioResult;
    assert.equal(formatExposure(cutover), undefined);
  });
});
