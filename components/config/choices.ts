/** Greenlight's well-known choices and the AWS limits its settings are checked against. */

/** The config namespace: the project name in `Pulumi.yaml`. */
export const NAMESPACE = "greenlight";

/** NAT gateways: none (tasks get public IPs in public subnets), one shared, or one per zone. */
export const NAT_STRATEGIES = ["none", "single", "perAz"] as const;
export type NatStrategy = (typeof NAT_STRATEGIES)[number];

/** CodeDeploy's predefined ECS traffic-shifting configurations, by their short names. */
export const TRAFFIC_SHIFTING = {
  AllAtOnce: "CodeDeployDefault.ECSAllAtOnce",
  Canary10Percent5Minutes: "CodeDeployDefault.ECSCanary10Percent5Minutes",
  Canary10Percent15Minutes: "CodeDeployDefault.ECSCanary10Percent15Minutes",
  Linear10PercentEvery1Minutes: "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
  Linear10PercentEvery3Minutes: "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
} as const;
export type PredefinedTrafficShifting = keyof typeof TRAFFIC_SHIFTING;

/** How production traffic moves from blue to green. */
export type TrafficShifting =
  | { readonly type: "AllAtOnce"; readonly predefined: PredefinedTrafficShifting }
  | {
      readonly type: "Canary" | "Linear";
      /** Percentage moved in the first step (canary) or in every step (linear). */
      readonly percent: number;
      /** Minutes between steps. */
      readonly intervalMinutes: number;
      /** Set when this is one of CodeDeploy's predefined configurations. */
      readonly predefined?: PredefinedTrafficShifting;
    };

/**
 * The deployment engines: CodeDeploy blue/green (a listener pair per service), or Amazon ECS
 * native blue/green (every service on one listener, shifted by listener rules).
 */
export const DEPLOYMENT_ENGINES = ["codedeploy", "ecs"] as const;
export type DeploymentEngine = (typeof DEPLOYMENT_ENGINES)[number];

/** Amazon ECS bake times (`bakeTimeInMinutes`, step and canary bake times) go up to one day. */
export const MAX_ECS_BAKE_MINUTES = 1440;
/** Amazon ECS linear deployments move at least 3 percent a step (`stepPercent` 3.0–100.0). */
export const MIN_ECS_LINEAR_STEP_PERCENT = 3;
/** The test listener's port on the ecs engine, unless `loadBalancer.testPort` says otherwise. */
export const DEFAULT_ECS_TEST_PORT = 8443;

/** Fargate's cpu units and the memory (MiB) each accepts. */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

/** CloudWatch Logs' accepted retention periods, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** Source providers a CodeStar connection supports for CodePipeline. */
export const SOURCE_PROVIDERS = ["GitHub", "Bitbucket", "GitLab"] as const;
export type SourceProvider = (typeof SOURCE_PROVIDERS)[number];

/** A trigger's file-path filter takes 8 patterns: the service's folder and 7 shared paths. */
export const MAX_SHARED_PATHS = 7;

/** CodeDeploy waits at most two days before terminating the old task set. */
export const MAX_TERMINATION_WAIT_MINUTES = 2880;

/**
 * Target group names are at most 32 characters. Greenlight names them `<service>-green` and Pulumi
 * adds a dash and 7 random characters, so a service name has 32 - 6 - 8 = 18 characters at most.
 */
export const MAX_SERVICE_NAME_LENGTH = 18;

export const BUILD_COMPUTE_TYPES = [
  "BUILD_GENERAL1_SMALL",
  "BUILD_GENERAL1_MEDIUM",
  "BUILD_GENERAL1_LARGE",
] as const;
export type BuildComputeType = (typeof BUILD_COMPUTE_TYPES)[number];

/** The secret config key holding the stack's Slack incoming-webhook URL. */
export const SLACK_WEBHOOK_KEY = "slackWebhookUrl";

/** The environment names that count as production (one rule, used everywhere). */
export const PRODUCTION_ENVIRONMENTS = ["prod", "production"] as const;

/** Whether an environment is production: approvals, deletion protection, queued runs, … */
export function isProduction(environment: string): boolean {
  return (PRODUCTION_ENVIRONMENTS as readonly string[]).includes(environment);
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}
