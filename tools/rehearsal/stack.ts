/**
 * What the rehearsal takes from a stack file: the environment, the sample service's name and
 * paths, the traffic shifting, the target groups' health check and deregistration delay, the live
 * check's streak and how builds are named (branch or tag).
 */

import { parseConfig, type GreenlightConfig, type TrafficShifting } from "../../components/config";
import { HEALTH_CHECK } from "../../components/loadBalancer";
import { REPO_ROOT, stackFileRaw, type StackName } from "../../components/stackFile";
import type { RefType } from "../../hooks/core/build-metadata";
import type { TargetGroupHealthCheck } from "./haproxy-config";

export { isStackName, STACKS, type StackName } from "../../components/stackFile";

/** The stack settings a rehearsal follows. */
export interface StackSettings {
  readonly stack: string;
  readonly environment: string;
  /** The service deployed: the one built from `app-sample`, else the first. */
  readonly service: string;
  readonly healthCheckPath: string;
  readonly versionPath: string;
  readonly shifting: TrafficShifting;
  /** The target group's deregistration delay, ms. */
  readonly deregistrationDelayMs: number;
  /** The target groups' health check, as the program creates them. */
  readonly healthCheck: TargetGroupHealthCheck;
  /** The target groups' slow start, s; 0 when off (the program does not set `slowStart`). */
  readonly slowStartSeconds: number;
  /** Answers in a row the live check requires. */
  readonly consecutive: number;
  /** The live check's per-request timeout, ms. */
  readonly liveCheckTimeoutMs: number;
  /** How builds are named: a tag (`prod` deploys tags) or a branch. */
  readonly refType: RefType;
  /** The branch builds come from, when `refType` is `branch`. */
  readonly branch: string;
  readonly repositoryUrl: string;
}

/** Picks the rehearsal's settings from a validated configuration. Pure. */
export function stackSettings(stack: string, config: GreenlightConfig): StackSettings {
  const service =
    config.services.find((candidate) => candidate.sourcePath === "app-sample") ??
    config.services[0];
  if (service === undefined) throw new Error(`stack ${stack} lists no service`);
  const tagsOnly = config.source.branches.length === 0 && config.source.tags.length > 0;
  return {
    stack,
    environment: config.environment,
    service: service.name,
    healthCheckPath: service.healthCheckPath,
    versionPath: service.versionPath,
    shifting: config.deployment.trafficShifting,
    deregistrationDelayMs: config.loadBalancer.deregistrationDelaySeconds * 1000,
    healthCheck: HEALTH_CHECK,
    slowStartSeconds: 0,
    consecutive: config.liveCheck.consecutive,
    liveCheckTimeoutMs: config.liveCheck.timeoutMs,
    refType: tagsOnly ? "tag" : "branch",
    branch: config.source.branches[0] ?? config.source.defaultBranch,
    repositoryUrl: config.source.repositoryUrl,
  };
}

/** Reads and validates `Pulumi.<stack>.yaml`; throws a `ConfigError` listing its problems. */
export function loadStackSettings(stack: StackName, root = REPO_ROOT): StackSettings {
  return stackSettings(stack, parseConfig(stackFileRaw(stack, root)));
}
