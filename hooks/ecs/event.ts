/**
 * The protocol of an Amazon ECS deployment lifecycle hook (Lambda target), as documented in the
 * Amazon ECS Developer Guide, "Lambda hooks for Amazon ECS service deployments"
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html) and
 * "Lifecycle hooks for Amazon ECS service deployments" (deployment-lifecycle-hooks.html):
 *
 * - The event: `{ executionId, lifecycleStage, resourceArn, executionDetails: { serviceArn,
 *   targetServiceRevisionArn, testTrafficWeights, productionTrafficWeights }, hookDetails? }`.
 *   `resourceArn` is the service deployment (`arn:aws:ecs:…:service-deployment/<cluster>/<service>/<id>`);
 *   `targetServiceRevisionArn` is the green revision (`…:service-revision/<cluster>/<service>/<n>`),
 *   and stays the green one during a rollback.
 * - The answer: `{ hookStatus: "SUCCEEDED" | "FAILED" | "IN_PROGRESS", callBackDelay?, hookDetails? }`.
 *   SUCCEEDED moves on to the next stage; FAILED rolls back to the last successful revision;
 *   IN_PROGRESS makes Amazon ECS invoke the function again after `callBackDelay` seconds (30 by
 *   default). A missing or invalid `hookStatus`, or a function error, rolls back.
 * - `hookDetails` returned with IN_PROGRESS is merged into the configured `hookDetails` and passed
 *   back on the next invocation of the same hook in the same deployment only: that is where the
 *   check keeps its state between invocations.
 * - Each invocation is one Lambda invocation (at most 15 minutes); the hook's own
 *   `timeoutConfiguration` (default 1440 minutes, action ROLLBACK) bounds the whole
 *   IN_PROGRESS loop.
 * - There is no rollback stage: during a rollback Amazon ECS re-invokes the hooks registered at
 *   TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT. Greenlight registers at the POST_* stages only.
 *
 * Everything here is pure.
 */
import { nonBlank } from "../core/format";

/** The stages an ECS lifecycle hook can be invoked at (Lambda hooks). */
export const EcsLifecycleStage = {
  reconcileService: "RECONCILE_SERVICE",
  preScaleUp: "PRE_SCALE_UP",
  postScaleUp: "POST_SCALE_UP",
  testTrafficShift: "TEST_TRAFFIC_SHIFT",
  postTestTrafficShift: "POST_TEST_TRAFFIC_SHIFT",
  /** Invoked before every step of a linear or canary deployment. */
  preProductionTrafficShift: "PRE_PRODUCTION_TRAFFIC_SHIFT",
  productionTrafficShift: "PRODUCTION_TRAFFIC_SHIFT",
  postProductionTrafficShift: "POST_PRODUCTION_TRAFFIC_SHIFT",
} as const;
export type EcsLifecycleStageValue = (typeof EcsLifecycleStage)[keyof typeof EcsLifecycleStage];

/** The stages at which the live check runs: through the test route, then the production route. */
export const CHECKED_STAGES: readonly string[] = [
  EcsLifecycleStage.postTestTrafficShift,
  EcsLifecycleStage.postProductionTrafficShift,
];

/** What a hook answers. */
export const HookStatus = {
  succeeded: "SUCCEEDED",
  failed: "FAILED",
  inProgress: "IN_PROGRESS",
} as const;
export type HookStatusValue = (typeof HookStatus)[keyof typeof HookStatus];

/** A verdict: the two answers that end a stage. */
export type FinalHookStatus = Exclude<HookStatusValue, "IN_PROGRESS">;

/** The event Amazon ECS sends a Lambda lifecycle hook. */
export interface EcsLifecycleHookEvent {
  readonly executionId: string;
  readonly lifecycleStage: string;
  /** The service deployment. */
  readonly resourceArn: string;
  readonly executionDetails: {
    readonly serviceArn: string;
    readonly targetServiceRevisionArn: string;
    readonly testTrafficWeights?: Readonly<Record<string, number>>;
    readonly productionTrafficWeights?: Readonly<Record<string, number>>;
  };
  /** The configured `hookDetails`, merged with what the last IN_PROGRESS answer returned. */
  readonly hookDetails?: Readonly<Record<string, unknown>>;
}

/** What the function returns to Amazon ECS. */
export interface EcsLifecycleHookResponse {
  readonly hookStatus: HookStatusValue;
  /** Seconds until Amazon ECS invokes again (IN_PROGRESS only). @default 30 (Amazon ECS) */
  readonly callBackDelay?: number;
  /** State for the next invocation (IN_PROGRESS only). */
  readonly hookDetails?: Readonly<Record<string, unknown>>;
}

/** The parts of an event the adapter acts on, checked. */
export interface HookInvocation {
  readonly executionId: string;
  readonly stage: string;
  readonly serviceDeploymentArn: string;
  readonly serviceArn: string;
  readonly targetServiceRevisionArn: string;
  readonly hookDetails: Readonly<Record<string, unknown>>;
}

/**
 * Reads an event; returns the problems instead when a field the adapter needs is missing or is
 * not an ECS ARN of the right kind.
 */
export function readEcsHookEvent(
  event: unknown,
): { readonly invocation: HookInvocation } | { readonly problems: readonly string[] } {
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    return { problems: ["the event is not a JSON object"] };
  }
  const record = event as Record<string, unknown>;
  const problems: string[] = [];
  const text = (value: unknown, name: string): string => {
    const found = typeof value === "string" ? nonBlank(value) : undefined;
    if (found === undefined) problems.push(`${name} is missing or not a string`);
    return found ?? "";
  };
  const arn = (value: unknown, name: string, kind: string): string => {
    const found = text(value, name);
    if (found !== "" && !isEcsArn(found, kind)) {
      problems.push(`${name} is not an Amazon ECS ${kind} ARN`);
    }
    return found;
  };
  const executionId = text(record.executionId, "executionId");
  const stage = text(record.lifecycleStage, "lifecycleStage");
  const serviceDeploymentArn = arn(record.resourceArn, "resourceArn", "service-deployment");
  const rawDetails = record.executionDetails;
  const details =
    typeof rawDetails === "object" && rawDetails !== null && !Array.isArray(rawDetails)
      ? (rawDetails as Record<string, unknown>)
      : undefined;
  if (details === undefined) problems.push("executionDetails is missing or not an object");
  const serviceArn = arn(details?.serviceArn, "executionDetails.serviceArn", "service");
  const targetServiceRevisionArn = arn(
    details?.targetServiceRevisionArn,
    "executionDetails.targetServiceRevisionArn",
    "service-revision",
  );
  const rawHookDetails = record.hookDetails;
  const hookDetails =
    typeof rawHookDetails === "object" && rawHookDetails !== null && !Array.isArray(rawHookDetails)
      ? (rawHookDetails as Record<string, unknown>)
      : {};
  if (problems.length > 0) return { problems };
  return {
    invocation: {
      executionId,
      stage,
      serviceDeploymentArn,
      serviceArn,
      targetServiceRevisionArn,
      hookDetails,
    },
  };
}

/** Whether `arn` is an ECS ARN whose resource is of `kind` (`service`, `service-revision`, …). */
export function isEcsArn(arn: string, kind: string): boolean {
  const parts = arn.split(":");
  return (
    parts.length >= 6 &&
    parts[0] === "arn" &&
    parts[2] === "ecs" &&
    parts.slice(5).join(":").startsWith(`${kind}/`)
  );
}

/** The pieces of a service ARN (`arn:aws:ecs:<region>:<account>:service/<cluster>/<service>`). */
export interface ServiceArnParts {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly cluster: string;
  readonly service: string;
}

/**
 * Splits a service ARN in the long format (cluster in the ARN). Returns `undefined` for the old
 * short format (`service/<name>`), which does not name the cluster.
 */
export function parseServiceArn(arn: string): ServiceArnParts | undefined {
  const parts = arn.split(":");
  if (parts.length !== 6 || parts[0] !== "arn" || parts[2] !== "ecs") return undefined;
  const match = /^service\/([^/]+)\/([^/]+)$/.exec(parts[5] ?? "");
  if (match === null) return undefined;
  return {
    partition: parts[1] ?? "",
    region: parts[3] ?? "",
    account: parts[4] ?? "",
    cluster: match[1] ?? "",
    service: match[2] ?? "",
  };
}

/** The id at the end of a service deployment ARN (`…/<cluster>/<service>/<id>` → `<id>`). */
export function serviceDeploymentId(serviceDeploymentArn: string): string {
  return serviceDeploymentArn.split("/").pop() ?? serviceDeploymentArn;
}

/** The key under which the check keeps its state in `hookDetails`. */
export const CHECK_STATE_KEY = "greenlightCheck";

/** What the check carries from one invocation to the next. */
export interface CheckState {
  /** When the first invocation of this stage began (epoch milliseconds). */
  readonly startedAt: number;
  /** Invocations so far, this one excluded. */
  readonly invocations: number;
  /** Version requests so far. */
  readonly attempts: number;
  /** The longest streak of answers with the expected version seen so far. */
  readonly bestStreak: number;
}

/**
 * The state carried in `hookDetails`, or `undefined` when there is none or it cannot be trusted
 * (not an object, negative or non-integer counts, a start in the future): the caller starts afresh.
 */
export function readCheckState(
  hookDetails: Readonly<Record<string, unknown>>,
  now: number,
): CheckState | undefined {
  const raw = hookDetails[CHECK_STATE_KEY];
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const state = raw as Record<string, unknown>;
  const count = (value: unknown): number | undefined =>
    typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const startedAt = count(state.startedAt);
  const invocations = count(state.invocations);
  const attempts = count(state.attempts);
  const bestStreak = count(state.bestStreak);
  if (
    startedAt === undefined ||
    startedAt > now ||
    invocations === undefined ||
    attempts === undefined ||
    bestStreak === undefined
  ) {
    return undefined;
  }
  return { startedAt, invocations, attempts, bestStreak };
}

/** The `hookDetails` to return with IN_PROGRESS. */
export function checkStateDetails(state: CheckState): Record<string, unknown> {
  return { [CHECK_STATE_KEY]: { ...state } };
}
