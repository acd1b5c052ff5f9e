/**
 * The version probe: calls a service's version URL until a number of consecutive answers carry the
 * expected version. One answer is not proof: during a traffic shift old and new tasks interleave,
 * so an old version, an error status, a body that is not a version document, a network error or a
 * timeout all reset the streak.
 */
import type { VersionDocument } from "./build-metadata";
import { deadlineSignal, raceAbort, type Clock } from "./clock";
import { formatDuration, truncate } from "./format";
import { readBodyCapped, USER_AGENT, type FetchLike } from "./http";
import type { Logger } from "./logger";
import { describeError } from "./redact";

/** Defaults of {@link ProbeSettings}. */
export const ProbeDefaults = {
  consecutive: 5,
  intervalMs: 1000,
  timeoutMs: 2000,
  deadlineMs: 240_000,
} as const;

/** The smallest accepted value of each of {@link ProbeSettings}. */
export const ProbeMinimums = {
  consecutive: 1,
  intervalMs: 0,
  timeoutMs: 1,
  deadlineMs: 0,
} as const;

/** How hard to look. */
export interface ProbeSettings {
  /**
   * Answers in a row that must carry the expected version.
   * @default 5
   */
  readonly consecutive?: number;
  /**
   * Milliseconds between the starts of two requests.
   * @default 1000
   */
  readonly intervalMs?: number;
  /**
   * Milliseconds one request (headers and body) may take before it counts as a timeout.
   * @default 2000
   */
  readonly timeoutMs?: number;
  /**
   * Milliseconds the whole probe may take.
   * @default 240000
   */
  readonly deadlineMs?: number;
}

/** What to probe. */
export interface ProbeRequest extends ProbeSettings {
  /** The full version URL, e.g. `http://my-alb-123.eu-west-1.elb.amazonaws.com:80/version`. */
  readonly url: string;
  /** The `version` the answers must carry. */
  readonly expectedVersion: string;
  /**
   * A time (epoch milliseconds) by which the probe must have returned, whatever `deadlineMs` says:
   * the Lambda adapter passes the moment it must start reporting to CodeDeploy.
   * @default - only `deadlineMs` applies
   */
  readonly stopBy?: number;
}

/** What the probe needs from its surroundings. */
export interface ProbeDeps {
  readonly clock: Clock;
  readonly fetch: FetchLike;
  /** @default - nothing is logged */
  readonly logger?: Logger;
  /** Called after every answer with the streak it left, e.g. to print progress. */
  readonly onObservation?: (observation: Observation, streak: number) => void;
}

/** The ways an answer can fail to be a version document. */
export const ProbeErrorKinds = ["http-status", "bad-json", "network", "timeout"] as const;
export type ProbeErrorKind = (typeof ProbeErrorKinds)[number];

interface ObservationBase {
  /** 1-based request number. */
  readonly attempt: number;
  /** Milliseconds from the start of the probe to the start of this request. */
  readonly atMs: number;
  /** Milliseconds the request took. */
  readonly durationMs: number;
}

/** An answer that was a version document. */
export interface VersionObservation extends ObservationBase {
  readonly kind: "version";
  readonly version: string;
  readonly status: number;
  readonly document: VersionDocument;
}

/** An answer that was not a version document, or no answer at all. */
export interface ErrorObservation extends ObservationBase {
  readonly kind: ProbeErrorKind;
  readonly detail: string;
  /** The HTTP status, when there was a response. */
  readonly status?: number;
}

/** One request's outcome. */
export type Observation = VersionObservation | ErrorObservation;

/** Counts of everything the probe saw. */
export interface ProbeSeen {
  /** Answers per version. */
  readonly versions: Readonly<Record<string, number>>;
  /** Failed answers per kind. */
  readonly errors: Readonly<Record<ProbeErrorKind, number>>;
  /** Responses per HTTP status (including 200s). */
  readonly statuses: Readonly<Record<string, number>>;
}

/** Why a probe that did not succeed stopped. */
export type ProbeStop =
  /** The deadline (or the caller's `stopBy`) came before the streak was complete. */
  | "deadline"
  /** The deadline had already passed before the first request. */
  | "no-time";

interface ProbeResultBase {
  readonly url: string;
  readonly expectedVersion: string;
  /** Answers in a row that were required. */
  readonly required: number;
  readonly attempts: number;
  readonly elapsedMs: number;
  /** The streak at the end. */
  readonly streak: number;
  /** The longest streak seen. */
  readonly bestStreak: number;
  readonly seen: ProbeSeen;
  /** The last answers, oldest first (at most {@link PROBE_HISTORY}). */
  readonly last: readonly Observation[];
  /** The last version document that carried the expected version. */
  readonly document?: VersionDocument;
}

/** The probe saw the expected version `required` times in a row. */
export interface ProbeLive extends ProbeResultBase {
  readonly live: true;
}

/** The probe did not see the expected version `required` times in a row in time. */
export interface ProbeNotLive extends ProbeResultBase {
  readonly live: false;
  readonly stop: ProbeStop;
  /** A sentence for people. */
  readonly reason: string;
}

export type ProbeResult = ProbeLive | ProbeNotLive;

/** How many of the last answers a result keeps. */
export const PROBE_HISTORY = 10;

/**
 * The most bytes read of a version URL's body; a version document is a few hundred bytes. The
 * rest of a longer body is never downloaded (see `readBodyCapped`).
 */
export const MAX_VERSION_BODY_BYTES = 64 * 1024;

/** Applies the defaults and checks the settings; throws a `RangeError` naming a bad one. */
export function resolveProbeSettings(settings: ProbeSettings): Required<ProbeSettings> {
  const resolved = {
    consecutive: settings.consecutive ?? ProbeDefaults.consecutive,
    intervalMs: settings.intervalMs ?? ProbeDefaults.intervalMs,
    timeoutMs: settings.timeoutMs ?? ProbeDefaults.timeoutMs,
    deadlineMs: settings.deadlineMs ?? ProbeDefaults.deadlineMs,
  };
  for (const key of Object.keys(ProbeMinimums) as (keyof typeof ProbeMinimums)[]) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < ProbeMinimums[key]) {
      throw new RangeError(
        `probe setting ${key} is ${value}; it must be a whole number of at least ${ProbeMinimums[key]}.`,
      );
    }
  }
  return resolved;
}

/** Calls `request.url` until `consecutive` answers in a row carry `request.expectedVersion`. */
export async function probeVersion(request: ProbeRequest, deps: ProbeDeps): Promise<ProbeResult> {
  const settings = resolveProbeSettings(request);
  const { clock } = deps;
  const started = clock.now();
  const end = Math.min(started + settings.deadlineMs, request.stopBy ?? Number.POSITIVE_INFINITY);
  const tally = new Tally();
  let document: VersionDocument | undefined;

  const result = (outcome: { live: true } | { live: false; stop: ProbeStop }): ProbeResult => {
    const base: ProbeResultBase = {
      url: request.url,
      expectedVersion: request.expectedVersion,
      required: settings.consecutive,
      attempts: tally.attempts,
      elapsedMs: clock.now() - started,
      streak: tally.streak,
      bestStreak: tally.bestStreak,
      seen: tally.seen(),
      last: tally.last,
      ...(document === undefined ? {} : { document }),
    };
    const probe: ProbeResult = outcome.live
      ? { ...base, live: true }
      : { ...base, live: false, stop: outcome.stop, reason: failureReason(base, outcome.stop) };
    deps.logger?.[probe.live ? "info" : "warn"]("probe.done", {
      url: probe.url,
      expectedVersion: probe.expectedVersion,
      live: probe.live,
      ...(probe.live ? {} : { stop: probe.stop, reason: probe.reason }),
      attempts: probe.attempts,
      elapsedMs: probe.elapsedMs,
      bestStreak: probe.bestStreak,
      seen: probe.seen,
    });
    return probe;
  };

  deps.logger?.info("probe.start", {
    url: request.url,
    expectedVersion: request.expectedVersion,
    ...settings,
    budgetMs: Math.max(0, end - started),
  });
  for (;;) {
    const attemptStart = clock.now();
    const remaining = end - attemptStart;
    if (remaining <= 0)
      return result({ live: false, stop: tally.attempts === 0 ? "no-time" : "deadline" });

    const answer = await observeOnce(request.url, Math.min(settings.timeoutMs, remaining), deps);
    const observation: Observation = {
      ...answer,
      attempt: tally.attempts + 1,
      atMs: attemptStart - started,
      durationMs: clock.now() - attemptStart,
    };
    const previous = tally.last[tally.last.length - 1];
    tally.record(observation, request.expectedVersion);
    if (observation.kind === "version" && observation.version === request.expectedVersion) {
      document = observation.document;
    }
    if (previous === undefined || observationKey(previous) !== observationKey(observation)) {
      deps.logger?.info("probe.change", {
        ...summariseObservation(observation),
        streak: tally.streak,
      });
    }
    deps.onObservation?.(observation, tally.streak);
    if (tally.streak >= settings.consecutive) return result({ live: true });

    const nextStart = attemptStart + settings.intervalMs;
    if (nextStart >= end) return result({ live: false, stop: "deadline" });
    await clock.sleep(nextStart - clock.now());
  }
}

/** One answer before it is placed in time: what {@link parseVersionDocument} returns. */
export type ProbeAnswer =
  Omit<VersionObservation, keyof ObservationBase> | Omit<ErrorObservation, keyof ObservationBase>;

async function observeOnce(url: string, timeoutMs: number, deps: ProbeDeps): Promise<ProbeAnswer> {
  const timer = deadlineSignal(deps.clock, timeoutMs);
  try {
    const response = await raceAbort(
      deps.fetch(url, {
        method: "GET",
        headers: {
          accept: "application/json",
          "cache-control": "no-cache",
          "user-agent": USER_AGENT,
        },
        signal: timer.signal,
      }),
      timer.signal,
    );
    const status = response.status;
    if (status < 200 || status > 299) {
      // The body of an error answer is not read at all; dropping the stream frees the connection.
      await response.body?.cancel().catch(() => undefined);
      return { kind: "http-status", status, detail: `HTTP ${status}` };
    }
    const body = await raceAbort(readBodyCapped(response, MAX_VERSION_BODY_BYTES), timer.signal);
    if (body.truncated) {
      return {
        kind: "bad-json",
        status,
        detail: `body is larger than ${MAX_VERSION_BODY_BYTES} bytes; only that much was read`,
      };
    }
    return parseVersionDocument(body.text, status);
  } catch (error) {
    if (timer.signal.aborted) {
      return { kind: "timeout", detail: `no answer within ${timeoutMs} ms` };
    }
    return { kind: "network", detail: truncate(describeError(error), 300) };
  } finally {
    timer.cancel();
  }
}

/** Reads a version document from a response body, or says why it is not one. */
export function parseVersionDocument(body: string, status: number): ProbeAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {
      kind: "bad-json",
      status,
      detail: `body is not JSON: ${JSON.stringify(truncate(body, 60))}`,
    };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { kind: "bad-json", status, detail: "body is not a JSON object" };
  }
  const version: unknown = (parsed as Record<string, unknown>).version;
  if (typeof version !== "string" || version.length === 0) {
    return { kind: "bad-json", status, detail: 'body has no string "version" field' };
  }
  return { kind: "version", status, version, document: parsed as VersionDocument };
}

class Tally {
  attempts = 0;
  streak = 0;
  bestStreak = 0;
  readonly last: Observation[] = [];
  private readonly versions: Record<string, number> = {};
  private readonly errors: Record<ProbeErrorKind, number> = {
    "http-status": 0,
    "bad-json": 0,
    network: 0,
    timeout: 0,
  };
  private readonly statuses: Record<string, number> = {};

  record(observation: Observation, expectedVersion: string): void {
    this.attempts += 1;
    if (observation.kind === "version") {
      this.versions[observation.version] = (this.versions[observation.version] ?? 0) + 1;
    } else {
      this.errors[observation.kind] += 1;
    }
    if (observation.status !== undefined) {
      const key = String(observation.status);
      this.statuses[key] = (this.statuses[key] ?? 0) + 1;
    }
    const good = observation.kind === "version" && observation.version === expectedVersion;
    this.streak = good ? this.streak + 1 : 0;
    this.bestStreak = Math.max(this.bestStreak, this.streak);
    this.last.push(observation);
    if (this.last.length > PROBE_HISTORY) this.last.shift();
  }

  seen(): ProbeSeen {
    return {
      versions: { ...this.versions },
      errors: { ...this.errors },
      statuses: { ...this.statuses },
    };
  }
}

function observationKey(observation: Observation): string {
  return observation.kind === "version" ? `version:${observation.version}` : observation.kind;
}

function summariseObservation(observation: Observation): Record<string, unknown> {
  return observation.kind === "version"
    ? { attempt: observation.attempt, version: observation.version, status: observation.status }
    : {
        attempt: observation.attempt,
        error: observation.kind,
        detail: observation.detail,
        ...(observation.status === undefined ? {} : { status: observation.status }),
      };
}

/** One answer, for people: `1.4.2 (HTTP 200)`, `HTTP 502`, `timeout: no answer within 2000 ms`. */
export function describeObservation(observation: Observation): string {
  switch (observation.kind) {
    case "version":
      return `${observation.version} (HTTP ${observation.status})`;
    case "http-status":
      return observation.detail;
    case "bad-json":
    case "network":
    case "timeout":
      return `${observation.kind}: ${observation.detail}`;
  }
}

/** Everything seen, for people: `1.4.2 ×38, 1.4.3 ×4, HTTP 502 ×3, timeout ×1`. */
export function describeSeen(seen: ProbeSeen): string {
  const parts = Object.entries(seen.versions).map(([version, count]) => `${version} ×${count}`);
  for (const [status, count] of Object.entries(seen.statuses)) {
    const code = Number(status);
    if (code < 200 || code > 299) parts.push(`HTTP ${status} ×${count}`);
  }
  for (const kind of ProbeErrorKinds) {
    if (kind !== "http-status" && seen.errors[kind] > 0)
      parts.push(`${kind} ×${seen.errors[kind]}`);
  }
  return parts.length > 0 ? parts.join(", ") : "nothing";
}

function failureReason(result: ProbeResultBase, stop: ProbeStop): string {
  if (stop === "no-time") return `no time was left to call ${result.url}`;
  const lastObservation = result.last[result.last.length - 1];
  const last = lastObservation === undefined ? "none" : describeObservation(lastObservation);
  return (
    `${result.required} answers in a row with version ${result.expectedVersion} were not seen ` +
    `within ${formatDuration(result.elapsedMs)} (best streak ${result.bestStreak}, ` +
    `${result.attempts} requests); last answer: ${last}`
  );
}
