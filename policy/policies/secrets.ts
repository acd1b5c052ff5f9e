/**
 * Secrets stay out of plain environments; privileged builds stay with image builds.
 */
import * as aws from "@pulumi/aws";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { describe } from "../lib/stack";
import { TYPES } from "../lib/types";
import { at, isUnknown, list, record, resolveProps, text, type Props } from "../lib/values";
import { SECRET_NAME_PATTERN, SECRET_VALUE_PATTERNS } from "../../components/serviceRules";

/**
 * The same credential patterns the stack configuration refuses in `services[].environment`
 * (components/serviceRules.ts): one list for both.
 */
export { SECRET_NAME_PATTERN, SECRET_VALUE_PATTERNS };

/** One plain environment variable, wherever it is declared. */
export interface EnvironmentVariable {
  /** Where it is declared, for messages: `environment.variables`, `containerDefinitions[web]`… */
  readonly where: string;
  readonly name: string;
  readonly value: unknown;
}

/** Why a variable looks like a secret (never quoting the value), or undefined. */
export function secretReason(variable: EnvironmentVariable): string | undefined {
  const value = variable.value;
  if (isUnknown(value) || typeof value !== "string" || value === "") return undefined;
  const match = SECRET_VALUE_PATTERNS.find((p) => p.pattern.test(value));
  if (match) return `its value looks like ${match.what}`;
  if (SECRET_NAME_PATTERN.test(variable.name)) return "its name says it holds a secret";
  return undefined;
}

/** The plain environment variables of a Lambda function, task definition or CodeBuild project. */
export function environmentOf(type: string, props: Props): EnvironmentVariable[] | "unknown" {
  switch (type) {
    case TYPES.lambdaFunction: {
      const variables = at(props, "environment", "variables");
      if (isUnknown(variables)) return "unknown";
      return Object.entries(record(variables) ?? {}).map(([name, value]) => ({
        where: "environment.variables",
        name,
        value,
      }));
    }
    case TYPES.taskDefinition: {
      const json = props.containerDefinitions;
      if (isUnknown(json) || typeof json !== "string") return "unknown";
      let containers: unknown;
      try {
        containers = JSON.parse(json) as unknown;
      } catch {
        return "unknown";
      }
      return (list(containers) ?? []).flatMap((container, i) => {
        const label = text(at(container, "name")) ?? String(i);
        return (list(at(container, "environment")) ?? []).map((entry) => ({
          where: `containerDefinitions[${label}].environment`,
          name: text(at(entry, "name")) ?? "",
          value: at(entry, "value"),
        }));
      });
    }
    case TYPES.codebuildProject: {
      const variables = at(props, "environment", "environmentVariables");
      if (isUnknown(variables)) return "unknown";
      return (list(variables) ?? [])
        .filter((v) => {
          const kind = at(v, "type");
          // PARAMETER_STORE and SECRETS_MANAGER values are references, not secrets.
          return kind === undefined || kind === "PLAINTEXT";
        })
        .map((v) => ({
          where: "environment.environmentVariables",
          name: text(at(v, "name")) ?? "",
          value: at(v, "value"),
        }));
    }
    default:
      return [];
  }
}

/**
 * No credential in a Lambda function's, task definition's or CodeBuild project's plain
 * environment.
 */
export const noSecretsInEnvironment: ResourceValidationPolicy = {
  name: "greenlight-no-secrets-in-environment",
  description:
    "Lambda, ECS task and CodeBuild environments may not hold secrets (Slack webhook URLs, " +
    "tokens, access keys, keys, *_SECRET/*_TOKEN/*_PASSWORD/*_WEBHOOK_URL values): plain " +
    "environments show in the console, in DescribeTaskDefinition and in the state file. Put " +
    "the secret in Secrets Manager and pass its ARN.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const variables = environmentOf(args.type, resolveProps(args.props));
    if (variables === "unknown") return;
    for (const variable of variables) {
      const reason = secretReason(variable);
      if (reason === undefined) continue;
      reportViolation(
        `${describe(args)}: ${variable.where} ${variable.name} — ${reason}. Store the value in ` +
          `Secrets Manager and pass its ARN (a variable ending in _ARN) instead, or use the ` +
          `task definition's "secrets" / CodeBuild's SECRETS_MANAGER type.`,
      );
    }
  },
};

/** Whether a buildspec builds a container image. */
export function buildsImage(buildspec: string): boolean {
  return /\bdocker\s+(?:buildx\s+)?build\b/.test(buildspec);
}

/**
 * CodeBuild runs privileged (Docker-in-Docker) only for projects that build an image.
 */
export const privilegedOnlyForImageBuilds: ResourceValidationPolicy = {
  name: "greenlight-codebuild-privileged-for-images",
  description:
    "A CodeBuild project may run in privileged mode only when its inline buildspec builds a " +
    "container image (`docker build`): privileged mode gives the build root on its host, which " +
    "only the Docker daemon needs.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    aws.codebuild.Project,
    (_project, args, reportViolation) => {
      const props = resolveProps(args.props);
      if (at(props, "environment", "privilegedMode") !== true) return;
      const buildspec = at(props, "source", "buildspec");
      if (isUnknown(buildspec)) return;
      const inline = typeof buildspec === "string" && buildspec.includes("\n");
      if (inline && buildsImage(buildspec)) return;
      reportViolation(
        inline
          ? `${describe(args)} runs in privileged mode but its buildspec never runs \`docker build\`. ` +
              `Set environment.privilegedMode: false.`
          : `${describe(args)} runs in privileged mode with a buildspec the policy cannot read ` +
              `(${buildspec === undefined ? "the repository's buildspec.yml" : JSON.stringify(buildspec)}). ` +
              `Inline the buildspec (source.buildspec) so the image build is visible, or set ` +
              `environment.privilegedMode: false.`,
      );
    },
  ),
};

/** The secrets and build policies. */
export const secretsPolicies = [noSecretsInEnvironment, privilegedOnlyForImageBuilds] as const;
