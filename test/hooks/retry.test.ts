import { strict as assert } from "node:assert";
import { backoffDelay, RetryDefaults, retryWithin } from "../../hooks/core/retry";
import { FakeClock } from "./helpers/fake-clock";

const transient = Object.assign(new Error("503"), { name: "ServiceUnavailable" });
const throttled = Object.assign(new Error("slow down"), { name: "Throttling" });
const final = Object.assign(new Error("no"), { name: "AccessDenied" });
const classify = (error: unknown) =>
  error === throttled ? "throttled" : error === final ? "stop" : "retry";

describe("hooks/core/retry", () => {
  it("backs off exponentially with full jitter, capped, and at least the throttle pause", () => {
    assert.equal(backoffDelay(0, "retry", RetryDefaults, 1), 200);
    assert.equal(backoffDelay(3, "retry", RetryDefaults, 1), 1600);
    assert.equal(backoffDelay(10, "retry", RetryDefaults, 1), 5000);
    assert.equal(backoffDelay(3, "retry", RetryDefaults, 0.5), 800);
    assert.equal(backoffDelay(0, "throttled", RetryDefaults, 0), 1000);
    assert.equal(backoffDelay(0, "retry", RetryDefaults, 0), 50, "never 0: no spinning");
  });

  it("retries transient failures until one succeeds, and says an earlier attempt may have landed", async () => {
    const clock = new FakeClock();
    let calls = 0;
    const result = await retryWithin(
      {
        attempt: async () => {
          calls += 1;
          if (calls < 4) throw transient;
          return "done";
        },
        classify,
        stopBy: clock.now() + 30_000,
      },
      { clock, random: () => 1 },
    );
    assert.deepEqual(result, { ok: true, value: "done", attempts: 4, uncertain: true });
    assert.deepEqual(
      clock.sleeps.filter((ms) => ms >= 200 && ms < RetryDefaults.attemptTimeoutMs),
      [200, 400, 800],
    );
  });

  it("does not count throttled attempts as possibly landed, and waits at least the throttle pause", async () => {
    const clock = new FakeClock();
    let calls = 0;
    const result = await retryWithin(
      {
        attempt: async () => {
          calls += 1;
          if (calls < 3) throw throttled;
          return 1;
        },
        classify,
        stopBy: clock.now() + 30_000,
      },
      { clock, random: () => 0 },
    );
    assert.deepEqual(result, { ok: true, value: 1, attempts: 3, uncertain: false });
    assert.deepEqual(
      clock.sleeps.filter((ms) => ms >= 1000 && ms < RetryDefaults.attemptTimeoutMs),
      [1000, 1000],
    );
  });

  it("stops at once on a final error", async () => {
    const clock = new FakeClock();
    const result = await retryWithin(
      { attempt: () => Promise.reject(final), classify, stopBy: clock.now() + 30_000 },
      { clock },
    );
    assert.equal(result.ok, false);
    assert.equal(result.attempts, 1);
    assert.equal(!result.ok && result.reason, "final");
  });

  it("abandons a hung attempt at the attempt timeout and retries it", async () => {
    const clock = new FakeClock();
    const started: number[] = [];
    const result = await retryWithin(
      {
        attempt: (signal, index) => {
          started.push(clock.now());
          if (index === 0) {
            return new Promise<string>((_resolve, reject) =>
              signal.addEventListener("abort", () => reject(signal.reason)),
            );
          }
          return Promise.resolve("second");
        },
        classify: () => "retry",
        stopBy: clock.now() + 30_000,
        policy: { attemptTimeoutMs: 700 },
      },
      { clock, random: () => 0 },
    );
    assert.deepEqual(result, { ok: true, value: "second", attempts: 2, uncertain: true });
    assert.equal(started[1]! - started[0]!, 750, "the 700 ms attempt timeout, then a 50 ms pause");
  });

  it("keeps retrying for the whole window, fitting a last attempt before it ends", async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const at: number[] = [];
    const result = await retryWithin(
      {
        attempt: () => {
          at.push(clock.now() - start);
          return Promise.reject(transient);
        },
        classify,
        stopBy: start + 20_000,
      },
      { clock, random: () => 1 },
    );
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, "window");
    assert.equal(at.at(-1), 19_000, "the last attempt starts a second before the window ends");
    assert.ok(at.length >= 7 && at.length <= 12, `${at.length} attempts`);
  });

  it("makes no attempt when the window is already over", async () => {
    const clock = new FakeClock();
    let calls = 0;
    const result = await retryWithin(
      { attempt: async () => ++calls, classify, stopBy: clock.now() - 1 },
      { clock },
    );
    assert.equal(calls, 0);
    assert.equal(result.ok, false);
    assert.equal(result.attempts, 0);
  });
});
