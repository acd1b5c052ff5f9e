/**
 * The rehearsal's failure paths, with real processes: each run is short (steady state 400 ms, the
 * watcher at 50 requests a second) and is made to fail one way — a child that dies, a command
 * HAProxy refuses, a live check that fails in the cutover. Each must still end with a report, a
 * FAIL verdict and a clean teardown: every process stopped, the temporary folder removed.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { globalFetch, type FetchLike } from "../../hooks/core/http";
import { main } from "../../tools/rehearse";
import { formatResult } from "../../tools/rehearsal/format";
import { haproxyVersion } from "../../tools/rehearsal/processes";
import type { RuntimeApi } from "../../tools/rehearsal/runtime";
import {
  runRehearsal,
  type RehearsalDeps,
  type RehearsalResult,
  type TimelineEvent,
} from "../../tools/rehearsal/run";
import { loadStackSettings } from "../../tools/rehearsal/stack";

interface Run {
  readonly result: RehearsalResult;
  readonly events: readonly TimelineEvent[];
  readonly tmpRoot: string;
}

const roots: string[] = [];

async function rehearse(deps: (events: TimelineEvent[]) => RehearsalDeps): Promise<Run> {
  const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "greenlight-failure-"));
  roots.push(tmpRoot);
  const events: TimelineEvent[] = [];
  const given = deps(events);
  const result = await runRehearsal(
    { settings: loadStackSettings("dev"), rate: 50, steadyMs: 400, tmpRoot },
    {
      ...given,
      onEvent: (event) => {
        events.push(event);
        given.onEvent?.(event);
      },
    },
  );
  return { result, events, tmpRoot };
}

/** Every pid the timeline names. */
function pids(events: readonly TimelineEvent[]): number[] {
  return events.flatMap((event) =>
    [...event.text.matchAll(/pid (\d+)/g)].map((match) => Number(match[1])),
  );
}

function assertCleanTeardown(run: Run): void {
  const all = pids(run.events);
  assert.ok(all.length >= 2, `pids seen: ${all.join(", ")}`);
  for (const pid of all) {
    assert.throws(() => process.kill(pid, 0), /ESRCH/, `process ${pid} is still running`);
  }
  assert.deepEqual(fs.readdirSync(run.tmpRoot), [], "the temporary folder was removed");
  const last = run.events[run.events.length - 1];
  assert.equal(last?.scenario, "teardown");
  assert.match(last.text, /^stopped \d+ process(es)? in \d+ ms; removed /);
}

function assertFailVerdict(result: RehearsalResult, problem: RegExp): string {
  assert.equal(result.ok, false);
  assert.ok(
    result.problems.some((text) => problem.test(text)),
    `no problem like ${problem.source}: ${result.problems.join("; ")}`,
  );
  const report = formatResult(result);
  assert.match(report, /== Scenario 1, cutover/);
  assert.match(report, /\nRehearsal \(\d+\.\d s\): FAIL: /);
  return report;
}

describe("rehearsal failure paths (HAProxy + app-sample, real processes)", function () {
  this.timeout(120_000);

  before(() => {
    assert.ok(
      haproxyVersion() !== undefined,
      "haproxy is not installed; install it with `sudo apt-get install haproxy` (CI does, via .ci/run)",
    );
  });

  after(() => {
    for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
  });

  it("reports a replacement that dies before it is healthy, skips the rollback and tears down", async () => {
    const run = await rehearse(() => ({
      onEvent: (event) => {
        const started = /^start v0\.0\.2 \(green\).*\(pid (\d+)\)$/.exec(event.text);
        if (started !== null) process.kill(Number(started[1]), "SIGKILL");
      },
    }));
    const report = assertFailVerdict(
      run.result,
      /cutover: stopped early: v0\.0\.2 \(green\) \(pid \d+\) exited unexpectedly \(signal SIGKILL\)/,
    );
    const [cutover] = run.result.scenarios;
    assert.match(cutover?.error ?? "", /exited unexpectedly/);
    assert.match(report, /Stopped {4}v0\.0\.2 \(green\)/);
    assert.equal(run.result.scenarios.length, 1);
    assert.deepEqual(
      run.result.notRun.map((entry) => entry.name),
      ["rollback"],
    );
    assert.match(report, /== Scenario 2, rollback: not run — the cutover stopped: /);
    assertCleanTeardown(run);
  });

  it("reports a weight change HAProxy refuses, with HAProxy's answer, and tears down", async () => {
    const run = await rehearse(() => ({
      wrapApi: (api: RuntimeApi): RuntimeApi => ({
        send: (command) =>
          command === "set server be_prod/green weight 256"
            ? Promise.resolve("No such server.\n")
            : api.send(command),
      }),
    }));
    assertFailVerdict(
      run.result,
      /cutover: stopped early: HAProxy refused "set server be_prod\/green weight 256": No such server\./,
    );
    const [cutover] = run.result.scenarios;
    assert.equal(cutover?.verdict.live, false);
    assert.match(cutover.verdict.summary, /^not reached/);
    // The watcher kept its record up to the failure: blue answered throughout.
    assert.ok(cutover.summary.total > 10, `${cutover.summary.total} requests`);
    assert.equal(cutover.summary.failed, 0);
    assertCleanTeardown(run);
  });

  it("rolls the cutover back when its live check fails, reports it and says why the rollback did not run", async () => {
    let prodUrl: string | undefined;
    const fetch: FetchLike = (url, init) =>
      prodUrl !== undefined && String(url).startsWith(`${prodUrl}/version`)
        ? Promise.resolve(new Response('{"error":"boom"}', { status: 503 }))
        : globalFetch(url, init);
    const run = await rehearse(() => ({
      fetch,
      onEvent: (event) => {
        prodUrl ??= /production (http:\/\/127\.0\.0\.1:\d+)/.exec(event.text)?.[1];
      },
    }));
    const report = assertFailVerdict(
      run.result,
      /cutover: the live check said not live; expected live/,
    );
    const [cutover] = run.result.scenarios;
    assert.equal(cutover?.error, undefined);
    assert.equal(cutover.verdict.live, false);
    assert.equal(cutover.summary.finalVersion, "v0.0.1", "production went back to v0.0.1");
    assert.match(cutover.notice?.text ?? "", /web v0\.0\.2 failed the live check in dev/);
    assert.match(report, /== Scenario 2, rollback: not run — the cutover was rolled back/);
    assertCleanTeardown(run);
  });

  it("exits 1 from the command line with the report and a FAIL verdict when a child dies", async () => {
    let written = "";
    let blue: string | undefined;
    const code = await main(["--steady-ms", "400", "--rate", "50"], {
      stdout: { write: (text: string) => void (written += text) },
      stderr: { write: () => undefined },
      runRehearsal: (options, deps) =>
        rehearse(() => ({
          ...deps,
          onEvent: (event) => {
            deps?.onEvent?.(event);
            blue ??= /^v0\.0\.1 listening .*\(slot blue, pid (\d+)\)$/.exec(event.text)?.[1];
            // Blue dies during the cutover's first steady state, while it serves production.
            if (event.scenario === "cutover" && event.text.startsWith("watcher: ")) {
              process.kill(Number(blue), "SIGKILL");
            }
          },
        })).then((run) => {
          assert.equal(options.load, 0);
          assertCleanTeardown(run);
          return run.result;
        }),
    });
    assert.equal(code, 1);
    assert.match(written, /v0\.0\.1 \(blue\) \(pid \d+\) exited unexpectedly/);
    assert.match(written, /\nRehearsal \(\d+\.\d s\): FAIL: /);
  });
});
