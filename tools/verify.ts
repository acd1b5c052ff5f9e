/**
 * `npm run verify -- --url <base url> --expect <version> [options]`: runs the live check's version
 * probe against any URL, prints what it saw, and optionally posts the Slack notice. Exit code 0 when
 * the version is live, 1 when it is not, 2 for bad usage.
 *
 * The Slack webhook URL is read from an environment variable named by `--slack-webhook-env`, never
 * from the command line, so it stays out of shell history and process lists.
 */
import { parseArgs } from "node:util";
import type { BuildMetadata, VersionDocument } from "../hooks/core/build-metadata";
import { systemClock, type Clock } from "../hooks/core/clock";
import { decide } from "../hooks/core/decide";
import { formatDuration } from "../hooks/core/format";
import { globalFetch, isHttpUrl, type FetchLike } from "../hooks/core/http";
import { createLogger } from "../hooks/core/logger";
import { buildFailureMessage, buildLiveMessage, type DeploymentNotice } from "../hooks/core/notify";
import {
  describeObservation,
  describeSeen,
  ProbeDefaults,
  ProbeMinimums,
  probeVersion,
} from "../hooks/core/probe";
import { secretFragmentsOfUrl } from "../hooks/core/redact";
import { postToSlack } from "../hooks/core/slack";

/** Exit codes of `verify`. */
export const VerifyExit = { live: 0, notLive: 1, usage: 2 } as const;

/** What the failure notice says happens next, since `verify` rolls nothing back. */
export const VERIFY_FAILURE_CONSEQUENCE = "Checked by greenlight verify; nothing was rolled back.";

export const VERIFY_USAGE = `Usage: npm run verify -- --url <base url> --expect <version> [options]

Calls <base url><path> until <consecutive> answers in a row carry <version>.

Options:
  --url <base url>            e.g. http://my-alb-123.eu-west-1.elb.amazonaws.com (required)
  --expect <version>          the version that must answer (required)
  --path <path>               the version path (default /version)
  --consecutive <n>           answers in a row (default ${ProbeDefaults.consecutive})
  --interval-ms <ms>          between requests (default ${ProbeDefaults.intervalMs})
  --timeout-ms <ms>           per request (default ${ProbeDefaults.timeoutMs})
  --deadline-ms <ms>          for the whole check (default ${ProbeDefaults.deadlineMs})
  --slack-webhook-env <VAR>   post the notice to the webhook URL held in environment variable VAR
  --help                      show this help

Exit code: 0 live, 1 not live, 2 bad usage.`;

/** What `main` needs from its surroundings. */
export interface VerifyDeps {
  readonly fetch: FetchLike;
  readonly clock: Clock;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Writes a line of output. */
  readonly out: (line: string) => void;
  /** Writes a line of diagnostics. */
  readonly err: (line: string) => void;
}

/** Parsed command line. */
export interface VerifyOptions {
  readonly url: string;
  readonly expect: string;
  readonly path: string;
  readonly consecutive: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly slackWebhookEnv?: string;
}

/** Bad usage; the message says what to change. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parses the command line. Pure; throws {@link UsageError}. `undefined` means `--help`. */
export function parseVerifyArgs(argv: readonly string[]): VerifyOptions | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: "string" },
        expect: { type: "string" },
        path: { type: "string" },
        consecutive: { type: "string" },
        "interval-ms": { type: "string" },
        "timeout-ms": { type: "string" },
        "deadline-ms": { type: "string" },
        "slack-webhook-env": { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help === true) return undefined;
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  };
  const url = text("url");
  if (url === undefined)
    throw new UsageError("--url is required, e.g. --url http://localhost:8080");
  if (!isHttpUrl(url)) {
    throw new UsageError(`--url is ${JSON.stringify(url)}; give an http:// or https:// base URL`);
  }
  const expect = text("expect");
  if (expect === undefined)
    throw new UsageError("--expect is required: the version that must answer");
  const integer = (flag: string, fallback: number, minimum: number): number => {
    const raw = text(flag);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < minimum) {
      throw new UsageError(
        `--${flag} is ${JSON.stringify(raw)}; give a whole number, at least ${minimum}`,
      );
    }
    return value;
  };
  const path = text("path") ?? "/version";
  const slackWebhookEnv = text("slack-webhook-env");
  if (slackWebhookEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(slackWebhookEnv)) {
    throw new UsageError(
      "--slack-webhook-env takes the NAME of an environment variable (e.g. SLACK_WEBHOOK_URL), not the URL",
    );
  }
  return {
    url: url.replace(/\/+$/, ""),
    expect,
    path: path.startsWith("/") ? path : `/${path}`,
    consecutive: integer("consecutive", ProbeDefaults.consecutive, ProbeMinimums.consecutive),
    intervalMs: integer("interval-ms", ProbeDefaults.intervalMs, ProbeMinimums.intervalMs),
    timeoutMs: integer("timeout-ms", ProbeDefaults.timeoutMs, ProbeMinimums.timeoutMs),
    deadlineMs: integer("deadline-ms", ProbeDefaults.deadlineMs, ProbeMinimums.deadlineMs),
    ...(slackWebhookEnv === undefined ? {} : { slackWebhookEnv }),
  };
}

/** Runs `verify`; resolves to the exit code. */
export async function main(argv: readonly string[], deps: VerifyDeps): Promise<number> {
  let options: VerifyOptions | undefined;
  let webhookUrl: string | undefined;
  try {
    options = parseVerifyArgs(argv);
    if (options?.slackWebhookEnv !== undefined) {
      webhookUrl = deps.env[options.slackWebhookEnv]?.trim();
      if (webhookUrl === undefined || webhookUrl === "") {
        throw new UsageError(
          `environment variable ${options.slackWebhookEnv} (named by --slack-webhook-env) is not set`,
        );
      }
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    deps.err(`verify: ${error.message}`);
    deps.err("Run with --help for usage.");
    return VerifyExit.usage;
  }
  if (options === undefined) {
    deps.out(VERIFY_USAGE);
    return VerifyExit.live;
  }

  const url = `${options.url}${options.path}`;
  deps.out(
    `Probing ${url} for version ${options.expect}: ${options.consecutive} answers in a row, ` +
      `every ${options.intervalMs} ms, ${options.timeoutMs} ms per request, ` +
      `within ${formatDuration(options.deadlineMs)}.`,
  );
  const probe = await probeVersion(
    { ...options, url, expectedVersion: options.expect },
    {
      clock: deps.clock,
      fetch: deps.fetch,
      onObservation: (observation, streak) =>
        deps.out(
          `  #${observation.attempt}  +${formatDuration(observation.atMs)}  ` +
            `${describeObservation(observation)}  streak ${streak}/${options.consecutive}`,
        ),
    },
  );
  const verdict = decide(probe);
  deps.out(
    `Seen: ${describeSeen(probe.seen)} (${probe.attempts} requests in ${formatDuration(probe.elapsedMs)}).`,
  );
  deps.out(verdict.live ? `LIVE: ${verdict.summary}.` : `NOT LIVE: ${verdict.summary}.`);

  if (webhookUrl !== undefined) {
    const logger = createLogger({ sink: deps.err, level: "warn", now: deps.clock.now });
    for (const fragment of secretFragmentsOfUrl(webhookUrl)) logger.addSecret(fragment);
    const notice = noticeFrom(probe.document, options.expect);
    const outcome = { verdict, probe };
    const message = verdict.live
      ? buildLiveMessage(notice, outcome)
      : buildFailureMessage(notice, outcome, { consequence: VERIFY_FAILURE_CONSEQUENCE });
    const posted = await postToSlack(webhookUrl, message, {
      fetch: deps.fetch,
      clock: deps.clock,
      logger,
    });
    deps.out(
      posted.ok
        ? `Slack: notice posted (${posted.attempts} attempt${posted.attempts === 1 ? "" : "s"}).`
        : `Slack: notice not posted (${posted.reason}: ${posted.detail}).`,
    );
  }
  return verdict.live ? VerifyExit.live : VerifyExit.notLive;
}

/** The notice's facts, from the version document the service answered (when it did). */
function noticeFrom(document: VersionDocument | undefined, version: string): DeploymentNotice {
  const build: BuildMetadata = {
    version,
    commit: document?.commit ?? "",
    ref: document?.ref ?? "",
    refType: document?.refType === "tag" ? "tag" : "branch",
    commitMessage: document?.commitMessage ?? "",
    author: document?.author ?? "",
  };
  return {
    environment: document?.environment ?? "unknown",
    service: document?.service ?? "unknown",
    build,
  };
}

if (require.main === module) {
  void main(process.argv.slice(2), {
    fetch: globalFetch,
    clock: systemClock,
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // Anything unexpected means the version was not shown to be live.
      process.stderr.write(`verify: ${(error as Error).message}\n`);
      process.exitCode = VerifyExit.notLive;
    },
  );
}
