/**
 * The ECS lifecycle hook's settings: the live check's settings shared with the CodeDeploy hook
 * (`HookEnv`: environment, Slack secret, probe, reserve, probe base URL or host), plus what only
 * the IN_PROGRESS protocol and the own-service check need.
 */
import { nonBlank } from "../core/format";
import { HookSettingsError, parseHookSettings, type HookSettings } from "../codedeploy/settings";
import { parseServiceArn } from "./event";

/** The Lambda environment variables only the ECS hook reads. */
export const EcsHookEnv = {
  /**
   * The ARN of this stack's ECS cluster. Only services of this cluster are checked; the hook
   * answers FAILED without acting for any other service. Required.
   */
  clusterArn: "GREENLIGHT_ECS_CLUSTER_ARN",
  /**
   * Optional comma-separated service names: when set, only these services of the cluster are
   * checked (for a cluster shared with services Greenlight does not own).
   */
  serviceNames: "GREENLIGHT_ECS_SERVICE_NAMES",
  /** Seconds Amazon ECS waits before invoking again after IN_PROGRESS. */
  callBackDelaySeconds: "GREENLIGHT_ECS_CALLBACK_DELAY_SECONDS",
  /** Milliseconds one invocation may spend checking before it answers IN_PROGRESS. */
  invocationBudgetMs: "GREENLIGHT_ECS_INVOCATION_BUDGET_MS",
  /** Hours the verdict marker is kept in Parameter Store (it stops late duplicates). */
  markerRetentionHours: "GREENLIGHT_ECS_MARKER_RETENTION_HOURS",
} as const;

/** Defaults and bounds of the ECS settings. */
export const EcsHookDefaults = {
  callBackDelaySeconds: 15,
  /** Two minutes a slice: far inside the 15-minute Lambda limit, and few invocations a check. */
  invocationBudgetMs: 120_000,
  markerRetentionHours: 48,
} as const;

/** Bounds of the ECS settings (the Lambda limit caps an invocation at 15 minutes). */
export const EcsHookLimits = {
  callBackDelaySeconds: { min: 1, max: 900 },
  invocationBudgetMs: { min: 100, max: 14 * 60 * 1000 },
  markerRetentionHours: { min: 1, max: 24 * 30 },
} as const;

/** The ECS hook's settings, parsed. */
export interface EcsHookSettings extends HookSettings {
  readonly clusterArn: string;
  /** @default - every service of the cluster */
  readonly serviceNames?: readonly string[];
  readonly callBackDelaySeconds: number;
  readonly invocationBudgetMs: number;
  readonly markerRetentionHours: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and checks every setting. Pure; throws `HookSettingsError` naming each bad variable. */
export function parseEcsHookSettings(env: Env): EcsHookSettings {
  const problems: string[] = [];
  let shared: HookSettings | undefined;
  try {
    shared = parseHookSettings(env);
  } catch (error) {
    if (!(error instanceof HookSettingsError)) throw error;
    problems.push(...error.problems);
  }
  const bounded = (
    name: string,
    fallback: number,
    limits: { readonly min: number; readonly max: number },
    unit: string,
  ): number => {
    const raw = nonBlank(env[name]);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < limits.min || value > limits.max) {
      problems.push(
        `${name} is ${JSON.stringify(raw)}; set it to a whole number of ${unit} from ` +
          `${limits.min} to ${limits.max} (default ${fallback}).`,
      );
      return fallback;
    }
    return value;
  };
  const callBackDelaySeconds = bounded(
    EcsHookEnv.callBackDelaySeconds,
    EcsHookDefaults.callBackDelaySeconds,
    EcsHookLimits.callBackDelaySeconds,
    "seconds",
  );
  const invocationBudgetMs = bounded(
    EcsHookEnv.invocationBudgetMs,
    EcsHookDefaults.invocationBudgetMs,
    EcsHookLimits.invocationBudgetMs,
    "milliseconds",
  );
  const markerRetentionHours = bounded(
    EcsHookEnv.markerRetentionHours,
    EcsHookDefaults.markerRetentionHours,
    EcsHookLimits.markerRetentionHours,
    "hours",
  );
  const clusterArn = nonBlank(env[EcsHookEnv.clusterArn]);
  if (clusterArn === undefined) {
    problems.push(
      `${EcsHookEnv.clusterArn} is not set; set it to the ARN of the stack's ECS cluster ` +
        "(arn:aws:ecs:<region>:<account>:cluster/<name>) so the hook checks only its own services.",
    );
  } else if (clusterNameOf(clusterArn) === undefined) {
    problems.push(
      `${EcsHookEnv.clusterArn} is ${JSON.stringify(clusterArn)}; set it to a cluster ARN such as ` +
        "arn:aws:ecs:eu-west-1:123456789012:cluster/shop.",
    );
  }
  const names = (nonBlank(env[EcsHookEnv.serviceNames]) ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  if (problems.length > 0 || shared === undefined || clusterArn === undefined) {
    throw new HookSettingsError(problems);
  }
  return {
    ...shared,
    clusterArn,
    ...(names.length === 0 ? {} : { serviceNames: names }),
    callBackDelaySeconds,
    invocationBudgetMs,
    markerRetentionHours,
  };
}

/** The cluster name of a cluster ARN, or `undefined` when it is not one. Pure. */
export function clusterNameOf(clusterArn: string): string | undefined {
  const parts = clusterArn.split(":");
  if (parts.length !== 6 || parts[0] !== "arn" || parts[2] !== "ecs") return undefined;
  const match = /^cluster\/([^/]+)$/.exec(parts[5] ?? "");
  return match?.[1];
}

/**
 * Whether a service belongs to this stack: same partition, region and account as the cluster,
 * in the cluster, and (when names are listed) one of the names. Pure.
 */
export function isOwnService(
  serviceArn: string,
  settings: Pick<EcsHookSettings, "clusterArn" | "serviceNames">,
): boolean {
  const service = parseServiceArn(serviceArn);
  const cluster = settings.clusterArn.split(":");
  if (service === undefined || cluster.length !== 6) return false;
  return (
    service.partition === cluster[1] &&
    service.region === cluster[3] &&
    service.account === cluster[4] &&
    service.cluster === clusterNameOf(settings.clusterArn) &&
    (settings.serviceNames === undefined || settings.serviceNames.includes(service.service))
  );
}
