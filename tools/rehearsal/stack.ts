/**
 * What the rehearsal takes from a stack file: the environment, the sample service's name and
 * paths, the traffic shifting, the deregistration delay, the live check's streak and how builds are
 * named (branch or tag).
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

import {
  NAMESPACE,
  parseConfig,
  type GreenlightConfig,
  type RawConfig,
  type TrafficShifting,
} from "../../components/config";
import type { RefType } from "../../hooks/core/build-metadata";

/** The stack files of this repository. */
export const STACKS = ["dev", "staging", "prod"] as const;
export type StackName = (typeof STACKS)[number];

/** The repository root, where the stack files are. */
const REPO_ROOT = path.resolve(__dirname, "..", "..");

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
  /** Answers in a row the live check requires. */
  readonly consecutive: number;
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
    consecutive: config.liveCheck.consecutive,
    refType: tagsOnly ? "tag" : "branch",
    branch: config.source.branches[0] ?? config.source.defaultBranch,
    repositoryUrl: config.source.repositoryUrl,
  };
}

/** Whether `value` names a stack file of this repository. */
export function isStackName(value: string): value is StackName {
  return (STACKS as readonly string[]).includes(value);
}

/**
 * The raw `greenlight:*` values of `Pulumi.<stack>.yaml`, read as the Pulumi engine hands them to
 * the program (every value a string, structured ones JSON) and parsed back as `readStackConfig`
 * does: the same result as `stackFileRaw` in `test/harness.ts`, without loading the Pulumi program.
 */
export function readStackFile(stack: StackName, root = REPO_ROOT): RawConfig {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc?.config ?? {})) {
    if (!key.startsWith(`${NAMESPACE}:`)) continue;
    const text = typeof value === "string" ? value : JSON.stringify(value);
    try {
      raw[key.slice(NAMESPACE.length + 1)] = JSON.parse(text);
    } catch {
      raw[key.slice(NAMESPACE.length + 1)] = text;
    }
  }
  return raw;
}

/** Reads and validates `Pulumi.<stack>.yaml`; throws a `ConfigError` listing its problems. */
export function loadStackSettings(stack: StackName, root = REPO_ROOT): StackSettings {
  return stackSettings(stack, parseConfig(readStackFile(stack, root)));
}
