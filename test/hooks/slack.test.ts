import { strict as assert } from "node:assert";
import { createMemoryLogger } from "../../hooks/core/logger";
import type { SlackMessage } from "../../hooks/core/notify";
import {
  parseRetryAfter,
  postToSlack,
  slackRetryDecision,
  type SlackAttempt,
  type SlackPostOptions,
} from "../../hooks/core/slack";
import { FakeClock } from "./helpers/fake-clock";
import { scriptedFetch, type Scripted } from "./helpers/fake-fetch";

const WEBHOOK = "https://hooks.slack.com/services/T0AAAA/B0BBBB/xoxSecretToken123456";
const payload: SlackMessage = { text: "hello", blocks: [] };
const answer = (status: number, body = "", retryAfter?: string): SlackAttempt => ({
  kind: "response",
  status,
  body,
  ...(retryAfter === undefined ? {} : { retryAfter }),
});

async function post(script: Scripted[], options: SlackPostOptions = {}) {
  const clock = new FakeClock();
  const { fetch, calls } = scriptedFetch(clock, script);
  const memory = createMemoryLogger();
  const start = clock.now();
  const result = await postToSlack(
    WEBHOOK,
    payload,
    { fetch, clock, logger: memory.logger },
    options,
  );
  const logs = memory.lines.join("\n");
  assert.ok(!logs.includes("xoxSecretToken123456"), "the webhook token never reaches a log line");
  assert.ok(!logs.includes("/services/"), "nor does the webhook path");
  assert.ok(!JSON.stringify(result).includes("xoxSecretToken123456"), "nor the result");
  return { result, calls, clock, memory, elapsed: clock.now() - start };
}

describe("hooks/core slackRetryDecision", () => {
  it("is done on 200 ok", () => {
    assert.deepEqual(slackRetryDecision(answer(200, "ok"), 1), { action: "done" });
  });

  it("waits Retry-After seconds on 429, or a second when the header is missing", () => {
    assert.deepEqual(slackRetryDecision(answer(429, "", "7"), 1), {
      action: "retry",
      delayMs: 7000,
    });
    assert.deepEqual(slackRetryDecision(answer(429, ""), 1), { action: "retry", delayMs: 1000 });
    assert.deepEqual(
      slackRetryDecision(answer(429, "", "120"), 1),
      { action: "retry", delayMs: 30_000 },
      "capped",
    );
  });

  it("backs off exponentially on 5xx, timeouts and network errors", () => {
    assert.deepEqual(slackRetryDecision(answer(503), 1), { action: "retry", delayMs: 500 });
    assert.deepEqual(slackRetryDecision({ kind: "network", detail: "ECONNRESET" }, 2), {
      action: "retry",
      delayMs: 1000,
    });
    assert.deepEqual(
      slackRetryDecision({ kind: "timeout", detail: "" }, 2, { maxAttempts: 5, baseDelayMs: 100 }),
      {
        action: "retry",
        delayMs: 200,
      },
    );
  });

  it("gives up after the last attempt", () => {
    assert.deepEqual(slackRetryDecision(answer(500), 3), {
      action: "give-up",
      reason: "exhausted",
    });
    assert.deepEqual(slackRetryDecision(answer(429, "", "1"), 3), {
      action: "give-up",
      reason: "exhausted",
    });
  });

  it("never retries the other 4xx answers Slack documents", () => {
    for (const [status, body] of [
      [400, "invalid_payload"],
      [403, "action_prohibited"],
      [404, "channel_not_found"],
      [404, "no_service"],
      [410, "channel_is_archived"],
    ] as const) {
      assert.deepEqual(
        slackRetryDecision(answer(status, body), 1),
        { action: "give-up", reason: "rejected" },
        body,
      );
    }
  });

  it("reads Retry-After as seconds and ignores what it cannot read", () => {
    assert.equal(parseRetryAfter("3"), 3);
    assert.equal(parseRetryAfter(" 1.5 "), 1.5);
    assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });
});

describe("hooks/core postToSlack", () => {
  it("posts the payload as JSON once when Slack answers ok", async () => {
    const { result, calls } = await post([{ status: 200, body: "ok" }]);
    assert.deepEqual(result, { ok: true, attempts: 1, status: 200 });
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.init?.method, "POST");
    assert.equal(calls[0]!.init?.headers?.["content-type"], "application/json; charset=utf-8");
    assert.deepEqual(JSON.parse(calls[0]!.init?.body ?? ""), payload);
  });

  it("honours Retry-After on 429 and then succeeds", async () => {
    const { result, calls, elapsed } = await post([
      { status: 429, body: "rate_limited", headers: { "Retry-After": "2" } },
      { status: 200, body: "ok" },
    ]);
    assert.deepEqual(result, { ok: true, attempts: 2, status: 200 });
    assert.equal(calls[1]!.at - calls[0]!.at, 2000);
    assert.equal(elapsed, 2000);
  });

  it("retries 5xx with backoff and gives up after three attempts", async () => {
    const { result, calls, memory } = await post([{ status: 500, body: "internal_error" }]);
    assert.equal(calls.length, 3);
    assert.deepEqual(
      calls.map((call) => call.at - calls[0]!.at),
      [0, 500, 1500],
    );
    assert.deepEqual(result, {
      ok: false,
      attempts: 3,
      reason: "exhausted",
      status: 500,
      detail: "HTTP 500 internal_error",
    });
    assert.equal(memory.events("slack.retry").length, 2);
    assert.equal(memory.events("slack.failed").length, 1);
  });

  it("does not retry 404 no_service", async () => {
    const { result, calls } = await post([
      { status: 404, body: "no_service" },
      { status: 200, body: "ok" },
    ]);
    assert.equal(calls.length, 1);
    assert.deepEqual(result, {
      ok: false,
      attempts: 1,
      reason: "rejected",
      status: 404,
      detail: "HTTP 404 no_service",
    });
  });

  it("does not wait past the deadline for a long Retry-After", async () => {
    const clock = new FakeClock();
    const { fetch, calls } = scriptedFetch(clock, [
      { status: 429, body: "", headers: { "retry-after": "10" } },
    ]);
    const memory = createMemoryLogger();
    const start = clock.now();
    const result = await postToSlack(
      WEBHOOK,
      payload,
      { fetch, clock, logger: memory.logger },
      { stopBy: start + 5000 },
    );
    assert.equal(calls.length, 1);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, "deadline");
    assert.equal(clock.now(), start, "it did not sleep at all");
  });

  it("cuts a hanging request at the timeout and retries it", async () => {
    const { result, calls, elapsed } = await post([{ hang: true }, { status: 200, body: "ok" }], {
      timeoutMs: 3000,
    });
    assert.deepEqual(result, { ok: true, attempts: 2, status: 200 });
    assert.equal(calls.length, 2);
    assert.equal(elapsed, 3500);
  });

  it("keeps the webhook URL out of logs and results when the network error quotes it", async () => {
    const { result, memory } = await post([{ network: `getaddrinfo ENOTFOUND for ${WEBHOOK}` }], {
      maxAttempts: 2,
    });
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, "exhausted");
    assert.match(!result.ok ? result.detail : "", /\[redacted\]/);
    assert.match(memory.lines.join("\n"), /ENOTFOUND for \[redacted\]/);
  });

  it("refuses a webhook URL that is not http(s) without echoing it", async () => {
    const clock = new FakeClock();
    const { fetch, calls } = scriptedFetch(clock, [{ status: 200 }]);
    const memory = createMemoryLogger();
    const result = await postToSlack("not a url xoxSecret", payload, {
      fetch,
      clock,
      logger: memory.logger,
    });
    assert.equal(calls.length, 0);
    assert.equal(!result.ok && result.reason, "invalid-url");
    assert.ok(!memory.lines.join("").includes("xoxSecret"));
  });
});
