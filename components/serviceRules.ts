/**
 * The rules of a service's runtime keys — `environment`, `secrets`, `secretsKmsKeyArn`,
 * `permissions` and `autoscaling` — as pure functions over plain values. Each returns the parsed
 * value and its problems; every problem names the key as written in the stack file
 * (`greenlight:services[1].secrets.DB_PASSWORD`) and says how to fix it, and none ever repeats a
 * value that may be a secret.
 */
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

/** One IAM statement granted to a service's task role. */
export interface PermissionStatement {
  readonly sid?: string;
  readonly effect: "Allow" | "Deny";
  /** Named actions (`dynamodb:GetItem`): no wildcards. */
  readonly actions: readonly string[];
  /** Resource ARNs; `"*"` only for actions AWS offers no resource-level permissions for. */
  readonly resources: readonly string[];
  /** An IAM `Condition` block, passed through. */
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, string | string[]>>>>;
}

/** The application's own AWS permissions (its task role). */
export interface ServicePermissions {
  readonly statements: readonly PermissionStatement[];
  /** Managed policies attached to the task role. */
  readonly managedPolicyArns: readonly string[];
}

/** Target tracking on the ECS service's desired count. */
export interface AutoscalingConfig {
  readonly min: number;
  readonly max: number;
  /** Average CPU of the service's tasks (percent of their reservation) to hold. */
  readonly cpuPercent?: number;
  /** Average memory of the service's tasks (percent of their reservation) to hold. */
  readonly memoryPercent?: number;
  /** Requests per minute per task, on whichever target group is live. */
  readonly requestsPerTarget?: number;
}

/** What a rule returns: the parsed value (a safe fallback when there are problems) and its problems. */
export interface Parsed<T> {
  readonly value: T;
  readonly problems: string[];
}

/** When `autoscaling` names no metric, it holds the tasks' average CPU at this percentage. */
export const DEFAULT_SCALING_CPU_PERCENT = 70;

/** At most this many tasks for a Greenlight service, as `desiredCount` (CodeDeploy runs two sets). */
export const MAX_SCALING_CAPACITY = 200;

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

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
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
const ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;
const RESOURCE_ARN = /^arn:(aws|aws-cn|aws-us-gov):[a-z0-9-]+:[a-z0-9-]*:(\d{12}|aws)?:\S+$/;
const MANAGED_POLICY_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):iam::(aws|\d{12}):policy\/[\w+=,.@/-]{1,512}$/;
const FORBIDDEN_POLICIES = ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"];
const SID = /^[A-Za-z0-9]{1,100}$/;

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kind(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (isMap(value)) return "a map";
  return typeof value;
}

function unknownKeys(
  key: string,
  value: Record<string, unknown>,
  known: readonly string[],
): string[] {
  return Object.keys(value)
    .filter((k) => !known.includes(k))
    .map((k) => `${key}.${k} is not a Greenlight setting; known settings: ${known.join(", ")}.`);
}

/** Why an environment variable name is refused, or undefined; never looks at a secret's value. */
export function environmentNameProblem(key: string, name: string): string | undefined {
  if (!ENV_NAME.test(name)) {
    return `${key} is not a valid environment variable name; use letters, digits and underscores.`;
  }
  if (name.startsWith("GREENLIGHT_")) {
    return `${key} uses the GREENLIGHT_ prefix, which the pipeline reserves for build metadata; rename it.`;
  }
  const reserved = RESERVED_ENVIRONMENT_NAMES[name];
  if (reserved !== undefined) {
    const fix = reserved.startsWith("static")
      ? "grant the AWS access the service needs in permissions (its task role) instead"
      : "remove it, or rename it";
    return `${key} is reserved (${reserved}); ${fix}.`;
  }
  return undefined;
}

/**
 * `services[].environment`: plain variables only. A name that says it holds a secret
 * (`DB_PASSWORD`, `API_TOKEN`) or a value that looks like one (an AWS access key id, a Slack
 * webhook, a URL with a password) is refused with a pointer at `secrets`; the value is never shown.
 * `secretNames` are the variables `secrets` sets, which may not be set twice.
 */
export function checkEnvironment(
  key: string,
  environment: Readonly<Record<string, string>>,
  secretNames: readonly string[] = [],
): string[] {
  const secretsKey = key.replace(/\.environment$/, ".secrets");
  const problems: string[] = [];
  for (const [name, value] of Object.entries(environment)) {
    const at = `${key}.${name}`;
    const nameProblem = environmentNameProblem(at, name);
    if (nameProblem !== undefined) {
      problems.push(nameProblem);
      continue;
    }
    const looks = SECRET_VALUE_PATTERNS.find((p) => p.pattern.test(value));
    if (looks !== undefined) {
      problems.push(
        `${at} has a value that looks like ${looks.what} (not shown); environment values are plain text in the task definition and the console: store it in Secrets Manager or SSM and reference it in ${secretsKey}.${name}.`,
      );
    } else if (SECRET_NAME_PATTERN.test(name)) {
      problems.push(
        `${at} is named like a secret; environment values are plain text in the task definition and the console: store it in Secrets Manager or SSM and reference it in ${secretsKey}.${name} (or rename a non-secret variable).`,
      );
    } else if (secretNames.includes(name)) {
      problems.push(`${at} is also set in ${secretsKey}.${name}; set it in one of them.`);
    }
  }
  return problems;
}

/** Parses one secret reference (`arn:…`, `name`, `name:json-key`, or `{ssm: name}`). */
export function parseSecretSource(key: string, value: unknown): Parsed<SecretSource | undefined> {
  const help =
    "use a Secrets Manager secret ARN or name, optionally with :json-key (prod/orders/db:password), or {ssm: /prod/orders/db-url}";
  if (isMap(value)) {
    const extra = unknownKeys(key, value, ["ssm"]);
    const parameter = value.ssm;
    if (typeof parameter !== "string" || parameter === "") {
      return {
        value: undefined,
        problems: [...extra, `${key}.ssm must be an SSM parameter name or ARN; ${help}.`],
      };
    }
    const valid =
      SSM_PARAMETER_ARN.test(parameter) ||
      (SSM_PARAMETER_NAME.test(parameter) &&
        (parameter.startsWith("/") || !parameter.includes("/")));
    if (!valid || /\/\//.test(parameter) || parameter.endsWith("/")) {
      return {
        value: undefined,
        problems: [
          ...extra,
          `${key}.ssm is ${JSON.stringify(parameter)}; an SSM parameter name uses letters, digits and _ . - /, and a hierarchical name starts with / (e.g. /prod/orders/db-url), or give its ARN.`,
        ],
      };
    }
    return { value: extra.length ? undefined : { kind: "ssm", parameter }, problems: extra };
  }
  if (typeof value !== "string" || value.trim() === "") {
    return { value: undefined, problems: [`${key} is ${kind(value)}; ${help}.`] };
  }
  if (value.startsWith("arn:")) {
    const match = SECRETS_MANAGER_ARN.exec(value);
    if (match === null) {
      const ssm = value.includes(":ssm:") ? " (an SSM parameter ARN goes in {ssm: <arn>})" : "";
      return {
        value: undefined,
        problems: [
          `${key} is not a Secrets Manager secret ARN${ssm}; expected arn:aws:secretsmanager:<region>:<account>:secret:<name>[:json-key]. ${help[0].toUpperCase()}${help.slice(1)}.`,
        ],
      };
    }
    const arn = value.slice(0, value.length - (match[5] ? match[5].length + 1 : 0));
    return { value: { kind: "secretsManager", secret: arn, jsonKey: match[5] }, problems: [] };
  }
  const colon = value.indexOf(":");
  const name = colon < 0 ? value : value.slice(0, colon);
  const jsonKey = colon < 0 ? undefined : value.slice(colon + 1);
  if (!SECRET_NAME.test(name)) {
    return {
      value: undefined,
      problems: [
        `${key} names the secret ${JSON.stringify(name)}; a Secrets Manager secret name uses letters, digits and / _ + = . @ - (at most 512).`,
      ],
    };
  }
  if (jsonKey !== undefined && !JSON_KEY.test(jsonKey)) {
    return {
      value: undefined,
      problems: [
        `${key} has a malformed JSON key after "${name}:"; write <secret name>:<json-key> with one key and no spaces or further colons (e.g. prod/orders/db:password).`,
      ],
    };
  }
  return { value: { kind: "secretsManager", secret: name, jsonKey }, problems: [] };
}

/** `services[].secrets`: `{ ENV_NAME: <reference> }`. */
export function parseSecrets(key: string, value: unknown): Parsed<ServiceSecret[]> {
  if (value === undefined || value === null) return { value: [], problems: [] };
  if (!isMap(value)) {
    return {
      value: [],
      problems: [`${key} must be a map of ENV_NAME: <secret reference>, not ${kind(value)}.`],
    };
  }
  const problems: string[] = [];
  const secrets: ServiceSecret[] = [];
  for (const [name, reference] of Object.entries(value)) {
    const at = `${key}.${name}`;
    const nameProblem = environmentNameProblem(at, name);
    if (nameProblem !== undefined) {
      problems.push(nameProblem);
      continue;
    }
    const source = parseSecretSource(at, reference);
    problems.push(...source.problems);
    if (source.value !== undefined) secrets.push({ name, source: source.value });
  }
  secrets.sort((a, b) => a.name.localeCompare(b.name));
  return { value: secrets, problems };
}

/** `services[].secretsKmsKeyArn`: the customer managed key that encrypts the secrets, if any. */
export function kmsKeyProblem(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !KMS_KEY_ARN.test(value)) {
    return `${key} is ${typeof value === "string" ? JSON.stringify(value) : kind(value)}; give the KMS key's ARN (arn:aws:kms:<region>:<account>:key/<key id>), not an alias: IAM grants kms:Decrypt on keys.`;
  }
  return undefined;
}

function stringList(key: string, value: unknown, problems: string[]): string[] {
  const items = typeof value === "string" ? [value] : value;
  if (!Array.isArray(items) || items.length === 0) {
    problems.push(`${key} must be a non-empty list of strings.`);
    return [];
  }
  const out: string[] = [];
  items.forEach((item, i) => {
    if (typeof item !== "string" || item.trim() === "") {
      problems.push(`${key}[${i}] is ${kind(item)}; use a non-empty string.`);
    } else {
      out.push(item);
    }
  });
  return out;
}

function parseConditions(
  key: string,
  value: unknown,
  problems: string[],
): PermissionStatement["conditions"] {
  if (value === undefined) return undefined;
  const shape = `${key} must be an IAM Condition block: {<operator>: {<condition key>: <value or list>}} (e.g. {StringEquals: {"aws:ResourceTag/team": orders}}).`;
  if (!isMap(value) || Object.keys(value).length === 0) {
    problems.push(shape);
    return undefined;
  }
  const out: Record<string, Record<string, string | string[]>> = {};
  for (const [operator, block] of Object.entries(value)) {
    if (!/^[A-Za-z]+(?::[A-Za-z]+)?$/.test(operator) || !isMap(block)) {
      problems.push(shape);
      return undefined;
    }
    out[operator] = {};
    for (const [conditionKey, v] of Object.entries(block)) {
      const scalar = (x: unknown) =>
        typeof x === "string" || typeof x === "number" || typeof x === "boolean";
      if (scalar(v)) out[operator][conditionKey] = String(v);
      else if (Array.isArray(v) && v.length > 0 && v.every(scalar))
        out[operator][conditionKey] = v.map(String);
      else {
        problems.push(`${key}.${operator}.${conditionKey} must be a string or a list of strings.`);
        return undefined;
      }
    }
  }
  return out;
}

/**
 * `services[].permissions`: `{statements: [{actions, resources, effect?, sid?, conditions?}],
 * managedPolicyArns: [...]}` for the task role. Named actions only (no `*`, no `s3:Get*`); resource
 * `"*"` only for the actions in WILDCARD_RESOURCE_ACTIONS; no administrator policies — the policy
 * pack's IAM rules, applied before anything is created.
 */
export function parsePermissions(key: string, value: unknown): Parsed<ServicePermissions> {
  const none: ServicePermissions = { statements: [], managedPolicyArns: [] };
  if (value === undefined || value === null) return { value: none, problems: [] };
  if (!isMap(value)) {
    return {
      value: none,
      problems: [
        `${key} must be a map with statements (a list of {actions, resources}) and/or managedPolicyArns, not ${kind(value)}.`,
      ],
    };
  }
  const problems = unknownKeys(key, value, ["statements", "managedPolicyArns"]);
  const statements: PermissionStatement[] = [];
  const rawStatements = value.statements ?? [];
  if (!Array.isArray(rawStatements)) {
    problems.push(
      `${key}.statements must be a list of {actions, resources}, not ${kind(rawStatements)}.`,
    );
  } else {
    rawStatements.forEach((raw, i) => {
      const at = `${key}.statements[${i}]`;
      if (!isMap(raw)) {
        problems.push(`${at} must be a map {actions, resources}, not ${kind(raw)}.`);
        return;
      }
      const before = problems.length;
      problems.push(
        ...unknownKeys(at, raw, ["sid", "effect", "actions", "resources", "conditions"]),
      );
      const effect = raw.effect ?? "Allow";
      if (effect !== "Allow" && effect !== "Deny") {
        problems.push(`${at}.effect is ${JSON.stringify(effect)}; use Allow or Deny.`);
      }
      if (raw.sid !== undefined && (typeof raw.sid !== "string" || !SID.test(raw.sid))) {
        problems.push(`${at}.sid must be letters and digits only (IAM's rule for a Sid).`);
      }
      const actions = stringList(`${at}.actions`, raw.actions, problems);
      actions.forEach((action, j) => {
        if (action.includes("*")) {
          problems.push(
            `${at}.actions[${j}] is ${JSON.stringify(action)}; Greenlight grants named actions only: list each action the service calls (e.g. s3:GetObject, s3:PutObject).`,
          );
        } else if (!ACTION.test(action)) {
          problems.push(
            `${at}.actions[${j}] is ${JSON.stringify(action)}; an action is <service>:<Action>, e.g. dynamodb:GetItem.`,
          );
        }
      });
      const resources = stringList(`${at}.resources`, raw.resources, problems);
      resources.forEach((resource, j) => {
        if (resource === "*") {
          const beyond = actions.filter((a) => !WILDCARD_RESOURCE_ACTIONS.has(a));
          if (effect === "Allow" && beyond.length > 0) {
            problems.push(
              `${at}.resources[${j}] is "*" for ${beyond.join(", ")}; name the resources' ARNs ("*" is only for actions without resource-level permissions, such as ${[...WILDCARD_RESOURCE_ACTIONS].filter((a) => a.startsWith("cloudwatch:") || a.startsWith("xray:")).join(", ")}).`,
            );
          }
        } else if (!RESOURCE_ARN.test(resource)) {
          problems.push(
            `${at}.resources[${j}] is ${JSON.stringify(resource)}; give a full ARN (e.g. arn:aws:dynamodb:eu-west-1:123456789012:table/orders or arn:aws:s3:::acme-orders/*).`,
          );
        }
      });
      const conditions = parseConditions(`${at}.conditions`, raw.conditions, problems);
      if (problems.length === before) {
        statements.push({
          ...(raw.sid !== undefined ? { sid: raw.sid as string } : {}),
          effect: effect as "Allow" | "Deny",
          actions,
          resources,
          ...(conditions !== undefined ? { conditions } : {}),
        });
      }
    });
  }
  const managedPolicyArns: string[] = [];
  if (value.managedPolicyArns !== undefined) {
    stringList(`${key}.managedPolicyArns`, value.managedPolicyArns, problems).forEach((arn, i) => {
      const at = `${key}.managedPolicyArns[${i}]`;
      const name = arn.split("/").pop() ?? "";
      if (!MANAGED_POLICY_ARN.test(arn)) {
        problems.push(
          `${at} is ${JSON.stringify(arn)}; give a managed policy ARN (arn:aws:iam::123456789012:policy/orders-read or arn:aws:iam::aws:policy/…).`,
        );
      } else if (/^arn:[^:]+:iam::aws:policy\//.test(arn) && FORBIDDEN_POLICIES.includes(name)) {
        problems.push(
          `${at} attaches ${name}, which grants nearly everything in the account; list the statements the service needs instead.`,
        );
      } else if (managedPolicyArns.includes(arn)) {
        problems.push(`${at} lists ${arn} twice; list it once.`);
      } else {
        managedPolicyArns.push(arn);
      }
    });
    if (managedPolicyArns.length > 10) {
      problems.push(
        `${key}.managedPolicyArns lists ${managedPolicyArns.length} policies; IAM attaches at most 10 managed policies to a role by default.`,
      );
    }
  }
  return { value: { statements, managedPolicyArns }, problems };
}

/**
 * `services[].autoscaling`: `{min, max, cpuPercent?, memoryPercent?, requestsPerTarget?}`; with
 * no metric named, it holds CPU at DEFAULT_SCALING_CPU_PERCENT. `desiredCount` is the count the
 * stack file sets explicitly (undefined when it relies on the default), which must lie within
 * `[min, max]`.
 */
export function parseAutoscaling(
  key: string,
  value: unknown,
  desiredCount?: number,
): Parsed<AutoscalingConfig | undefined> {
  if (value === undefined || value === null) return { value: undefined, problems: [] };
  if (!isMap(value)) {
    return {
      value: undefined,
      problems: [
        `${key} must be a map {min, max, cpuPercent?, memoryPercent?, requestsPerTarget?}, not ${kind(value)}.`,
      ],
    };
  }
  const problems = unknownKeys(key, value, [
    "min",
    "max",
    "cpuPercent",
    "memoryPercent",
    "requestsPerTarget",
  ]);
  const integer = (
    name: string,
    min: number,
    max: number,
    required: boolean,
  ): number | undefined => {
    const v = value[name];
    if (v === undefined || v === null) {
      if (required)
        problems.push(
          `${key}.${name} is required; set the ${name === "min" ? "fewest" : "most"} tasks the service may run.`,
        );
      return undefined;
    }
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      problems.push(
        `${key}.${name} is ${JSON.stringify(v)}; use a whole number from ${min} to ${max}.`,
      );
      return undefined;
    }
    return v;
  };
  const min = integer("min", 1, MAX_SCALING_CAPACITY, true);
  const max = integer("max", 1, MAX_SCALING_CAPACITY, true);
  const cpuPercent = integer("cpuPercent", 10, 95, false);
  const memoryPercent = integer("memoryPercent", 10, 95, false);
  const requestsPerTarget = integer("requestsPerTarget", 1, 1_000_000, false);
  if (min !== undefined && max !== undefined && min > max) {
    problems.push(`${key}.min is ${min}, more than max ${max}; set min ≤ max.`);
  }
  if (desiredCount !== undefined && min !== undefined && max !== undefined && min <= max) {
    if (desiredCount < min || desiredCount > max) {
      const serviceKey = key.replace(/\.autoscaling$/, "");
      problems.push(
        `${serviceKey}.desiredCount is ${desiredCount}, outside autoscaling ${min}–${max}; remove desiredCount (the service starts at min) or set it within the range.`,
      );
    }
  }
  if (problems.length > 0 || min === undefined || max === undefined) {
    return { value: undefined, problems };
  }
  const none =
    cpuPercent === undefined && memoryPercent === undefined && requestsPerTarget === undefined;
  return {
    value: {
      min,
      max,
      ...(none ? { cpuPercent: DEFAULT_SCALING_CPU_PERCENT } : {}),
      ...(cpuPercent !== undefined ? { cpuPercent } : {}),
      ...(memoryPercent !== undefined ? { memoryPercent } : {}),
      ...(requestsPerTarget !== undefined ? { requestsPerTarget } : {}),
    },
    problems,
  };
}
