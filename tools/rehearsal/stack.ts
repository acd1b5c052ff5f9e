/**
 * What the rehearsal takes from a stack file: the environment, the sample service's name and
 * paths, the traffic shifting, the target groups' health check and deregistration delay, the live
 * check's streak and how builds are named (branch or tag).
 */

import { parseConfig, type GreenlightConfig, type TrafficShifting } from "../../components/config";
import { HEALTH_CHECK } from "../../components/loadBalancer";
import { rulePriority } from "../../components/config/rules";
import { REPO_ROOT, stackFileRaw, type StackName } from "../../components/stackFile";
import type { RefType } from "../../hooks/core/build-metadata";
import type { ListenerRoute, TargetGroupHealthCheck } from "./haproxy-config";

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
  /** The stack's `deployment.engine`: what `--engine` plays when it is not given. */
  readonly engine: GreenlightConfig["deployment"]["engine"];
  /** Minutes the old tasks keep running after success (the ECS engine's bake time). */
  readonly terminationWaitMinutes: number;
  /** Each service's listener rule on the ECS engine's shared listener ({@link listenerRoutes}). */
  readonly routes: readonly ListenerRoute[];
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
    engine: config.deployment.engine,
    terminationWaitMinutes: config.deployment.terminationWaitMinutes,
    routes: listenerRoutes(config),
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

/** The domain the rehearsal's host names end in when the stack names none. */
export const REHEARSAL_DOMAIN = "rehearsal.local";

/**
 * Each service's listener rule on the ECS engine's shared listener, as the program creates it:
 * its `hostname` and `pathPattern` as the stack gives them, its `rulePriority` (default 10, 20, …
 * in the order of `greenlight:services`); a service with neither a host nor a path gets the host
 * `<service>.<loadBalancer.domainName>`, or `<service>.rehearsal.local` when the stack has no
 * domain, so a codedeploy stack can be rehearsed on the ecs engine too. Pure.
 */
export function listenerRoutes(config: GreenlightConfig): ListenerRoute[] {
  const domain = config.loadBalancer.domainName ?? REHEARSAL_DOMAIN;
  return config.services.map((service, i) => {
    const { pathPattern } = service;
    const hostname =
      service.hostname ?? (pathPattern === undefined ? `${service.name}.${domain}` : undefined);
    return {
      service: service.name,
      ...(hostname === undefined ? {} : { hostname }),
      ...(pathPattern === undefined ? {} : { pathPattern }),
      priority: rulePriority(service, i),
    };
  });
}

/** Reads and validates `Pulumi.<stack>.yaml`; throws a `ConfigError` listing its problems. */
export function loadStackSettings(stack: StackName, root = REPO_ROOT): StackSettings {
  return stackSettings(stack, parseConfig(stackFileRaw(stack, root)));
}
