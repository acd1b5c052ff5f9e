/**
 * The stack configuration's schema, declared once: the shape, limits, defaults and descriptions of
 * every `greenlight:*` key. The component types are inferred from it (`config.ts`), the editors'
 * JSON Schema and the README's reference are generated from it (`docs.ts`). Rules that relate
 * several keys are plain functions in `rules.ts`, applied by the section transforms below.
 *
 * To add a key: give it a field here, in its section (`serviceSchema`, `loadBalancerSchema`, …),
 * built from `fields.ts` so its messages match the others, wrapped in `doc(…, description,
 * defaultText?)`, with `.default(v)` for a fixed default or `.optional()` when it is resolved
 * from other keys. A rule that involves other keys is a function returning `Problem[]` in
 * `rules.ts`, called from the section's check (or `crossSectionProblems` across sections); a
 * default that depends on other keys goes in the matching resolver. The component types follow
 * by inference. Then `npm run schema` regenerates the JSON Schema and the README table.
 */
import { z } from "zod";
import {
  BUILD_COMPUTE_TYPES,
  DEPLOYMENT_ENGINES,
  FARGATE_SIZES,
  LOG_RETENTION_DAYS,
  MAX_SERVICE_NAME_LENGTH,
  MAX_SHARED_PATHS,
  MAX_TERMINATION_WAIT_MINUTES,
  NAT_STRATEGIES,
  SLACK_WEBHOOK_KEY,
  SOURCE_PROVIDERS,
  TRAFFIC_SHIFTING,
  type PredefinedTrafficShifting,
} from "./choices";
import {
  MAX_LISTENERS_PER_ALB,
  MAX_RULE_PRIORITY,
  MAX_RULES_PER_LISTENER,
  MAX_RULES_PER_SECURITY_GROUP,
  MAX_TARGET_GROUPS_PER_ALB,
} from "./limits";
import {
  boolean,
  choice,
  cidr,
  cidrList,
  describe,
  environmentMap,
  environmentName,
  humanList,
  integer,
  item,
  list,
  numberChoice,
  repoPath,
  settings,
  string,
  urlPath,
} from "./fields";
import {
  DNS_NAME,
  domainProblems,
  hostedZone,
  hostedZoneMessage,
  resolveTls,
  tlsProblems,
  type HostedZoneRef,
} from "../domainRules";
import {
  actionProblem,
  autoscalingProblems,
  KMS_KEY_ARN,
  MANAGED_POLICY_ARN,
  managedPoliciesProblems,
  managedPolicyProblem,
  MAX_SCALING_CAPACITY,
  parseSecretSource,
  RESERVED_ENVIRONMENT_NAMES,
  RESOURCE_ARN,
  reservedNameProblem,
  SECRET_REFERENCE_HELP,
  secretList,
  SID,
  statementProblems,
  withDefaultMetric,
  type SecretSource,
} from "../serviceRules";
import {
  crossSectionProblems,
  networkProblems,
  report,
  resolveConfig,
  resolveNetwork,
  resolveSource,
  serviceNameProblems,
  servicesProblems,
  sourceProblems,
  trafficShifting,
  zoneProblems,
  type Problem,
} from "./rules";

/**
 * Documentation a key carries besides its description: the default when it is not a plain
 * value (it depends on other keys), shown in the README and in the editor's description.
 */
export interface KeyDocs {
  readonly description: string;
  readonly defaultText?: string;
}

/** Describes a key; `defaultText` for defaults that depend on other keys. */
function doc<T extends z.ZodType>(schema: T, description: string, defaultText?: string): T {
  return schema.meta(defaultText ? { description, defaultText } : { description });
}

/** A map whose keys are related by `problems`, resolved into what the components use. */
function checked<T extends z.ZodType, O>(
  schema: T,
  problems: (value: z.output<T>) => Problem[],
  resolve: (value: z.output<T>) => O,
) {
  return schema.transform((value, ctx) => {
    const found = problems(value);
    if (found.length === 0) return resolve(value);
    report(ctx, found);
    return z.NEVER;
  });
}

const port = () => integer({ min: 1, max: 65535, help: "ports go from 1 to 65535" });
const subnetId = item({ pattern: /^subnet-[0-9a-f]+$/, help: "e.g. subnet-0abc1234" });
const zoneName = item({
  pattern: /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/,
  help: "use zone names such as eu-west-1a",
});
const gitRef = {
  pattern: /^[^\s~^:?\\[]+$|^[A-Za-z0-9._/*-]+$/,
  help: "use a branch name or a glob such as v* (no spaces, ~, ^, : or ?)",
};
const percent = () => integer({ min: 1, max: 100 });

const zones = z
  .union([integer(), list(zoneName)], {
    error: (iss) =>
      `must be a number of zones or a list of zone names, not ${JSON.stringify(iss.input)}.`,
  })
  .superRefine((value, ctx) => report(ctx, zoneProblems(value)));

export const networkSettings = settings({
  cidr: doc(
    cidr().refine(
      (text) => {
        const prefix = Number(text.split("/")[1]);
        return prefix >= 16 && prefix <= 24;
      },
      {
        error: (iss) =>
          `is ${String(iss.input)}; a VPC block must be between /16 and /24 (e.g. 10.0.0.0/16).`,
      },
    ),
    "The VPC's IPv4 block, /16 to /24, when Greenlight creates the VPC. Subnets: eight equal blocks, public first, private from the fifth.",
    "required (new VPC)",
  ).optional(),
  availabilityZones: doc(
    zones,
    "A count (2–4, the region's first available zones) or a list of zone names.",
    "`2`",
  ).optional(),
  publicSubnetCidrs: doc(
    cidrList(),
    "Explicit public subnet blocks, one per zone, inside the VPC, not overlapping.",
    "derived",
  ).optional(),
  privateSubnetCidrs: doc(
    cidrList(),
    "Explicit private subnet blocks, one per zone, inside the VPC, not overlapping.",
    "derived",
  ).optional(),
  natGateways: doc(
    choice(NAT_STRATEGIES).default("single"),
    "`none` (tasks run in public subnets with public IPs; their security group still admits only the ALB), `single`, or `perAz`.",
  ),
  vpcId: doc(
    string({ pattern: /^vpc-[0-9a-f]+$/, help: "e.g. vpc-0abc1234" }),
    "Adopt an existing VPC instead of creating one (with publicSubnetIds and privateSubnetIds).",
  ).optional(),
  publicSubnetIds: doc(
    list(subnetId, { minLength: 2 }),
    "The existing VPC's public subnets (at least two).",
  ).optional(),
  privateSubnetIds: doc(
    list(subnetId, { minLength: 2 }),
    "The existing VPC's private subnets (at least two).",
  ).optional(),
});
export const networkSchema = checked(networkSettings, networkProblems, resolveNetwork);

const dnsName = () =>
  string({
    pattern: DNS_NAME,
    help: "use a lower-case DNS name such as shop.example.com (no scheme, port or path)",
  });

const domainSchema = checked(
  settings({
    zone: doc(
      string({
        required:
          "is required; give the public Route 53 hosted zone that holds the name, by its name (example.com) or its id (Z0123456789ABCDEFGHIJ).",
      })
        .refine((text) => hostedZone(text) !== undefined, {
          error: (iss) => hostedZoneMessage(iss.input),
        })
        .transform((text) => hostedZone(text) as HostedZoneRef),
      "The public Route 53 hosted zone that holds `name`: its name (`example.com`) or its id (`Z…`).",
    ),
    name: doc(
      string({
        pattern: DNS_NAME,
        help: "give the lower-case DNS name people and the live hook use, such as shop.example.com (no scheme, port, path or wildcard)",
        required:
          "is required; give the lower-case DNS name people and the live hook use, such as shop.example.com.",
      }),
      "The fully qualified name that points at the ALB, in the zone.",
    ),
  }),
  domainProblems,
  (domain) => domain,
);

export const loadBalancerSettings = settings({
  internal: doc(boolean().default(false), "An internal ALB (VPC only)."),
  domain: doc(
    domainSchema,
    "`{zone, name}`: Greenlight requests an ACM certificate for `name` in the ALB's region, validates it by DNS in the Route 53 zone, points `name` at the ALB (A and AAAA aliases); listeners become HTTPS; outputs and the live hook use `name`. Not with `certificateArn` or `domainName`.",
  ).optional(),
  certificateArn: doc(
    string({
      pattern: /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/,
      help: "use an ACM certificate ARN such as arn:aws:acm:eu-west-1:123456789012:certificate/…",
    }),
    "An ACM certificate managed elsewhere: production and test listeners become HTTPS (TLS 1.2/1.3 policy). Needs `domainName`; must be in the stack's region (`aws:region`).",
  ).optional(),
  httpRedirect: doc(
    boolean().default(true),
    "With a certificate: port 80 redirects to HTTPS 443 (it takes one listener and the production ranges' rules).",
  ),
  prodIngressCidrs: doc(cidrList().default(["0.0.0.0/0"]), "Who may reach the production ports."),
  testIngressCidrs: doc(
    cidrList().default([]),
    "Who may reach the test ports besides the VPC itself. `0.0.0.0/0` is refused in production.",
  ),
  deregistrationDelaySeconds: doc(
    integer({ min: 0, max: 3600 }).default(30),
    "Seconds a deregistered target keeps its in-flight requests.",
  ),
  idleTimeoutSeconds: doc(integer({ min: 1, max: 4000 }).default(60), "The ALB's idle timeout."),
  deletionProtection: doc(boolean(), "ALB deletion protection.", "true in production").optional(),
  domainName: doc(
    dnsName(),
    "The DNS name pointing at the ALB (and on its certificate): outputs use it and the live hook probes it. Required with `certificateArn`.",
    "`domain.name` with `domain`, else none",
  ).optional(),
  testPort: doc(
    port(),
    "With `deployment.engine: ecs`: the port of the one test listener every service shares (its rules mirror production's).",
    "`8443` (ecs engine only)",
  ).optional(),
});
export const loadBalancerSchema = checked(loadBalancerSettings, tlsProblems, resolveTls);

const predefinedNames = Object.keys(TRAFFIC_SHIFTING) as [
  PredefinedTrafficShifting,
  ...PredefinedTrafficShifting[],
];
const customShift = settings(
  {
    type: doc(
      choice(["Canary", "Linear"]),
      "Canary: one step, then the rest; Linear: equal steps.",
    ),
    percent: doc(
      integer({ min: 1, max: 99 }),
      "Percent moved in the first (canary) or every (linear) step.",
    ),
    intervalMinutes: doc(integer({ min: 1, max: 2880 }), "Minutes between steps."),
  },
  { required: "is required; set it in the stack file." },
);
const shiftingError = (iss: { input?: unknown }) =>
  `is ${JSON.stringify(iss.input)}; choose one of ${predefinedNames.join(", ")}, or {type: Canary|Linear, percent, intervalMinutes}.`;

export const deploymentSchema = settings({
  engine: doc(
    choice(DEPLOYMENT_ENGINES).default("codedeploy"),
    '`codedeploy`: CodeDeploy blue/green, a production and a test listener per service. `ecs`: Amazon ECS native blue/green, every service on one production (443 or 80) and one test listener, routed by `services[].hostname` and/or `pathPattern` (see "Choosing the engine").',
  ),
  trafficShifting: doc(
    z
      .union([z.enum(predefinedNames, { error: shiftingError }), customShift], {
        error: shiftingError,
      })
      .default("AllAtOnce")
      .transform(trafficShifting),
    `How production traffic moves from blue to green: ${humanList(predefinedNames.map((n) => `\`${n}\``))}, or \`{type: Canary|Linear, percent: 1–99, intervalMinutes}\` (a custom CodeDeploy configuration).`,
  ),
  terminationWaitMinutes: doc(
    integer({
      min: 0,
      max: MAX_TERMINATION_WAIT_MINUTES,
      help: "CodeDeploy waits between 0 and 2880 minutes (2 days) before terminating the old tasks",
    }).default(5),
    "How long the old tasks keep running after success, for an instant rollback.",
  ),
  target5xxThreshold: doc(
    integer({ min: 1 }).default(5),
    "Target 5xx per minute (both target groups) that stops and rolls back a deployment.",
  ),
  unhealthyHostsThreshold: doc(
    integer({ min: 1 }).default(1),
    "Unhealthy targets, for 2 minutes, that stop and roll back a deployment.",
  ),
});

/** `"*"`, or a resource ARN. */
const RESOURCE_ARN_OR_STAR = new RegExp(`^\\*$|${RESOURCE_ARN.source}`);

const fargateCpus = Object.keys(FARGATE_SIZES).map(Number) as [number, ...number[]];

const secretReference = z
  .union([item(), settings({ ssm: doc(string(), "An SSM parameter's name or ARN.") })], {
    error: (iss) => `is ${describe(iss.input)}; ${SECRET_REFERENCE_HELP}.`,
  })
  .transform((reference, ctx) => {
    const { value, problems } = parseSecretSource(reference);
    if (value !== undefined) return value;
    report(ctx, problems);
    return z.NEVER;
  });

const secretsSchema = z
  .record(environmentName(reservedNameProblem), secretReference, {
    error: (iss) => `must be a map of ENV_NAME: <secret reference>, not ${describe(iss.input)}.`,
  })
  .prefault({})
  .transform((secrets) => secretList(secrets as Record<string, SecretSource>));

const conditionValue = z
  .union([z.string(), z.number(), z.boolean()], {
    error: "must be a string or a list of strings.",
  })
  .transform(String);
const conditionsSchema = z.record(
  z.string().regex(/^[A-Za-z]+(?::[A-Za-z]+)?$/, {
    error:
      "is not an IAM condition operator; use one such as StringEquals or ForAnyValue:StringLike.",
  }),
  z.record(
    z.string().min(1),
    z.union([conditionValue, z.array(conditionValue).min(1)], {
      error: "must be a string or a list of strings.",
    }),
    {
      error: (iss) =>
        `must be a map {<condition key>: <value or list>} (e.g. {"aws:ResourceTag/team": orders}), not ${describe(iss.input)}.`,
    },
  ),
  {
    error: (iss) =>
      `must be an IAM Condition block: {<operator>: {<condition key>: <value or list>}} (e.g. {StringEquals: {"aws:ResourceTag/team": orders}}), not ${describe(iss.input)}.`,
  },
);

const statementSchema = settings({
  sid: doc(
    string({ pattern: SID, help: "a Sid is letters and digits only (IAM's rule)" }),
    "The statement's id.",
  ).optional(),
  effect: doc(choice(["Allow", "Deny"]).default("Allow"), "Allow or Deny."),
  actions: doc(
    list(
      item().refine((a) => actionProblem(a) === undefined, {
        error: (iss) => actionProblem(String(iss.input)),
      }),
      { minLength: 1 },
    ),
    "Named actions (`dynamodb:GetItem`); no wildcards.",
  ),
  resources: doc(
    list(
      item({
        pattern: RESOURCE_ARN_OR_STAR,
        help: "give a full ARN (e.g. arn:aws:dynamodb:eu-west-1:123456789012:table/orders or arn:aws:s3:::acme-orders/*)",
      }),
      { minLength: 1 },
    ),
    'Full ARNs; `"*"` only for actions without resource-level permissions (e.g. `cloudwatch:PutMetricData`).',
  ),
  conditions: doc(conditionsSchema, "An IAM `Condition` block, passed through.").optional(),
}).superRefine((statement, ctx) => report(ctx, statementProblems(statement)));

const permissionsSchema = settings({
  statements: doc(list(statementSchema).default([]), "IAM statements for the task role.", "`[]`"),
  managedPolicyArns: doc(
    list(
      item({
        pattern: MANAGED_POLICY_ARN,
        help: "give a managed policy ARN (arn:aws:iam::123456789012:policy/orders-read or arn:aws:iam::aws:policy/…)",
      }).refine((arn) => managedPolicyProblem(arn) === undefined, {
        error: (iss) => managedPolicyProblem(String(iss.input)),
      }),
    )
      .default([])
      .superRefine((arns, ctx) => report(ctx, managedPoliciesProblems(arns))),
    "Managed policies attached to the task role (at most 10; not AdministratorAccess, PowerUserAccess or IAMFullAccess).",
    "`[]`",
  ),
});

const tasks = (required: string) => integer({ min: 1, max: MAX_SCALING_CAPACITY, required });
const targetPercent = () => integer({ min: 10, max: 95 });

const autoscalingSchema = settings({
  min: doc(
    tasks("is required; set the fewest tasks the service may run."),
    "The fewest tasks the service runs.",
  ),
  max: doc(
    tasks("is required; set the most tasks the service may run."),
    "The most tasks the service runs.",
  ),
  cpuPercent: doc(
    targetPercent(),
    "Average CPU of the tasks (percent of their reservation) to hold.",
    "70 when no metric is named",
  ).optional(),
  memoryPercent: doc(
    targetPercent(),
    "Average memory of the tasks (percent of their reservation) to hold.",
  ).optional(),
  requestsPerTarget: doc(
    integer({ min: 1, max: 1_000_000 }),
    "Requests per minute per task, on whichever target group is live.",
  ).optional(),
})
  .superRefine((scaling, ctx) => report(ctx, autoscalingProblems(scaling)))
  .transform(withDefaultMetric);

export const serviceSchema = settings(
  {
    name: doc(
      string().superRefine((name, ctx) => report(ctx, serviceNameProblems(name))),
      `DNS-safe, at most ${MAX_SERVICE_NAME_LENGTH} characters (target group names are at most 32).`,
    ),
    sourcePath: doc(
      repoPath(),
      "The service's folder in the repository: build context and trigger path.",
    ),
    sharedPaths: doc(
      list(repoPath()).default([]),
      `Further folders whose changes deploy this service (at most ${MAX_SHARED_PATHS}).`,
      "`[]`",
    ),
    dockerfile: doc(
      repoPath(),
      "Relative to the repository root.",
      "`<sourcePath>/Dockerfile`",
    ).optional(),
    containerPort: doc(port(), "The port the container listens on."),
    prodPort: doc(
      port(),
      "The service's production listener port; unique across the stack.",
      "80 (443 with a certificate) for the first service; **required** for others",
    ).optional(),
    testPort: doc(
      port(),
      "The service's test listener port; unique across the stack.",
      "8443 for the first service; **required** for others",
    ).optional(),
    cpu: doc(
      numberChoice(fargateCpus, `Fargate accepts ${humanList(fargateCpus)}.`).default(256),
      "Fargate cpu units.",
    ),
    memory: doc(integer().default(512), "MiB; a size Fargate offers for the cpu."),
    desiredCount: doc(
      integer({ min: 1, max: 100 }),
      "Tasks per task set; with `autoscaling`, the starting count, within min–max.",
      "`2` (`autoscaling.min` when autoscaled)",
    ).optional(),
    healthCheckPath: doc(
      urlPath("/health").default("/health"),
      "Target group health check (every 5 s; healthy after 2 passes).",
    ),
    versionPath: doc(
      urlPath("/version").default("/version"),
      "Where the service answers its version JSON.",
    ),
    environment: doc(
      environmentMap(reservedNameProblem).default({}),
      `Plain container environment. Refused: names like \`*_PASSWORD\`, \`*_SECRET\`, \`*_TOKEN\`, \`*_API_KEY\` and values that look like credentials (AWS key ids, Slack or GitHub tokens, webhooks, PEM keys, URLs with a password; never shown in the error): put those in \`secrets\`. Also refused: the names ECS or Greenlight set (${humanList(Object.keys(RESERVED_ENVIRONMENT_NAMES).map((n) => `\`${n}\``))}) and the \`GREENLIGHT_\` prefix.`,
      "`{}`",
    ),
    secrets: doc(
      secretsSchema,
      '`{ENV_NAME: <Secrets Manager secret ARN or name>[:json-key] | {ssm: <parameter name or ARN>}}`: injected by ECS at task start; the execution role may read exactly these. See "Adding a service".',
      "`{}`",
    ),
    secretsKmsKeyArn: doc(
      string({
        pattern: KMS_KEY_ARN,
        help: "give the KMS key's ARN (arn:aws:kms:<region>:<account>:key/<key id>), not an alias: IAM grants kms:Decrypt on keys",
      }),
      "The customer managed KMS key of those secrets (`kms:Decrypt` on it).",
      "none (AWS managed keys)",
    ).optional(),
    permissions: doc(
      permissionsSchema.prefault({}),
      "The task role's own permissions: `{statements: [{actions, resources, effect?, sid?, conditions?}], managedPolicyArns: [...]}`.",
      "none",
    ),
    autoscaling: doc(
      autoscalingSchema,
      'Target tracking on the desired count: `{min, max, cpuPercent?, memoryPercent?, requestsPerTarget?}`; the ECS service then leaves the count to Application Auto Scaling. See "Autoscaling and blue/green".',
      "none (a fixed `desiredCount`)",
    ).optional(),
    exec: doc(
      boolean().default(false),
      "ECS Exec into the service's tasks (`enableExecuteCommand` and the SSM channel permissions on the task role). Best set when the service is created: AWS's UpdateService reference does not list it among what a `CODE_DEPLOY` service may change.",
    ),
    healthCheckGracePeriodSeconds: doc(
      integer({ min: 0, max: 3600 }).default(30),
      "Seconds ECS ignores failing ALB health checks of a new task.",
    ),
    stopTimeoutSeconds: doc(
      integer({
        min: 2,
        max: 120,
        help: "Fargate waits at most 120 s after SIGTERM",
      }).default(30),
      "Seconds between SIGTERM and SIGKILL when a task stops.",
    ),
    hostname: doc(
      dnsName(),
      "With `deployment.engine: ecs`: the host name (the stack's domain or a name under it) whose requests the shared listeners route to this service.",
    ).optional(),
    pathPattern: doc(
      string({
        pattern: /^\/[A-Za-z0-9_.$\/~"'@:+&*?-]{0,127}$/,
        help: "use a path starting with / such as /api/*, at most 128 characters (letters, digits, _ - . $ / ~ \" ' @ : + & and the wildcards * ?)",
      }),
      "With `deployment.engine: ecs`: the path pattern (case-sensitive, `*` and `?` wildcards) whose requests the shared listeners route to this service.",
    ).optional(),
    rulePriority: doc(
      integer({
        min: 1,
        max: MAX_RULE_PRIORITY,
        help: "listener rule priorities go from 1 to 50000",
      }),
      "With `deployment.engine: ecs`: the priority of the service's listener rules (lower is evaluated first); unique across the stack.",
      "10 × the service's position (10, 20, …)",
    ).optional(),
  },
  { required: "must be a map of settings, not undefined." },
).transform((s) => ({ ...s, dockerfile: s.dockerfile ?? `${s.sourcePath}/Dockerfile` }));

export const servicesSchema = z
  .array(serviceSchema, {
    error: (iss) =>
      iss.input === undefined
        ? "is required; add a list of services to the stack file, e.g. services: [{name: api, sourcePath: services/api, containerPort: 8080}]."
        : "must be a non-empty list of services; add at least one {name, sourcePath, containerPort}.",
  })
  .min(1, {
    error:
      "must be a non-empty list of services; add at least one {name, sourcePath, containerPort}.",
  })
  .superRefine((services, ctx) => report(ctx, servicesProblems(services)));

export const sourceSettings = settings({
  provider: doc(choice(SOURCE_PROVIDERS), "The git host."),
  repository: doc(
    string({
      pattern: /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/,
      help: "use owner/name as the provider spells it (e.g. acme/shop)",
    }),
    "`owner/name` as the provider spells it.",
  ),
  connectionArn: doc(
    string({
      pattern:
        /^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[A-Za-z0-9-]+$/,
      help: "use a connection ARN such as arn:aws:codestar-connections:eu-west-1:123456789012:connection/…",
    }),
    "Adopt an existing CodeStar connection.",
    "a new connection",
  ).optional(),
  branches: doc(
    list(item(gitRef)).default([]),
    "Pushes to these branches deploy (with the service's paths).",
  ),
  tags: doc(
    list(item(gitRef)).default([]),
    "Tags matching these globs deploy (`v*`). Branches and/or tags are required.",
  ),
  defaultBranch: doc(
    string(gitRef),
    "The branch a plain *Release change* builds.",
    "first branch, else `main`",
  ).optional(),
  repositoryUrl: doc(
    string({ pattern: /^https:\/\/\S+$/, help: "use an https:// URL" }),
    "The repository's web URL, for commit links.",
    "the provider's URL",
  ).optional(),
});
export const sourceSchema = checked(sourceSettings, sourceProblems, resolveSource);

export const pipelineSchema = settings({
  approval: doc(boolean(), "A manual approval before the deploy.", "true in production").optional(),
  approvalEmails: doc(
    list(item({ pattern: /^[^@\s]+@[^@\s]+\.[^@\s]+$/, help: "use an email address" })).default([]),
    "E-mail subscribers of the approval topic.",
  ),
  artifactExpirationDays: doc(
    integer({ min: 1, max: 3650 }).default(30),
    "Pipeline artifacts expire after this many days.",
  ),
  buildComputeType: doc(
    choice(BUILD_COMPUTE_TYPES).default("BUILD_GENERAL1_SMALL"),
    "CodeBuild size.",
  ),
  promoteOnly: doc(
    boolean().default(false),
    "The pipelines accept only promotions (`greenlight promote`): no push or tag triggers, and a build that is not a promotion fails. For a prod that ships only what staging tested.",
  ),
});

export const liveCheckSchema = settings({
  consecutive: doc(
    integer({ min: 1, max: 100 }).default(5),
    "Answers in a row with the new version that prove it is live.",
  ),
  intervalMs: doc(integer({ min: 100, max: 60000 }).default(1000), "Milliseconds between probes."),
  timeoutMs: doc(
    integer({ min: 100, max: 30000 }).default(2000),
    "Per-probe timeout in milliseconds.",
  ),
  deadlineSeconds: doc(
    integer({
      min: 10,
      max: 840,
      help: "a Lambda runs at most 900 s and the hook keeps time to report",
    }).default(240),
    "After this the check fails and CodeDeploy rolls back.",
  ),
});

export const alertsSchema = settings({
  cpuPercent: doc(
    percent().default(80),
    "Average CPU (percent of the task's reservation, 5 minutes) that raises a service's CPU alarm.",
  ),
  memoryPercent: doc(
    percent().default(80),
    "Average memory (percent of the task's reservation, 5 minutes) that raises its memory alarm.",
  ),
  dedupWindowMinutes: doc(
    integer({ min: 1, max: 1440 }).default(15),
    "Repeats of one incident within this window are counted, not posted.",
  ),
});

/** The `greenlight:*` keys, each a top-level entry of the stack file's `config:` map. */
export const rootShape = {
  environment: doc(
    string({
      pattern: /^[a-z][a-z0-9-]{0,11}$/,
      help: "use 1–12 lower-case letters, digits or dashes, starting with a letter (e.g. dev)",
    }),
    "The environment this stack deploys to (dev, staging, prod, …). `prod` or `production` turns on approvals, ALB deletion protection, 90-day logs, secrets' recovery window and queued pipeline runs.",
  ),
  network: doc(networkSchema, "The VPC: created from a block, or adopted by ids."),
  loadBalancer: doc(loadBalancerSchema.prefault({}), "The stack's one Application Load Balancer."),
  deployment: doc(
    deploymentSchema.prefault({}),
    "Which engine deploys, how it shifts traffic and rolls back.",
  ),
  logRetentionDays: doc(
    numberChoice(LOG_RETENTION_DAYS),
    "Container and build log retention; one of CloudWatch's values.",
    "14 (production 90)",
  ).optional(),
  keepImages: doc(
    integer({ min: 2, max: 1000 }).default(30),
    "Images each ECR repository keeps (older ones expire; untagged after 7 days).",
  ),
  services: doc(
    servicesSchema,
    `The services; each gets its own listeners (ecs engine: its own listener rules), pipeline and alarms. On codedeploy, one ALB's ${MAX_LISTENERS_PER_ALB} listeners hold ${Math.floor(MAX_LISTENERS_PER_ALB / 2)} services (${Math.floor((MAX_LISTENERS_PER_ALB - 1) / 2)} with the HTTP→HTTPS redirect); many ingress ranges lower that, as its security group takes ${MAX_RULES_PER_SECURITY_GROUP} inbound rules. On ecs, ${Math.min(MAX_TARGET_GROUPS_PER_ALB / 2, MAX_RULES_PER_LISTENER)} (two target groups each, ${MAX_TARGET_GROUPS_PER_ALB} per ALB). See "Limits".`,
  ),
  source: doc(sourceSchema, "The repository the pipelines build from."),
  pipeline: doc(pipelineSchema.prefault({}), "The CodePipeline of each service."),
  liveCheck: doc(
    liveCheckSchema.prefault({}),
    "The live hook's proof that the new version serves production.",
  ),
  alerts: doc(
    alertsSchema.prefault({}),
    "CPU and memory alarms and the notifier's Slack messages.",
  ),
};

/** The whole configuration: the sections, then the rules that span them. */
export const rootSettings = settings(rootShape, { alsoKnown: [SLACK_WEBHOOK_KEY] });
export const configSchema = checked(rootSettings, crossSectionProblems, resolveConfig);

/** The secret webhook key, for the editors' schema (its value is ciphertext in the file). */
export const SLACK_WEBHOOK_DOCS: KeyDocs = {
  description:
    "The stack's Slack incoming webhook (secret): `pulumi config set --secret slackWebhookUrl https://hooks.slack.com/…`. Without it Slack notices are skipped. Its shape is checked, its value never shown.",
  defaultText: "none",
};
