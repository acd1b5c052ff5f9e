/**
 * The rehearsal end to end with the Amazon ECS engine (`--engine ecs`), real processes: HAProxy as
 * the one shared listener routing by host name, app-sample v1, v2 and a broken v3, the watcher
 * beside autocannon on 64 keep-alive connections (both with the service's Host header), the ECS
 * lifecycle hook's real core driven through its IN_PROGRESS protocol, a local webhook. The last
 * weight change reaches HAProxy 1.5 s after the hook is first invoked (a rule change that lands
 * late) and each invocation checks for 1 s, so the cutover needs more than one invocation to
 * prove v2. About 45 s.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

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

describe("rehearsal end to end, Amazon ECS engine (HAProxy host rules + the ECS hook, real processes)", function () {
  this.timeout(180_000);
  const { v1, v2, v3 } = RehearsalVersions;
  let result: RehearsalResult;
  const events: TimelineEvent[] = [];
  const messages: ReceivedMessage[] = [];
  let tmpRoot: string;

  before(async () => {
    assert.ok(
      haproxyVersion() !== undefined,
      "haproxy is not installed (CI installs it via .ci/run)",
    );
    tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-e2e-ecs-"));
    result = await runRehearsal(
      {
        settings: loadStackSettings("dev"),
        engine: "ecs",
        rate: 150,
        steadyMs: 6000,
        load: 64,
        tmpRoot,
        ecs: { invocationBudgetMs: 1000, ruleChangeLagMs: 1500 },
      },
      { onEvent: (event) => events.push(event), onMessage: (message) => messages.push(message) },
    );
  });

  after(() => {
    fs.rmSync(tmpRoot, { recursive: true, force: true });
  });

  it("drops no request of the watcher or the load across the cutover, the bake, clean-up and the rollback", () => {
    const load = result.load ?? assert.fail("no load figures");
    assert.equal(load.connections, 64);
    assert.ok(load.answers > 1000, `the load made ${load.answers} requests`);
    assert.deepEqual(load.failures, []);
    assert.equal(load.non2xx + load.errors + load.timeouts, 0);
    assert.equal(result.failed, 0, JSON.stringify(result.scenarios.map((s) => s.summary.failures)));
    assert.deepEqual(result.problems, []);
    assert.equal(result.ok, true);
    assert.equal(result.engine, "ecs");
    assert.match(result.shifting, /^BLUE_GREEN: 100 % at once; bake 0 min/);
  });

  it("reaches the service through the shared listener by its host name; no rule, no service", () => {
    const texts = events.map((event) => event.text).join("\n");
    assert.match(
      texts,
      /listener rules: web\.rehearsal\.local → be_prod_web \(priority 10\), orders\.rehearsal\.local → be_prod_orders \(priority 20\); otherwise 404\. Host web\.rehearsal\.local: 200 v0\.0\.1; Host 127\.0\.0\.1 \(no rule\): 404/,
    );
    assert.match(texts, /watcher: 150 req\/s on http:\/\/web\.rehearsal\.local:\d+\/version/);
    assert.match(
      texts,
      /load: autocannon, 64 keep-alive connections .*\(Host web\.rehearsal\.local, to 127\.0\.0\.1\)/,
    );
    assert.match(
      texts,
      /test listener http:\/\/web\.rehearsal\.local:\d+\/version routes to green: 200 v0\.0\.2 ×100/,
    );
    assert.match(texts, /registered 127\.0\.0\.1:\d+ as green in be_prod_web and be_test_web/);
  });

  it("proves v2 over several hook invocations: IN_PROGRESS while the old version answers, then SUCCEEDED", () => {
    const [cutover] = result.scenarios;
    assert.equal(cutover?.name, "cutover");
    const hook = cutover.hook ?? assert.fail("no hook summary");
    assert.equal(hook.stage, "POST_PRODUCTION_TRAFFIC_SHIFT");
    assert.ok(hook.answers.length >= 2, `answers ${hook.answers.join(", ")}`);
    assert.equal(hook.answers[0], "IN_PROGRESS");
    assert.deepEqual(new Set(hook.answers.slice(0, -1)), new Set(["IN_PROGRESS"]));
    assert.equal(hook.answers[hook.answers.length - 1], "SUCCEEDED");
    assert.equal(hook.releaseRecord, "/greenlight/dev/web/live");
    assert.equal(cutover.verdict.live, true, cutover.verdict.summary);
    assert.deepEqual(
      cutover.summary.versions.map((entry) => entry.version),
      [v1, v2],
    );
    const texts = events.map((event) => event.text);
    const first = texts.find((text) => /invocation 1: IN_PROGRESS/.test(text)) ?? "";
    // The hook's 1 s call-back delay, one minute lasting 1 s: about 17 ms.
    assert.match(first, /callBackDelay 1 s → invoked again after 17 ms/);
    // The check's state rode in hookDetails: the verdict counts every invocation's requests.
    assert.ok(hook.attempts > 5, `attempts ${hook.attempts}`);
  });

  it("posts the hook's own live notice once, then bakes, then cleans blue up", () => {
    const notice = result.scenarios[0]?.notice ?? assert.fail("no live notice");
    assert.match(notice.text, /web v0\.0\.2 is live in dev/);
    const texts = events.map((event) => event.text);
    const order = [
      /weights blue 0 \/ green 256/,
      /live check: LIVE after \d+ ms, \d+ hook invocations \(IN_PROGRESS, .*SUCCEEDED\)/,
      /live notice posted by the hook: HTTP 200 after 1 attempt; release record \/greenlight\/dev\/web\/live written/,
      /bake time: v0\.0\.1 \(blue\) kept at weight 0 for 0 ms/,
      /SIGTERM v0\.0\.1/,
      /v0\.0\.1 \(blue\) exited with code 0/,
    ];
    let from = 0;
    for (const pattern of order) {
      const index = texts.findIndex((text, i) => i >= from && pattern.test(text));
      assert.ok(index >= 0, `no "${pattern.source}" after event ${from}:\n${texts.join("\n")}`);
      from = index + 1;
    }
  });

  it("rolls the broken v3 back under ECS: the hook fails it after IN_PROGRESS, the weights flip back to v2", () => {
    const rollback = result.scenarios[1] ?? assert.fail("no rollback scenario");
    assert.equal(rollback.toVersion, v3);
    assert.equal(rollback.answeredVersion, UNSET_VERSION);
    assert.equal(rollback.verdict.live, false);
    assert.equal(rollback.verdict.failedCheck, "version");
    const hook = rollback.hook ?? assert.fail("no hook summary");
    assert.ok(hook.answers.length >= 2, `answers ${hook.answers.join(", ")}`);
    assert.equal(hook.answers[hook.answers.length - 1], "FAILED");
    assert.equal(hook.releaseRecord, undefined);
    assert.equal(rollback.summary.finalVersion, v2);
    assert.match(rollback.notice?.text ?? "", /web v0\.0\.3 failed the live check in dev/);
    assert.match(rollback.notice?.text ?? "", /Amazon ECS is rolling back/);
    assert.equal(messages.length, 2, "one notice per deployment");
    const texts = events.map((event) => event.text).join("\n");
    assert.match(texts, /rollback: weights green 256 \/ blue 0 \(0 % to the replacement\)/);
    assert.match(texts, /v0\.0\.3 \(blue\) exited with code 0/);
    assert.deepEqual(fs.readdirSync(tmpRoot), [], "the rehearsal's temporary folder was removed");
  });
});
