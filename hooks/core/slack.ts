/**
 * Sending a message to a Slack incoming webhook, with Slack's answers handled the way its
 * documentation describes: 200 `ok`; 429 with `Retry-After` (seconds) → wait that long and retry;
 * 5xx and network errors → retry with exponential backoff; other 4xx (`invalid_payload`,
 * `action_prohibited`, `channel_not_found`, `no_service`, `channel_is_archived`) → retrying cannot
 * help, give up. Attempts are bounded and never run past a deadline. The webhook URL is a
 * credential: it never appears in a log line or in the result.
 */
import { deadlineSignal, raceAbort, type Clock } from "./clock";
import { truncate } from "./format";
import { isHttpUrl, readBodyCapped, USER_AGENT, type FetchLike } from "./http";
import type { Logger } from "./logger";
import { describeError, redactSecrets, secretFragmentsOfUrl } from "./redact";
import type { SlackMessage } from "./notify";

/** Defaults of {@link SlackRetryPolicy}. */

/** The most bytes read of Slack's answer (it is `ok` or a short error code); the rest is dropped. */
export const SLACK_ANSWER_MAX_BYTES = 4096;

export const SlackPostDefaults = {
  maxAttempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  timeoutMs: 5000,
  defaultRetryAfterSeconds: 1,
} as const;

/** How hard to try. */
export interface SlackRetryPolicy {
  /**
   * Requests in all, the first included.
   * @default 3
   */
  readonly maxAttempts?: number;
  /**
   * The wait after the first failed attempt (5xx or network error); it doubles after each.
   * @default 500
   */
  readonly baseDelayMs?: number;
  /**
   * The longest wait between two attempts, `Retry-After` included.
   * @default 30000
   */
  readonly maxDelayMs?: number;
  /**
   * The time one request may take.
   * @default 5000
   */
  readonly timeoutMs?: number;
  /**
   * The wait after a 429 without a usable `Retry-After`.
   * @default 1
   */
  readonly defaultRetryAfterSeconds?: number;
}

/** When and how to post. */
export interface SlackPostOptions extends SlackRetryPolicy {
  /**
   * A time (epoch milliseconds) by which posting must be over, retries included.
   * @default - only the attempt count bounds it
   */
  readonly stopBy?: number;
}

/** What `postToSlack` needs from its surroundings. */
export interface SlackPostDeps {
  readonly fetch: FetchLike;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** What one attempt came to. */
export type SlackAttempt =
  | {
      readonly kind: "response";
      readonly status: number;
      readonly body: string;
      readonly retryAfter?: string;
    }
  | { readonly kind: "network"; readonly detail: string }
  | { readonly kind: "timeout"; readonly detail: string };

/** What to do after an attempt. */
export type SlackRetryDecision =
  | { readonly action: "done" }
  | { readonly action: "retry"; readonly delayMs: number }
  | { readonly action: "give-up"; readonly reason: SlackFailureReason };

/** Why a post failed. */
export type SlackFailureReason =
  /** Slack answered with a 4xx other than 429: the payload or the webhook is wrong. */
  | "rejected"
  /** Every attempt failed with something worth retrying. */
  | "exhausted"
  /** The next attempt would have ended past the deadline. */
  | "deadline"
  /** The webhook URL is not an http(s) URL. */
  | "invalid-url";

/** The outcome of posting. */
export type SlackPostResult =
  | { readonly ok: true; readonly attempts: number; readonly status: number }
  | {
      readonly ok: false;
      readonly attempts: number;
      readonly reason: SlackFailureReason;
      /** The last HTTP status, when Slack answered. */
      readonly status?: number;
      /** Slack's error code (`no_service`, `invalid_payload`, …) or the network error, redacted. */
      readonly detail: string;
    };

/** Statuses with which Slack says the webhook itself is gone or barred: fetch the URL afresh. */
export const SLACK_WEBHOOK_GONE_STATUSES: readonly number[] = [403, 404, 410];

/**
 * Decides what to do after attempt number `attempt` (1-based). Pure: the waits are computed here,
 * and whether they fit before the deadline is checked by the caller.
 */
export function slackRetryDecision(
  outcome: SlackAttempt,
  attempt: number,
  policy: SlackRetryPolicy = {},
): SlackRetryDecision {
  const maxAttempts = policy.maxAttempts ?? SlackPostDefaults.maxAttempts;
  const baseDelayMs = policy.baseDelayMs ?? SlackPostDefaults.baseDelayMs;
  const maxDelayMs = policy.maxDelayMs ?? SlackPostDefaults.maxDelayMs;
  if (outcome.kind === "response") {
    if (outcome.status >= 200 && outcome.status <= 299) return { action: "done" };
    if (outcome.status !== 429 && outcome.status >= 400 && outcome.status <= 499) {
      return { action: "give-up", reason: "rejected" };
    }
  }
  if (attempt >= maxAttempts) return { action: "give-up", reason: "exhausted" };
  if (outcome.kind === "response" && outcome.status === 429) {
    const seconds =
      parseRetryAfter(outcome.retryAfter) ??
      policy.defaultRetryAfterSeconds ??
      SlackPostDefaults.defaultRetryAfterSeconds;
    return { action: "retry", delayMs: Math.min(seconds * 1000, maxDelayMs) };
  }
  return { action: "retry", delayMs: Math.min(baseDelayMs * 2 ** (attempt - 1), maxDelayMs) };
}

/** Reads a `Retry-After` header given in seconds (Slack's form); `undefined` when unusable. */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Number(value);
}

/** Posts `payload` to the webhook. Never throws; never logs or returns the webhook URL. */
export async function postToSlack(
  webhookUrl: string,
  payload: SlackMessage,
  deps: SlackPostDeps,
  options: SlackPostOptions = {},
): Promise<SlackPostResult> {
  const { clock, logger } = deps;
  const secrets = secretFragmentsOfUrl(webhookUrl);
  if (!isHttpUrl(webhookUrl)) {
    logger.error("slack.invalid-url", { reason: "the webhook URL is not an http(s) URL" });
    return {
      ok: false,
      attempts: 0,
      reason: "invalid-url",
      detail: "the webhook URL is not an http(s) URL",
    };
  }
  const timeoutMs = options.timeoutMs ?? SlackPostDefaults.timeoutMs;
  const stopBy = options.stopBy ?? Number.POSITIVE_INFINITY;
  const body = JSON.stringify(payload);
  let attempts = 0;
  for (;;) {
    const remaining = stopBy - clock.now();
    if (remaining <= 0) {
      logger.warn("slack.deadline", { attempts });
      return { ok: false, attempts, reason: "deadline", detail: "no time left to post" };
    }
    attempts += 1;
    const outcome = await attemptPost(
      webhookUrl,
      body,
      Math.min(timeoutMs, remaining),
      deps,
      secrets,
    );
    const decision = slackRetryDecision(outcome, attempts, options);
    const fields = { attempt: attempts, ...describeAttempt(outcome) };
    if (decision.action === "done") {
      logger.info("slack.posted", fields);
      return { ok: true, attempts, status: outcome.kind === "response" ? outcome.status : 200 };
    }
    const failure = {
      attempts,
      ...(outcome.kind === "response" ? { status: outcome.status } : {}),
      detail: attemptDetail(outcome),
    };
    if (decision.action === "give-up") {
      logger.error("slack.failed", { ...fields, reason: decision.reason });
      return { ok: false, reason: decision.reason, ...failure };
    }
    if (clock.now() + decision.delayMs >= stopBy) {
      logger.error("slack.failed", {
        ...fields,
        reason: "deadline",
        wouldWaitMs: decision.delayMs,
      });
      return { ok: false, reason: "deadline", ...failure };
    }
    logger.warn("slack.retry", { ...fields, delayMs: decision.delayMs });
    await clock.sleep(decision.delayMs);
  }
}

async function attemptPost(
  webhookUrl: string,
  body: string,
  timeoutMs: number,
  deps: SlackPostDeps,
  secrets: readonly string[],
): Promise<SlackAttempt> {
  const timer = deadlineSignal(deps.clock, timeoutMs);
  try {
    const response = await raceAbort(
      deps.fetch(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8", "user-agent": USER_AGENT },
        body,
        signal: timer.signal,
      }),
      timer.signal,
    );
    const { text } = await raceAbort(
      readBodyCapped(response, SLACK_ANSWER_MAX_BYTES),
      timer.signal,
    );
    const retryAfter = response.headers.get("retry-after");
    return {
      kind: "response",
      status: response.status,
      body: redactSecrets(truncate(text.trim(), 200), secrets),
      ...(retryAfter === null ? {} : { retryAfter }),
    };
  } catch (error) {
    if (timer.signal.aborted)
      return { kind: "timeout", detail: `no answer within ${timeoutMs} ms` };
    return { kind: "network", detail: truncate(describeError(error, secrets), 300) };
  } finally {
    timer.cancel();
  }
}

function describeAttempt(outcome: SlackAttempt): Record<string, unknown> {
  return outcome.kind === "response"
    ? {
        status: outcome.status,
        slackAnswer: outcome.body,
        ...(outcome.retryAfter === undefined ? {} : { retryAfter: outcome.retryAfter }),
      }
    : { error: outcome.kind, detail: outcome.detail };
}

function attemptDetail(outcome: SlackAttempt): string {
  if (outcome.kind !== "response") return `${outcome.kind}: ${outcome.detail}`;
  return outcome.body === "" ? `HTTP ${outcome.status}` : `HTTP ${outcome.status} ${outcome.body}`;
}
