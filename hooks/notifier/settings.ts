/**
 * The notifier's settings: environment variables of the Lambda function, set by the Pulumi
 * program. The names are exported so the program sets exactly what the notifier reads.
 */
import { nonBlank } from "../core/format";

/** The Lambda environment variables the notifier reads. */
export const NotifierEnv = {
  /** The environment name every alert names (`dev`, `prod`). */
  environment: "GREENLIGHT_ENVIRONMENT",
  /** ARN (or name) of the Secrets Manager secret holding the Slack webhook URL; unset → logged only. */
  slackSecretArn: "GREENLIGHT_SLACK_SECRET_ARN",
  /**
   * The DynamoDB table that folds bursts of one incident into one message: partition key
   * `incident` (S), TTL attribute `expiresAt` (N, epoch seconds). Unset → every event posts.
   */
  incidentsTable: "GREENLIGHT_INCIDENTS_TABLE",
  /** Seconds during which further events of one incident are counted, not posted. */
  dedupWindowSeconds: "GREENLIGHT_DEDUP_WINDOW_SECONDS",
  /**
   * The stack's ECS cluster ARN: ECS task and deployment events of any other cluster are ignored,
   * whatever a rule sends. Unset → every cluster's.
   */
  clusterArn: "GREENLIGHT_CLUSTER_ARN",
  /** Optional region for console links; else the event's region, else the function's. */
  consoleRegion: "GREENLIGHT_CONSOLE_REGION",
} as const;

/** Defaults of the notifier's settings. */
export const NotifierDefaults = {
  /** 15 minutes. */
  dedupWindowSeconds: 900,
} as const;

/** The notifier's settings, parsed. */
export interface NotifierSettings {
  /** @default "unknown" */
  readonly environment: string;
  /** @default - alerts are logged, not posted */
  readonly slackSecretArn?: string;
  /** @default - no de-duplication: every incident event posts */
  readonly incidentsTable?: string;
  /** `0` turns de-duplication off. */
  readonly dedupWindowSeconds: number;
  /** @default - the event's region */
  readonly consoleRegion?: string;
  /** @default - ECS events of every cluster are read */
  readonly clusterArn?: string;
}

/** Parsed settings, and the problems found (each already replaced by its default). */
export interface ParsedNotifierSettings {
  readonly settings: NotifierSettings;
  /** One sentence per bad variable, naming it and saying how to fix it. */
  readonly problems: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the settings. Pure; never throws: an alert must still go out when a setting is wrong, so a
 * bad value falls back to its default and is reported in `problems` (the caller logs them).
 */
export function parseNotifierSettings(env: Env): ParsedNotifierSettings {
  const problems: string[] = [];
  let dedupWindowSeconds: number = NotifierDefaults.dedupWindowSeconds;
  const rawWindow = nonBlank(env[NotifierEnv.dedupWindowSeconds]);
  if (rawWindow !== undefined) {
    const value = /^\d+$/.test(rawWindow) ? Number(rawWindow) : Number.NaN;
    if (Number.isSafeInteger(value)) {
      dedupWindowSeconds = value;
    } else {
      problems.push(
        `${NotifierEnv.dedupWindowSeconds} is ${JSON.stringify(rawWindow)}; set it to a whole number ` +
          `of seconds (0 turns de-duplication off); using the default ${NotifierDefaults.dedupWindowSeconds}.`,
      );
    }
  }
  const environment = nonBlank(env[NotifierEnv.environment]);
  if (environment === undefined) {
    problems.push(
      `${NotifierEnv.environment} is not set; alerts will say the environment is "unknown".`,
    );
  }
  const slackSecretArn = nonBlank(env[NotifierEnv.slackSecretArn]);
  const incidentsTable = nonBlank(env[NotifierEnv.incidentsTable]);
  const consoleRegion = nonBlank(env[NotifierEnv.consoleRegion]);
  const clusterArn = nonBlank(env[NotifierEnv.clusterArn]);
  return {
    settings: {
      environment: environment ?? "unknown",
      ...(slackSecretArn === undefined ? {} : { slackSecretArn }),
      ...(incidentsTable === undefined ? {} : { incidentsTable }),
      dedupWindowSeconds,
      ...(consoleRegion === undefined ? {} : { consoleRegion }),
      ...(clusterArn === undefined ? {} : { clusterArn }),
    },
    problems,
  };
}
