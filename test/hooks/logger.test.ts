import { strict as assert } from "node:assert";
import {
  deadlineSignal,
  raceAbort,
  systemClock,
  DEADLINE_ERROR_NAME,
} from "../../hooks/core/clock";
import { createLogger, createMemoryLogger } from "../../hooks/core/logger";
import { describeError, redactSecrets, secretFragmentsOfUrl } from "../../hooks/core/redact";
import { FakeClock } from "./helpers/fake-clock";

describe("hooks/core logger", () => {
  it("writes one JSON object per line with time, level, event and fields", () => {
    const lines: string[] = [];
    const logger = createLogger({
      sink: (line) => lines.push(line),
      now: () => Date.UTC(2025, 0, 2),
      fields: { fn: "hook" },
    });
    logger.info("probe.start", { url: "http://x/version", attempts: 0 });
    assert.equal(lines.length, 1);
    assert.deepEqual(JSON.parse(lines[0]!), {
      time: "2025-01-02T00:00:00.000Z",
      level: "info",
      event: "probe.start",
      fn: "hook",
      url: "http://x/version",
      attempts: 0,
    });
  });

  it("drops lines below its level", () => {
    const lines: string[] = [];
    const logger = createLogger({ sink: (line) => lines.push(line), level: "warn" });
    logger.debug("a");
    logger.info("b");
    logger.warn("c");
    logger.error("d");
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as { event: string }).event),
      ["c", "d"],
    );
  });

  it("adds a child's fields to its lines and serialises errors", () => {
    const memory = createMemoryLogger();
    const child = memory.logger.child({ deploymentId: "d-1" });
    const error = Object.assign(new Error("boom"), { code: "EBOOM" });
    child.error("hook.check-error", { error });
    assert.deepEqual(memory.events("hook.check-error")[0]?.error, {
      name: "Error",
      message: "boom",
      code: "EBOOM",
    });
    assert.equal(memory.entries()[0]?.deploymentId, "d-1");
  });

  it("redacts a registered secret in every line of the family, raw or JSON-escaped", () => {
    const memory = createMemoryLogger();
    const child = memory.logger.child({ part: "slack" });
    child.addSecret('https://hooks.slack.com/services/T/B/tok"en');
    memory.logger.info("x", { url: 'https://hooks.slack.com/services/T/B/tok"en' });
    child.warn("y", { message: 'failed for https://hooks.slack.com/services/T/B/tok"en!' });
    assert.ok(memory.lines.every((line) => !line.includes("tok")));
    assert.equal(memory.entries()[0]?.url, "[redacted]");
    assert.equal(memory.entries()[1]?.message, "failed for [redacted]!");
  });
});

describe("hooks/core redaction", () => {
  const url = "https://hooks.slack.com/services/T0AAAA/B0BBBB/abcdefghijklmnop";

  it("looks for the URL, its path and its token", () => {
    assert.deepEqual(secretFragmentsOfUrl(url), [
      url,
      "/services/T0AAAA/B0BBBB/abcdefghijklmnop",
      "abcdefghijklmnop",
    ]);
  });

  it("removes every fragment from a text", () => {
    const text = `POST ${url} failed; path /services/T0AAAA/B0BBBB/abcdefghijklmnop; token abcdefghijklmnop`;
    assert.equal(
      redactSecrets(text, secretFragmentsOfUrl(url)),
      "POST [redacted] failed; path [redacted]; token [redacted]",
    );
  });

  it("describes fetch errors with their cause, secrets removed", () => {
    const error = new TypeError("fetch failed", {
      cause: Object.assign(new Error(`connect ECONNREFUSED for ${url}`), { code: "ECONNREFUSED" }),
    });
    assert.equal(
      describeError(error, secretFragmentsOfUrl(url)),
      "TypeError: fetch failed — ECONNREFUSED: connect ECONNREFUSED for [redacted]",
    );
  });
});

describe("hooks/core clock helpers", () => {
  it("aborts a deadline signal after the given time on the clock, with a TimeoutError", async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const deadline = deadlineSignal(clock, 250);
    await new Promise<void>((resolve) =>
      deadline.signal.addEventListener("abort", () => resolve()),
    );
    assert.equal(clock.now() - start, 250);
    assert.equal((deadline.signal.reason as Error).name, DEADLINE_ERROR_NAME);
  });

  it("releases the timer on cancel, so nothing fires later", async () => {
    const clock = new FakeClock();
    const deadline = deadlineSignal(clock, 1000);
    deadline.cancel();
    await clock.sleep(2000);
    assert.equal(deadline.signal.aborted, false);
    assert.equal(clock.pending(), 0);
  });

  it("rejects a raced call as soon as the signal aborts, even if the call never settles", async () => {
    const deadline = deadlineSignal(systemClock, 20);
    const never = new Promise<string>(() => undefined);
    await assert.rejects(raceAbort(never, deadline.signal), { name: DEADLINE_ERROR_NAME });
  });

  it("resolves the system clock's sleep early when its signal aborts", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const sleeping = systemClock.sleep(10_000, controller.signal);
    controller.abort();
    await sleeping;
    assert.ok(Date.now() - started < 1000);
  });
});

describe("hooks/core logger reserved keys", () => {
  it("keeps time, level and event when a field has the same name", () => {
    const memory = createMemoryLogger();
    memory.logger.warn("hook.malformed-event", { event: "overwritten?", level: "debug" });
    const entry = memory.entries()[0];
    assert.equal(entry?.event, "hook.malformed-event");
    assert.equal(entry?.level, "warn");
  });
});
