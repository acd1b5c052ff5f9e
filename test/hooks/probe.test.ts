import { strict as assert } from "node:assert";
import { createMemoryLogger } from "../../hooks/core/logger";
import {
  describeSeen,
  parseVersionDocument,
  probeVersion,
  resolveProbeSettings,
  type Observation,
  type ProbeRequest,
} from "../../hooks/core/probe";
import { FakeClock } from "./helpers/fake-clock";
import { scriptedFetch, times, type Scripted } from "./helpers/fake-fetch";

const URL_ = "http://shop.test/version";
const OLD = { version: "1.0.0" } as const;
const NEW = { version: "1.1.0" } as const;

async function run(script: readonly Scripted[], settings: Partial<ProbeRequest> = {}) {
  const clock = new FakeClock();
  const { fetch, calls } = scriptedFetch(clock, script);
  const observed: { observation: Observation; streak: number }[] = [];
  const start = clock.now();
  const result = await probeVersion(
    {
      url: URL_,
      expectedVersion: NEW.version,
      consecutive: 3,
      intervalMs: 1000,
      timeoutMs: 2000,
      deadlineMs: 30_000,
      ...settings,
    },
    {
      clock,
      fetch,
      onObservation: (observation, streak) => observed.push({ observation, streak }),
    },
  );
  return { result, calls, observed, clock, start };
}

describe("hooks/core probeVersion", () => {
  it("is live after N consecutive answers with the expected version, N-1 intervals after the first", async () => {
    const { result, calls } = await run([NEW], { consecutive: 5 });
    assert.equal(result.live, true);
    assert.equal(result.attempts, 5);
    assert.equal(result.streak, 5);
    assert.equal(result.elapsedMs, 4000);
    assert.deepEqual(
      calls.map((call) => call.at - calls[0]!.at),
      [0, 1000, 2000, 3000, 4000],
    );
    assert.deepEqual(result.seen.versions, { "1.1.0": 5 });
    assert.equal(result.document?.version, "1.1.0");
  });

  it("does not call it live while old and new versions interleave, only after a clean streak", async () => {
    const flapping: Scripted[] = [OLD, NEW, OLD, NEW, NEW, OLD, NEW, NEW, NEW];
    const { result, observed } = await run(flapping, { consecutive: 3 });
    assert.equal(result.live, true);
    assert.equal(result.attempts, 9, "live exactly at the third new answer in a row");
    assert.deepEqual(
      observed.map((o) => o.streak),
      [0, 1, 0, 1, 2, 0, 1, 2, 3],
    );
    assert.deepEqual(result.seen.versions, { "1.0.0": 3, "1.1.0": 6 });
    assert.equal(result.bestStreak, 3);
  });

  it("is not live when the new version never answers, stopping at the deadline", async () => {
    const { result, calls } = await run([OLD], { deadlineMs: 10_000 });
    assert.equal(result.live, false);
    assert.ok(!result.live);
    assert.equal(result.stop, "deadline");
    assert.equal(
      calls.length,
      10,
      "requests at 0, 1 s … 9 s; the 10 s one would be at the deadline",
    );
    assert.equal(result.elapsedMs, 9000);
    assert.deepEqual(result.seen.versions, { "1.0.0": 10 });
    assert.equal(result.bestStreak, 0);
    assert.match(result.reason, /3 answers in a row with version 1\.1\.0 were not seen/);
    assert.match(result.reason, /last answer: 1\.0\.0 \(HTTP 200\)/);
    assert.equal(result.last.length, 10);
  });

  it("resets the streak on an error status, garbage JSON, a network error and a timeout", async () => {
    const script: Scripted[] = [
      NEW,
      NEW,
      { status: 500, body: "boom" },
      NEW,
      NEW,
      { status: 200, body: "<html>not json</html>" },
      NEW,
      NEW,
      { network: "connect ECONNREFUSED 10.0.0.1:80" },
      NEW,
      NEW,
      { hang: true },
      NEW,
      NEW,
      NEW,
    ];
    const { result, observed } = await run(script, { consecutive: 3 });
    assert.equal(result.live, true);
    assert.equal(result.attempts, 15);
    assert.deepEqual(
      observed.map((o) => o.streak),
      [1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 3],
    );
    assert.deepEqual(result.seen.errors, {
      "http-status": 1,
      "bad-json": 1,
      network: 1,
      timeout: 1,
    });
    assert.equal(result.seen.statuses["500"], 1);
    const kinds = observed.map((o) => o.observation.kind);
    assert.deepEqual(
      kinds.filter((kind) => kind !== "version"),
      ["http-status", "bad-json", "network", "timeout"],
    );
    const network = observed[8]!.observation;
    assert.equal(network.kind, "network");
    assert.match(network.kind === "network" ? network.detail : "", /ECONNREFUSED/);
    assert.match(describeSeen(result.seen), /HTTP 500 ×1/);
  });

  it("counts a request with no answer as a timeout after timeoutMs and goes on at once", async () => {
    const { result, observed, calls } = await run([{ hang: true }, NEW], {
      consecutive: 2,
      timeoutMs: 2500,
      intervalMs: 1000,
    });
    assert.equal(result.live, true);
    const first = observed[0]!.observation;
    assert.equal(first.kind, "timeout");
    assert.equal(first.durationMs, 2500);
    assert.deepEqual(
      calls.map((call) => call.at - calls[0]!.at),
      [0, 2500, 3500],
      "the interval counts from the start of a request, so a slow one is followed at once",
    );
    assert.ok(calls[0]!.init?.signal?.aborted, "the hung request was aborted");
  });

  it("does not let a slow answer run past the deadline", async () => {
    const { result, clock, start } = await run([{ hang: true }], {
      deadlineMs: 3000,
      timeoutMs: 2000,
    });
    assert.equal(result.live, false);
    assert.equal(result.attempts, 2, "the second request is cut to the 1000 ms that remain");
    assert.equal(clock.now() - start, 3000);
  });

  it("stops by the caller's stopBy even when deadlineMs is longer", async () => {
    const clock = new FakeClock();
    const { fetch, calls } = scriptedFetch(clock, [OLD]);
    const result = await probeVersion(
      {
        url: URL_,
        expectedVersion: "1.1.0",
        intervalMs: 1000,
        deadlineMs: 240_000,
        stopBy: clock.now() + 3500,
      },
      { clock, fetch },
    );
    assert.equal(result.live, false);
    assert.equal(calls.length, 4);
    assert.ok(!result.live && result.stop === "deadline");
  });

  it("makes no request when the time is already up", async () => {
    const clock = new FakeClock();
    const { fetch, calls } = scriptedFetch(clock, [NEW]);
    const result = await probeVersion(
      { url: URL_, expectedVersion: "1.1.0", stopBy: clock.now() - 1 },
      { clock, fetch },
    );
    assert.equal(calls.length, 0);
    assert.ok(!result.live);
    assert.equal(result.stop, "no-time");
    assert.match(result.reason, /no time was left/);
  });

  it("asks for JSON without caches and logs a line only when the answer changes", async () => {
    const clock = new FakeClock();
    const { fetch, calls } = scriptedFetch(clock, [OLD, OLD, OLD, NEW]);
    const memory = createMemoryLogger();
    await probeVersion(
      { url: URL_, expectedVersion: "1.1.0", consecutive: 2, intervalMs: 10 },
      { clock, fetch, logger: memory.logger },
    );
    assert.equal(calls[0]!.init?.headers?.accept, "application/json");
    assert.equal(calls[0]!.init?.headers?.["cache-control"], "no-cache");
    assert.deepEqual(
      memory.events("probe.change").map((entry) => entry.version),
      ["1.0.0", "1.1.0"],
    );
    const done = memory.events("probe.done");
    assert.equal(done.length, 1);
    assert.equal(done[0]!.live, true);
  });

  it("keeps only the last ten answers", async () => {
    const { result } = await run([...times(14, OLD), NEW], { consecutive: 1 });
    assert.equal(result.attempts, 15);
    assert.equal(result.last.length, 10);
    assert.equal(result.last[0]!.attempt, 6);
  });
});

describe("hooks/core parseVersionDocument", () => {
  it("accepts an object with a string version", () => {
    const answer = parseVersionDocument('{"version":"2.0.0","commit":"abc"}', 200);
    assert.equal(answer.kind, "version");
    assert.equal(answer.kind === "version" ? answer.document.commit : "", "abc");
  });

  it("calls a non-JSON body, a JSON array and a missing version bad JSON", () => {
    assert.equal(parseVersionDocument("<html>", 200).kind, "bad-json");
    assert.equal(parseVersionDocument("[1,2]", 200).kind, "bad-json");
    const missing = parseVersionDocument('{"version": 3}', 200);
    assert.equal(missing.kind, "bad-json");
    assert.match(missing.kind === "bad-json" ? missing.detail : "", /no string "version"/);
  });
});

describe("hooks/core resolveProbeSettings", () => {
  it("applies the defaults", () => {
    assert.deepEqual(resolveProbeSettings({}), {
      consecutive: 5,
      intervalMs: 1000,
      timeoutMs: 2000,
      deadlineMs: 240_000,
    });
  });

  it("keeps an explicit 0 interval instead of replacing it with the default", () => {
    assert.equal(resolveProbeSettings({ intervalMs: 0 }).intervalMs, 0);
  });

  it("rejects a streak of 0 and a fractional timeout, naming the setting", () => {
    assert.throws(() => resolveProbeSettings({ consecutive: 0 }), /consecutive is 0/);
    assert.throws(() => resolveProbeSettings({ timeoutMs: 1.5 }), /timeoutMs is 1\.5/);
  });
});
