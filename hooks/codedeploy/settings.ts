/**
 * The live hook's settings: environment variables of the Lambda function, set by the Pulumi
 * program. The names are exported so the program sets exactly what the hook reads.
 */
import { nonBlank } from "../core/format";
import { isHttpUrl } from "../core/http";
import { ProbeDefaults, ProbeMinimums } from "../core/probe";

/** The Lambda environment variables the live hook reads. */
export const HookEnv = {
  /** The environment name shown in notices (`dev`, `prod`); falls back to the task definition's. */
  environment: "GREENLIGHT_ENVIRONMENT",
  /** ARN (or name) of the Secrets Manager secret holding the Slack webhook URL; unset → no Slack. */
  slackSecretArn: "GREENLIGHT_SLACK_SECRET_ARN",
  /** Answers in a row that must carry the new version. */
  probeConsecutive: "GREENLIGHT_PROBE_CONSECUTIVE",
  /** Milliseconds between two version requests. */
  probeIntervalMs: "GREENLIGHT_PROBE_INTERVAL_MS",
  /** Milliseconds one version request may take. */
  probeTimeoutMs: "GREENLIGHT_PROBE_TIMEOUT_MS",
  /** Milliseconds the whole probe may take. */
  probeDeadlineMs: "GREENLIGHT_PROBE_DEADLINE_MS",
  /** Milliseconds kept in reserve before the Lambda timeout to report to CodeDeploy and post. */
  reportReserveMs: "GREENLIGHT_REPORT_RESERVE_MS",
  /** Milliseconds at the end of the reserve kept for the Slack notice and the release record. */
  noticeReserveMs: "GREENLIGHT_NOTICE_RESERVE_MS",
  /** The stack's CodeDeploy application: deployments of any other are left alone. */
  application: "GREENLIGHT_CODEDEPLOY_APPLICATION",
  /** The stack's deployment groups (one per service), comma-separated: any other is left alone. */
  deploymentGroups: "GREENLIGHT_DEPLOYMENT_GROUPS",
  /**
   * Optional base URL (`https://api.example.com`) probed instead of the load balancer's DNS name:
   * for HTTPS listeners (the certificate names your domain, not the load balancer), private
   * setups and tests.
   */
  probeBaseUrl: "GREENLIGHT_PROBE_BASE_URL",
  /**
   * Optional host name probed with each production listener's own protocol and port: the domain
   * an HTTPS certificate names (the load balancer's DNS name would fail TLS verification).
   */
  probeHost: "GREENLIGHT_PROBE_HOST",
} as const;

/** Defaults of the numeric settings. */
export const HookDefaults = {
  probeConsecutive: ProbeDefaults.consecutive,
  probeIntervalMs: ProbeDefaults.intervalMs,
  probeTimeoutMs: ProbeDefaults.timeoutMs,
  probeDeadlineMs: ProbeDefaults.deadlineMs,
  reportReserveMs: 30_000,
  noticeReserveMs: 3000,
} as const;

/**
 * Time the hook needs on top of the probe deadline and the reserve: reading the deployment, the
 * task definition and the load balancer, and the target health checks.
 */
export const HOOK_OVERHEAD_MS = 30_000;

/** The live hook's settings, parsed. */
export interface HookSettings {
  /** @default - the task definition's `GREENLIGHT_ENVIRONMENT` */
  readonly environment?: string;
  /** @default - Slack is skipped */
  readonly slackSecretArn?: string;
  readonly probe: {
    readonly consecutive: number;
    readonly intervalMs: number;
    readonly timeoutMs: number;
    readonly deadlineMs: number;
  };
  readonly reportReserveMs: number;
  /** The end of the reserve kept for the notice and the record (less than `reportReserveMs`). */
  readonly noticeReserveMs: number;
  /** @default - any deployment is acted on (the program always sets it) */
  readonly owner?: { readonly applicationName: string; readonly deploymentGroupNames: string[] };
  /** @default - the production listener's load balancer DNS name, protocol and port */
  readonly probeBaseUrl?: string;
  /** @default - the load balancer's DNS name */
  readonly probeHost?: string;
}

/** Settings that cannot be used; the message names every bad variable and says how to fix it. */
export class HookSettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "HookSettingsError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and checks the settings. Pure; throws {@link HookSettingsError}. */
export function parseHookSettings(env: Env): HookSettings {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, minimum: number, unit: string): number => {
    const raw = nonBlank(env[name]);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < minimum) {
      problems.push(
        `${name} is ${JSON.stringify(raw)}; set it to a whole number of ${unit}, at least ${minimum} ` +
          `(default ${fallback}).`,
      );
      return fallback;
    }
    return value;
  };
  const probe = {
    consecutive: integer(
      HookEnv.probeConsecutive,
      HookDefaults.probeConsecutive,
      ProbeMinimums.consecutive,
      "answers",
    ),
    intervalMs: integer(
      HookEnv.probeIntervalMs,
      HookDefaults.probeIntervalMs,
      ProbeMinimums.intervalMs,
      "milliseconds",
    ),
    timeoutMs: integer(
      HookEnv.probeTimeoutMs,
      HookDefaults.probeTimeoutMs,
      ProbeMinimums.timeoutMs,
      "milliseconds",
    ),
    deadlineMs: integer(
      HookEnv.probeDeadlineMs,
      HookDefaults.probeDeadlineMs,
      ProbeMinimums.deadlineMs,
      "milliseconds",
    ),
  };
  const reportReserveMs = integer(
    HookEnv.reportReserveMs,
    HookDefaults.reportReserveMs,
    0,
    "milliseconds",
  );
  const noticeReserveMs = integer(
    HookEnv.noticeReserveMs,
    Math.min(HookDefaults.noticeReserveMs, Math.floor(reportReserveMs / 2)),
    0,
    "milliseconds",
  );
  if (noticeReserveMs > reportReserveMs) {
    problems.push(
      `${HookEnv.noticeReserveMs} is ${noticeReserveMs}, more than ${HookEnv.reportReserveMs} ` +
        `(${reportReserveMs}); the notice reserve is the end of the report reserve, so make it smaller.`,
    );
  }
  const applicationName = nonBlank(env[HookEnv.application]);
  const deploymentGroupNames = (env[HookEnv.deploymentGroups] ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  if ((applicationName === undefined) !== (deploymentGroupNames.length === 0)) {
    problems.push(
      `${HookEnv.application} and ${HookEnv.deploymentGroups} go together; set both (the stack's ` +
        "CodeDeploy application and its comma-separated deployment groups) or neither.",
    );
  }
  const probeBaseUrl = nonBlank(env[HookEnv.probeBaseUrl]);
  if (probeBaseUrl !== undefined && !isHttpUrl(probeBaseUrl)) {
    problems.push(
      `${HookEnv.probeBaseUrl} is ${JSON.stringify(probeBaseUrl)}; set it to an http:// or https:// ` +
        `base URL such as https://api.example.com, or leave it unset to probe the load balancer.`,
    );
  }
  const probeHost = nonBlank(env[HookEnv.probeHost]);
  if (
    probeHost !== undefined &&
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(
      probeHost,
    )
  ) {
    problems.push(
      `${HookEnv.probeHost} is ${JSON.stringify(probeHost)}; set it to a host name such as ` +
        `api.example.com (no scheme, port or path), or leave it unset to probe the load balancer.`,
    );
  }
  if (problems.length > 0) throw new HookSettingsError(problems);
  const environment = nonBlank(env[HookEnv.environment]);
  const slackSecretArn = nonBlank(env[HookEnv.slackSecretArn]);
  return {
    ...(environment === undefined ? {} : { environment }),
    ...(slackSecretArn === undefined ? {} : { slackSecretArn }),
    probe,
    reportReserveMs,
    noticeReserveMs,
    ...(applicationName === undefined || deploymentGroupNames.length === 0
      ? {}
      : { owner: { applicationName, deploymentGroupNames } }),
    ...(probeBaseUrl === undefined ? {} : { probeBaseUrl: probeBaseUrl.replace(/\/+$/, "") }),
    ...(probeHost === undefined ? {} : { probeHost: probeHost.toLowerCase() }),
  };
}

/**
 * The Lambda timeout (seconds) that leaves room for the probe deadline, the reserve and the
 * overhead. The Pulumi program should give the function at least this.
 */
export function minimumLambdaTimeoutSeconds(
  settings: Pick<HookSettings, "probe" | "reportReserveMs">,
): number {
  return Math.ceil(
    (settings.probe.deadlineMs + settings.reportReserveMs + HOOK_OVERHEAD_MS) / 1000,
  );
}
