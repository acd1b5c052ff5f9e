/**
 * The rules of a service's runtime keys — `environment`, `secrets`, `secretsKmsKeyArn`,
 * `permissions` and `autoscaling` — as pure functions over parsed values. The shapes are declared
 * in the configuration schema (`config/schema.ts`), which applies these rules; each returns the
 * problems it finds (a path relative to the value it was given, and the message after the key,
 * which names other keys as written: `greenlight:services[1].secrets.DB_PASSWORD`), and none ever
 * repeats a value that may be a secret.
 */
import type { Problem } from "./config/rules";
import { keyOf } from "./config/problems";
import { WILDCARD_RESOURCE_ACTIONS } from "./iam";

/** A Secrets Manager secret (by ARN or by name), optionally one JSON key of it, or an SSM parameter. */
export type SecretSource =
  | {
      readonly kind: "secretsManager";
      /** The secret's ARN (complete or partial) or its name, as written. */
      readonly secret: string;
      /** One key of a JSON secret. @default - the whole secret string */
      readonly jsonKey?: string;
    }
  | {
      readonly kind: "ssm";
      /** The parameter's name (`/prod/orders/db-url`) or ARN. */
      readonly parameter: string;
    };

/** One container environment variable whose value ECS reads from a secret when a task starts. */
export interface ServiceSecret {
  readonly name: string;
  readonly source: SecretSource;
}

/** When `autoscaling` names no metric, it holds the tasks' average CPU at this percentage. */
export const DEFAULT_SCALING_CPU_PERCENT = 70;

/** At most this many tasks for a Greenlight service, as `desiredCount` (CodeDeploy runs two sets). */
export const MAX_SCALING_CAPACITY = 200;

/** Managed policies IAM attaches to a role by default. */
export const MAX_MANAGED_POLICIES = 10;

/**
 * Variable names that announce a secret. Names ending in `_ARN` (or `_NAME`, `_ID`) are fine: they
 * point at a secret in Secrets Manager or SSM, which is the right way to pass one. The policy pack
 * applies the same pattern to every environment it checks.
 */
export const SECRET_NAME_PATTERN =
  /(?:^|_)(?:SECRET|TOKEN|PASSWORD|PASSWD|WEBHOOK_URL|API_KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS)$/i;

/** Values that are credentials whatever their variable is called (shared with the policy pack). */
export const SECRET_VALUE_PATTERNS: readonly { readonly what: string; readonly pattern: RegExp }[] =
  [
    { what: "a Slack webhook URL", pattern: /https:\/\/hooks\.slack\.com\//i },
    { what: "a Slack token", pattern: /\bxox[abposr]-/ },
    { what: "a GitHub token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]|github_pat_)/ },
    { what: "an AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
    { what: "a PEM key or certificate", pattern: /-----BEGIN / },
    { what: "a URL with a password in it", pattern: /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i },
  ];

/**
 * Names a service may not set: ECS and Fargate set these in every container (credentials
 * endpoint, region, metadata endpoints), static AWS credentials belong in the task role, and
 * Greenlight sets `PORT` from `containerPort`.
 */
export const RESERVED_ENVIRONMENT_NAMES: Readonly<Record<string, string>> = {
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "ECS sets it: the task role's credentials endpoint",
  AWS_CONTAINER_CREDENTIALS_FULL_URI: "ECS sets it: the task role's credentials endpoint",
  AWS_CONTAINER_AUTHORIZATION_TOKEN: "ECS sets it for the credentials endpoint",
  AWS_EXECUTION_ENV: "Fargate sets it (AWS_ECS_FARGATE)",
  AWS_REGION: "ECS sets it to the task's region",
  AWS_DEFAULT_REGION: "ECS sets it to the task's region",
  ECS_CONTAINER_METADATA_URI: "ECS sets it: the task metadata endpoint",
  ECS_CONTAINER_METADATA_URI_V4: "ECS sets it: the task metadata endpoint",
  ECS_AGENT_URI: "ECS sets it",
  AWS_ACCESS_KEY_ID: "static credentials override the task role",
  AWS_SECRET_ACCESS_KEY: "static credentials override the task role",
  AWS_SESSION_TOKEN: "static credentials override the task role",
  PORT: "Greenlight sets it from containerPort",
};

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const JSON_KEY = /^[^:\s]{1,256}$/;
const SECRETS_MANAGER_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):secretsmanager:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):secret:([A-Za-z0-9/_+=.@-]{1,512})(?::([^:\s]+))?$/;
const SSM_PARAMETER_NAME = /^[A-Za-z0-9_.\-/]{1,2048}$/;
const SSM_PARAMETER_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):ssm:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:parameter\/[A-Za-z0-9_.\-/]{1,2048}$/;
/** A KMS key ARN (single- or multi-Region key); IAM scopes kms:Decrypt to keys, not aliases. */
export const KMS_KEY_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):kms:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:key\/(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** An IAM action: `<service>:<Action>`. */
export const ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;
/** A resource ARN (any service; the account may be empty, as in S3, or `aws`). */
export const RESOURCE_ARN = /^arn:(aws|aws-cn|aws-us-gov):[a-z0-9-]+:[a-z0-9-]*:(\d{12}|aws)?:\S+$/;
/** A managed policy: AWS's (`iam::aws:policy/…`) or the account's. */
export const MANAGED_POLICY_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):iam::(aws|\d{12}):policy\/[\w+=,.@/-]{1,512}$/;
/** AWS managed policies too broad for a service's task role. */
export const FORBIDDEN_POLICIES = ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"];
/** IAM's rule for a statement id. */
export const SID = /^[A-Za-z0-9]{1,100}$/;

/** What a secret reference may be, said in every message about one. */
export const SECRET_REFERENCE_HELP =
  "use a Secrets Manager secret ARN or name, optionally with :json-key (prod/orders/db:password), or {ssm: /prod/orders/db-url}";

/** Why a variable name ECS or Greenlight sets may not be set here (the message after the key). */
export function reservedNameProblem(name: string): string | undefined {
  const reserved = RESERVED_ENVIRONMENT_NAMES[name];
  if (reserved === undefined) return undefined;
  const fix = reserved.startsWith("static")
    ? "grant the AWS access the service needs in permissions (its task role) instead"
    : "remove it, or rename it";
  return `is reserved (${reserved}); ${fix}.`;
}

/**
 * `services[].environment`: plain variables only. A name that says it holds a secret
 * (`DB_PASSWORD`, `API_TOKEN`) or a value that looks like one (an AWS access key id, a Slack
 * webhook, a URL with a password) is refused with a pointer at `secrets`; the value is never shown.
 * `secretNames` are the variables `secrets` sets, which may not be set twice; `secretsPath` is
 * where they are (`["services", 1, "secrets"]`). Paths are relative to the environment map.
 */
export function environmentProblems(
  environment: Readonly<Record<string, string>>,
  secretNames: readonly string[],
  secretsPath: readonly (string | number)[],
): Problem[] {
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(environment)) {
    const secretKey = keyOf([...secretsPath, name]);
    const looks = SECRET_VALUE_PATTERNS.find((p) => p.pattern.test(value));
    if (looks !== undefined) {
      problems.push({
        path: [name],
        message: `has a value that looks like ${looks.what} (not shown); environment values are plain text in the task definition and the console: store it in Secrets Manager or SSM and reference it in ${secretKey}.`,
      });
    } else if (SECRET_NAME_PATTERN.test(name)) {
      problems.push({
        path: [name],
        message: `is named like a secret; environment values are plain text in the task definition and the console: store it in Secrets Manager or SSM and reference it in ${secretKey} (or rename a non-secret variable).`,
      });
    } else if (secretNames.includes(name)) {
      problems.push({
        path: [name],
        message: `is also set in ${secretKey}; set it in one of them.`,
      });
    }
  }
  return problems;
}

/** A secret reference as written: a string (`arn:…`, `name`, `name:json-key`) or `{ssm: name}`. */
export type SecretReference = string | { readonly ssm: string };

/**
 * Reads one secret reference. Problems are relative to the reference (`ssm` for the map form);
 * the value is undefined when there are any.
 */
export function parseSecretSource(reference: SecretReference): {
  value?: SecretSource;
  problems: Problem[];
} {
  if (typeof reference !== "string") {
    const parameter = reference.ssm;
    const valid =
      SSM_PARAMETER_ARN.test(parameter) ||
      (SSM_PARAMETER_NAME.test(parameter) &&
        (parameter.startsWith("/") || !parameter.includes("/")));
    if (!valid || /\/\//.test(parameter) || parameter.endsWith("/")) {
      return {
        problems: [
          {
            path: ["ssm"],
            message: `is ${JSON.stringify(parameter)}; an SSM parameter name uses letters, digits and _ . - /, and a hierarchical name starts with / (e.g. /prod/orders/db-url), or give its ARN.`,
          },
        ],
      };
    }
    return { value: { kind: "ssm", parameter }, problems: [] };
  }
  const fail = (message: string) => ({ problems: [{ path: [], message }] });
  if (reference.startsWith("arn:")) {
    const match = SECRETS_MANAGER_ARN.exec(reference);
    if (match === null) {
      const ssm = reference.includes(":ssm:") ? " (an SSM parameter ARN goes in {ssm: <arn>})" : "";
      return fail(
        `is not a Secrets Manager secret ARN${ssm}; expected arn:aws:secretsmanager:<region>:<account>:secret:<name>[:json-key]. ${SECRET_REFERENCE_HELP[0].toUpperCase()}${SECRET_REFERENCE_HELP.slice(1)}.`,
      );
    }
    const arn = reference.slice(0, reference.length - (match[5] ? match[5].length + 1 : 0));
    return { value: { kind: "secretsManager", secret: arn, jsonKey: match[5] }, problems: [] };
  }
  const colon = reference.indexOf(":");
  const name = colon < 0 ? reference : reference.slice(0, colon);
  const jsonKey = colon < 0 ? undefined : reference.slice(colon + 1);
  if (!SECRET_NAME.test(name)) {
    return fail(
      `names the secret ${JSON.stringify(name)}; a Secrets Manager secret name uses letters, digits and / _ + = . @ - (at most 512).`,
    );
  }
  if (jsonKey !== undefined && !JSON_KEY.test(jsonKey)) {
    return fail(
      `has a malformed JSON key after "${name}:"; write <secret name>:<json-key> with one key and no spaces or further colons (e.g. prod/orders/db:password).`,
    );
  }
  return { value: { kind: "secretsManager", secret: name, jsonKey }, problems: [] };
}

/** `services[].secrets` as the components use it: one entry per variable, sorted by name. */
export function secretList(secrets: Readonly<Record<string, SecretSource>>): ServiceSecret[] {
  return Object.entries(secrets)
    .map(([name, source]) => ({ name, source }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Why an action cannot be granted (the message after the key), or undefined. */
export function actionProblem(action: string): string | undefined {
  if (action.includes("*")) {
    return `is ${JSON.stringify(action)}; Greenlight grants named actions only: list each action the service calls (e.g. s3:GetObject, s3:PutObject).`;
  }
  if (!ACTION.test(action)) {
    return `is ${JSON.stringify(action)}; an action is <service>:<Action>, e.g. dynamodb:GetItem.`;
  }
  return undefined;
}

/** Why a managed policy may not be attached (the message after the key), or undefined. */
export function managedPolicyProblem(arn: string): string | undefined {
  const name = arn.split("/").pop() ?? "";
  if (/^arn:[^:]+:iam::aws:policy\//.test(arn) && FORBIDDEN_POLICIES.includes(name)) {
    return `attaches ${name}, which grants nearly everything in the account; list the statements the service needs instead.`;
  }
  return undefined;
}

/** The parts of a statement the resource rule looks at. */
export interface StatementShape {
  readonly effect: "Allow" | "Deny";
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/**
 * A statement's resources: `"*"` only for actions AWS offers no resource-level permissions for
 * (WILDCARD_RESOURCE_ACTIONS), in an Allow; paths relative to the statement.
 */
export function statementProblems(statement: StatementShape): Problem[] {
  const problems: Problem[] = [];
  statement.resources.forEach((resource, j) => {
    if (resource !== "*" || statement.effect !== "Allow") return;
    const beyond = statement.actions.filter((a) => !WILDCARD_RESOURCE_ACTIONS.has(a));
    if (beyond.length === 0) return;
    const examples = [...WILDCARD_RESOURCE_ACTIONS].filter(
      (a) => a.startsWith("cloudwatch:") || a.startsWith("xray:"),
    );
    problems.push({
      path: ["resources", j],
      message: `is "*" for ${beyond.join(", ")}; name the resources' ARNs ("*" is only for actions without resource-level permissions, such as ${examples.join(", ")}).`,
    });
  });
  return problems;
}

/** `permissions.managedPolicyArns`: each once, at most MAX_MANAGED_POLICIES; paths relative to the list. */
export function managedPoliciesProblems(arns: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  arns.forEach((arn, i) => {
    if (arns.indexOf(arn) < i)
      problems.push({ path: [i], message: `lists ${arn} twice; list it once.` });
  });
  const count = new Set(arns).size;
  if (count > MAX_MANAGED_POLICIES) {
    problems.push({
      path: [],
      message: `lists ${count} policies; IAM attaches at most ${MAX_MANAGED_POLICIES} managed policies to a role by default.`,
    });
  }
  return problems;
}

/** The bounds of `services[].autoscaling`. */
export interface ScalingBounds {
  readonly min: number;
  readonly max: number;
}

/** `autoscaling`: min ≤ max (paths relative to autoscaling). */
export function autoscalingProblems(scaling: ScalingBounds): Problem[] {
  if (scaling.min <= scaling.max) return [];
  return [
    {
      path: ["min"],
      message: `is ${scaling.min}, more than max ${scaling.max}; set min ≤ max.`,
    },
  ];
}

/** With no metric named, target tracking holds CPU at DEFAULT_SCALING_CPU_PERCENT. */
export function withDefaultMetric<
  T extends ScalingBounds & {
    cpuPercent?: number;
    memoryPercent?: number;
    requestsPerTarget?: number;
  },
>(scaling: T): T {
  const none =
    scaling.cpuPercent === undefined &&
    scaling.memoryPercent === undefined &&
    scaling.requestsPerTarget === undefined;
  return none ? { ...scaling, cpuPercent: DEFAULT_SCALING_CPU_PERCENT } : scaling;
}

/**
 * A `desiredCount` the stack file sets explicitly must lie within the autoscaling range; without
 * one the service starts at `min`. Paths relative to the service.
 */
export function desiredCountProblems(
  desiredCount: number | undefined,
  scaling: ScalingBounds | undefined,
): Problem[] {
  if (desiredCount === undefined || scaling === undefined || scaling.min > scaling.max) return [];
  if (desiredCount >= scaling.min && desiredCount <= scaling.max) return [];
  return [
    {
      path: ["desiredCount"],
      message: `is ${desiredCount}, outside autoscaling ${scaling.min}–${scaling.max}; remove desiredCount (the service starts at min) or set it within the range.`,
    },
  ];
}
