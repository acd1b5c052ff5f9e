/**
 * Greenlight's typed stack configuration: every `greenlight:*` key of `Pulumi.<stack>.yaml`,
 * validated against one schema (`config/schema.ts`) before any resource is created. Every error
 * names the key as it is written in the stack file and says how to fix it; all problems are
 * reported at once. The types below are inferred from the schema.
 */
import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { NAMESPACE, SLACK_WEBHOOK_KEY } from "./config/choices";
import { keyOf, problemsOf } from "./config/problems";
import { configSchema, rootShape } from "./config/schema";
import { certificateRegionProblems } from "./domainRules";

export * from "./config/choices";
export { defaultRepositoryUrl, predefinedShifting, type HookPlacement } from "./config/rules";
export {
  MAX_LISTENERS_PER_ALB,
  MAX_RULES_PER_SECURITY_GROUP,
  MAX_TARGET_GROUPS_PER_ALB,
} from "./config/limits";

/** The validated configuration, as the components use it. */
export type GreenlightConfig = z.output<typeof configSchema>;
export type NetworkConfig = GreenlightConfig["network"];
export type LoadBalancerConfig = GreenlightConfig["loadBalancer"];
export type DeploymentConfig = GreenlightConfig["deployment"];
export type ServiceConfig = GreenlightConfig["services"][number];
export type SourceConfig = GreenlightConfig["source"];
export type PipelineConfig = GreenlightConfig["pipeline"];
export type LiveCheckConfig = GreenlightConfig["liveCheck"];
export type AlertsConfig = GreenlightConfig["alerts"];
/** `loadBalancer.domain`: Greenlight creates the certificate and the DNS records for `name`. */
export type DomainConfig = NonNullable<LoadBalancerConfig["domain"]>;
/** One container variable ECS reads from Secrets Manager or SSM when a task starts. */
export type ServiceSecret = ServiceConfig["secrets"][number];
export type SecretSource = ServiceSecret["source"];
/** The application's own AWS permissions (its task role). */
export type ServicePermissions = ServiceConfig["permissions"];
export type PermissionStatement = ServicePermissions["statements"][number];
/** Target tracking on the ECS service's desired count. */
export type AutoscalingConfig = NonNullable<ServiceConfig["autoscaling"]>;

/** The raw values of the stack file, keyed without the namespace. */
export type RawConfig = Readonly<Record<string, unknown>>;

/** The top-level keys Greenlight reads (besides the secret `slackWebhookUrl`). */
export const TOP_LEVEL_KEYS = Object.keys(rootShape) as readonly (keyof typeof rootShape)[];

/**
 * Thrown when the stack configuration is invalid; lists every problem. A `RunError`, so the
 * Pulumi runner prints the message once, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
  constructor(readonly problems: readonly string[]) {
    super(
      `Greenlight's stack configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/**
 * Reads the raw `greenlight:*` values of the current stack, structured keys parsed from JSON.
 * Every key is read, so a misspelt top-level key is reported rather than silently ignored.
 */
export function readStackConfig(
  all: Readonly<Record<string, string>> = pulumi.runtime.allConfig(),
): RawConfig {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
    const key = fullKey.slice(NAMESPACE.length + 1);
    if (key === SLACK_WEBHOOK_KEY) continue; // a secret, read with getSecret where it is used
    try {
      raw[key] = JSON.parse(text);
    } catch {
      raw[key] = text; // a plain string such as `environment: dev`
    }
  }
  return raw;
}

/**
 * Validates raw stack values; throws a ConfigError naming every problem. `region` is the stack's
 * `aws:region` (a certificate must be in it); undefined skips that check.
 */
export function parseConfig(raw: RawConfig, region?: string): GreenlightConfig {
  const result = configSchema.safeParse(withoutNulls(raw));
  const lb = raw.loadBalancer as Readonly<Record<string, unknown>> | undefined;
  const certificateArn = typeof lb?.certificateArn === "string" ? lb.certificateArn : undefined;
  const regional = certificateRegionProblems(certificateArn, region).map(
    (p) => `${keyOf(["loadBalancer", ...p.path])} ${p.message}`,
  );
  if (!result.success || regional.length > 0) {
    throw new ConfigError([
      ...(result.success ? [] : problemsOf(result.error.issues)),
      ...regional,
    ]);
  }
  return result.data;
}

/** An empty YAML value (`key:` or `~`) means "not set", as if the key were absent. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

/** The config keys set with `--secret`, as the Pulumi language host passes them. */
function secretKeys(): readonly string[] {
  try {
    const keys: unknown = JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
    return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === "string") : [];
  } catch {
    return [];
  }
}

/**
 * Reads and validates the current stack's configuration. A problem with a key set as a secret
 * names the key only: its message would repeat the value.
 */
export function loadConfig(
  all: Readonly<Record<string, string>> = pulumi.runtime.allConfig(),
  secrets: readonly string[] = secretKeys(),
): GreenlightConfig {
  const webhookProblem = slackWebhookProblem(all[`${NAMESPACE}:${SLACK_WEBHOOK_KEY}`]);
  try {
    const config = redacted(() => parseConfig(readStackConfig(all), all["aws:region"]), secrets);
    if (webhookProblem) throw new ConfigError([webhookProblem]);
    return config;
  } catch (e) {
    if (e instanceof ConfigError && webhookProblem && !e.problems.includes(webhookProblem)) {
      throw new ConfigError([...e.problems, webhookProblem]);
    }
    throw e;
  }
}

/** Runs `parse`, replacing the problems of secret keys with ones that do not show the value. */
function redacted<T>(parse: () => T, secrets: readonly string[]): T {
  try {
    return parse();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const secret = (p: string) =>
      secrets.find((k) => p.startsWith(`${k} `) || p.startsWith(`${k}.`) || p.startsWith(`${k}[`));
    const problems = e.problems.map((p) => {
      const key = secret(p);
      return key === undefined
        ? p
        : `${p.slice(0, p.indexOf(" "))} is not valid (value and reason not shown: ${key} is a secret); check it against the README's configuration reference.`;
    });
    throw new ConfigError([...new Set(problems)]);
  }
}

/**
 * Checks the secret Slack webhook URL's shape, never repeating it: an error names only the key.
 * Returns the problem, or undefined when the value is absent or well-formed.
 */
export function slackWebhookProblem(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^https:\/\/[^\s/]+\/\S+$/.test(value)) {
    return `${NAMESPACE}:${SLACK_WEBHOOK_KEY} is not an https:// webhook URL (value not shown: it is a secret); set it with pulumi config set --secret ${SLACK_WEBHOOK_KEY} https://hooks.slack.com/services/….`;
  }
  return undefined;
}
