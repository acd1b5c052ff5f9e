/**
 * The rehearsal end to end, with real processes: HAProxy, app-sample v1, v2 and a broken v3, the
 * watcher at 150 requests a second beside autocannon on 64 keep-alive connections, the live-check
 * core and a local webhook. About 50 s.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { formatLatency } from "../../tools/rehearsal/format";
import { haproxyVersion } from "../../tools/rehearsal/processes";
import type { ReceivedMessage } from "../../tools/rehearsal/receiver";
import {
  RehearsalVersions,
  runRehearsal,
  UNSET_VERSION,
  type RehearsalResult,
  type TimelineEvent,
} from "../../tools/rehearsal/run";
import { loadStackSettings } from "../../tools/rehearsal/stack";

describe("rehearsal end to end (HAProxy + app-sample, real processes)", function () {
  this.timeout(180_000);
  const { v1, v2, v3 } = RehearsalVersions;
  let result: RehearsalResult;
  const events: TimelineEvent[] = [];
  const messages: ReceivedMessage[] = [];
  let tmpRoot: string;

  before(async () => {
    assert.ok(
      haproxyVersion() !== undefined,
      "haproxy is not installed: the rehearsal's end-to-end test needs it. Install it with `sudo apt-get install haproxy` (CI installs it via .ci/run).",
    );
    // The test's own folder: the rehearsal makes its temporary folder in it.
    tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-e2e-"));
    result = await runRehearsal(
      { settings: loadStackSettings("dev"), rate: 150, steadyMs: 10_000, load: 64, tmpRoot },
      { onEvent: (event) => events.push(event), onMessage: (message) => messages.push(message) },
    );
  });

  after(() => {
    fs.rmSync(tmpRoot, { recursive: true, force: true });
  });

  it("drops no request out of more than 5,000 across the cutover, SIGTERM of blue and the rollback", () => {
    assert.ok(result.requests >= 5000, `only ${result.requests} requests`);
    const load = result.load ?? assert.fail("no load figures");
    assert.equal(load.connections, 64);
    assert.ok(load.answers > 1000, `the load made ${load.answers} requests`);
    assert.equal(load.non2xx, 0, JSON.stringify(load.failures.slice(0, 20)));
    assert.equal(load.errors, 0, JSON.stringify(load.failures.slice(0, 20)));
    assert.equal(load.timeouts, 0);
    assert.deepEqual(load.failures, []);
    assert.equal(load.problem, undefined);
    assert.equal(result.failed, 0, JSON.stringify(result.scenarios.map((s) => s.summary.failures)));
    for (const scenario of result.scenarios) {
      assert.equal(
        scenario.summary.failed,
        0,
        `${scenario.name}: ${JSON.stringify(scenario.summary.failures)}`,
      );
      assert.equal(
        scenario.stoppedExit?.code,
        0,
        `${scenario.name}: the stopped process drained cleanly`,
      );
    }
    assert.deepEqual(result.problems, []);
    assert.equal(result.ok, true);
  });

  it("observes the flip: v1, then v2, and v2 stays", () => {
    const [cutover] = result.scenarios;
    assert.equal(cutover?.name, "cutover");
    const summary = cutover.summary;
    assert.deepEqual(
      summary.versions.map((entry) => entry.version),
      [v1, v2],
    );
    assert.equal(summary.flipped, true);
    assert.equal(summary.finalVersion, v2);
    assert.ok((summary.versions[0]?.count ?? 0) > 500 && (summary.versions[1]?.count ?? 0) > 500);
    assert.equal(cutover.verdict.live, true, cutover.verdict.summary);
    assert.ok(cutover.verdict.summary.includes("the 1 target is healthy"), cutover.verdict.summary);
    // AllAtOnce in dev: one step, everything to green.
    assert.deepEqual(cutover.steps, [{ atMs: 0, greenWeightPercent: 100 }]);
  });

  it("posts the live notice to the local webhook, naming the service, environment and version", () => {
    const notice = result.scenarios[0]?.notice;
    assert.ok(notice !== undefined, "no live notice");
    assert.match(notice.text, /web v0\.0\.2 is live in dev/);
    assert.ok(notice.blockTypes.includes("header") && notice.blockTypes.includes("section"));
    assert.equal(messages[0]?.text, notice.text);
    const flipToNotice = result.scenarios[0]?.flipToNoticeMs ?? Number.NaN;
    assert.ok(flipToNotice > 0 && flipToNotice < 10_000, `flip → notice ${flipToNotice} ms`);
  });

  it("rolls the broken v3 back: not live, traffic back on v2, failure notice received", () => {
    const rollback = result.scenarios[1];
    assert.equal(rollback?.name, "rollback");
    assert.equal(rollback.toVersion, v3);
    assert.equal(rollback.answeredVersion, UNSET_VERSION);
    assert.equal(rollback.verdict.live, false);
    assert.equal(rollback.verdict.failedCheck, "version");
    // The watcher saw the broken build answer, then v2 again to the end.
    assert.deepEqual(
      rollback.summary.versions.map((entry) => entry.version),
      [v2, UNSET_VERSION],
    );
    assert.equal(rollback.summary.finalVersion, v2);
    assert.equal(rollback.summary.flipped, false);
    const notice = rollback.notice;
    assert.ok(notice !== undefined, "no failure notice");
    assert.match(notice.text, /web v0\.0\.3 failed the live check in dev/);
    assert.match(notice.text, /back on v0\.0\.2/);
    assert.equal(messages.length, 2);
  });

  it("prints the timeline in order and cleans up every process and temp dir", () => {
    const texts = events.map((event) => event.text);
    const order = [
      /v0\.0\.1 listening/,
      /start v0\.0\.2 \(green\)/,
      /v0\.0\.2 \(green\) healthy in HAProxy/,
      /test listener .* routes to green: 200 v0\.0\.2 ×100/,
      /weights blue 0 \/ green 256/,
      /live check: LIVE/,
      /live notice posted: HTTP 200/,
      /v0\.0\.1 \(blue\) drained/,
      /SIGTERM v0\.0\.1/,
      /v0\.0\.1 \(blue\) exited with code 0/,
      /start v0\.0\.3 \(blue\)/,
      /live check: NOT LIVE/,
      /rollback: weights green 256 \/ blue 0/,
      /SIGTERM v0\.0\.3/,
      /failure notice posted: HTTP 200/,
      /stopped 2 processes/,
    ];
    let from = 0;
    for (const pattern of order) {
      const index = texts.findIndex((text, i) => i >= from && pattern.test(text));
      assert.ok(index >= 0, `no "${pattern.source}" after event ${from}:\n${texts.join("\n")}`);
      from = index + 1;
    }
    const pids = texts
      .filter((text) => !text.startsWith("load: "))
      .flatMap((text) => [...text.matchAll(/pid (\d+)/g)].map((m) => Number(m[1])));
    assert.equal(new Set(pids).size, 3, `app-sample pids: ${pids.join(", ")}`);
    for (const pid of pids) {
      assert.throws(() => process.kill(pid, 0), /ESRCH/, `process ${pid} is still running`);
    }
    assert.match(texts.join("\n"), /load: autocannon, 64 keep-alive connections/);
    const loadPid = Number(/load: autocannon.*\(pid (\d+)\)/.exec(texts.join("\n"))?.[1]);
    assert.throws(() => process.kill(loadPid, 0), /ESRCH/, "the load generator is still running");
    assert.deepEqual(fs.readdirSync(tmpRoot), [], "the rehearsal's temporary folder was removed");
  });

  it("runs HAProxy's checks from the dev target groups: every 200 ms (5 s scaled, floored), 4 s timeout, 2 and 2", () => {
    assert.deepEqual(result.check, {
      interMs: 200,
      timeoutMs: 4000,
      rise: 2,
      fall: 2,
      expectStatus: "200-299",
    });
  });

  it("measures p99 in both windows from enough answers, and reports it as a figure", () => {
    const cutover = result.scenarios[0] ?? assert.fail("no cutover");
    const { steady, cutover: during } = cutover.latency;
    assert.ok(steady.count > 1000, `steady samples ${steady.count}`);
    assert.ok(during.count > 30, `cutover samples ${during.count}`);
    assert.ok(steady.p99 > 0 && during.p99 > 0);
    // No pass mark on the ratio: it is printed as a figure (see formatLatency).
    assert.match(formatLatency(cutover), /ratio \d+\.\d\d× — a figure, not a pass mark$/);
  });
});
