/**
 * Greenlight's typed stack configuration: one reader for every `greenlight:*` key of
 * `Pulumi.<stack>.yaml`, validated before any resource is created. Every error names the key as it
 * is written in the stack file and says how to fix it; all problems are reported at once.
 */
import * as pulumi from "@pulumi/pulumi";
import { Cidr, cidrProblem, contains, formatCidr, overlaps, parseCidr, subnet } from "./cidr";

/** The config namespace: the project name in `Pulumi.yaml`. */
export const NAMESPACE = "greenlight";

// ---------------------------------------------------------------------------------------------
// Well-known choices
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// The validated configuration
// ---------------------------------------------------------------------------------------------

export interface NetworkConfig {
  /** Create a new VPC, or adopt an existing one by ids. */
  readonly mode: "create" | "existing";
  /** The VPC CIDR (create mode). */
  readonly cidr?: string;
  /** Availability zones: a count to take from the region, or names. */
  readonly availabilityZones: number | readonly string[];
  readonly publicSubnetCidrs: readonly string[];
  readonly privateSubnetCidrs: readonly string[];
  readonly natGateways: NatStrategy;
  /** Existing mode: the VPC and its subnets. */
  readonly vpcId?: string;
  readonly publicSubnetIds: readonly string[];
  readonly privateSubnetIds: readonly string[];
}

export interface LoadBalancerConfig {
  /** Internal (VPC-only) or internet-facing. @default false */
  readonly internal: boolean;
  /** An ACM certificate: production listeners become HTTPS, port 80 redirects. */
  readonly certificateArn?: string;
  /** Redirect HTTP on port 80 to HTTPS on 443 (only with a certificate). @default true */
  readonly httpRedirect: boolean;
  /** Who may reach the production ports. @default ["0.0.0.0/0"] */
  readonly prodIngressCidrs: readonly string[];
  /** Who may reach the test ports besides the VPC itself. @default [] */
  readonly testIngressCidrs: readonly string[];
  /** Seconds a deregistering target keeps its in-flight requests. @default 30 */
  readonly deregistrationDelaySeconds: number;
  /** ALB idle timeout. @default 60 */
  readonly idleTimeoutSeconds: number;
  /** Protect the ALB from deletion. @default true in prod */
  readonly deletionProtection: boolean;
  /**
   * The DNS name that points at the ALB and that the certificate names: outputs use it, and the
   * live hook probes it (with each listener's port) instead of the ALB's own name.
   */
  readonly domainName?: string;
}

export interface DeploymentConfig {
  readonly trafficShifting: TrafficShifting;
  /** Minutes the old (blue) tasks keep running after a successful deployment. */
  readonly terminationWaitMinutes: number;
  /** 5xx responses from a service's targets, per minute, that stop and roll back a deployment. */
  readonly target5xxThreshold: number;
  /** Unhealthy targets (for two minutes) that stop and roll back a deployment. */
  readonly unhealthyHostsThreshold: number;
}

export interface ServiceConfig {
  readonly name: string;
  /** The service's folder in the repository (build context; a push under it deploys it). */
  readonly sourcePath: string;
  /** Further repository paths whose changes deploy this service (shared code). */
  readonly sharedPaths: readonly string[];
  /** The Dockerfile, relative to the repository root. @default `<sourcePath>/Dockerfile` */
  readonly dockerfile: string;
  readonly containerPort: number;
  /** The ALB production listener port of this service. */
  readonly prodPort: number;
  /** The ALB test listener port of this service. */
  readonly testPort: number;
  readonly cpu: number;
  readonly memory: number;
  readonly desiredCount: number;
  readonly healthCheckPath: string;
  readonly versionPath: string;
  /** Plain (non-secret) container environment. */
  readonly environment: Readonly<Record<string, string>>;
}

export interface SourceConfig {
  readonly provider: SourceProvider;
  /** `owner/name` as the provider spells it. */
  readonly repository: string;
  /** Adopt an existing CodeStar connection instead of creating one. */
  readonly connectionArn?: string;
  /** Pushes to these branches deploy. */
  readonly branches: readonly string[];
  /** Tags matching these glob patterns deploy. */
  readonly tags: readonly string[];
  /** The branch the source action checks out for a manual "Release change". */
  readonly defaultBranch: string;
  /** The repository's web URL, for commit links. */
  readonly repositoryUrl: string;
}

export interface PipelineConfig {
  /** A manual approval before the deploy stage. @default true in prod */
  readonly approval: boolean;
  /** Emails subscribed to the approval topic. @default [] */
  readonly approvalEmails: readonly string[];
  /** Days before pipeline artifacts expire. @default 30 */
  readonly artifactExpirationDays: number;
  /** CodeBuild compute type. @default BUILD_GENERAL1_SMALL */
  readonly buildComputeType: BuildComputeType;
  /** Accept only promotions (`greenlight promote`): no push triggers, no builds. @default false */
  readonly promoteOnly: boolean;
}

export const BUILD_COMPUTE_TYPES = [
  "BUILD_GENERAL1_SMALL",
  "BUILD_GENERAL1_MEDIUM",
  "BUILD_GENERAL1_LARGE",
] as const;
export type BuildComputeType = (typeof BUILD_COMPUTE_TYPES)[number];

export type HookPlacement =
  | { readonly inVpc: false }
  | { readonly inVpc: true; readonly admit: "hookSecurityGroup" | "natAddresses" };

export interface LiveCheckConfig {
  /** Consecutive answers with the new version that prove it is live. @default 5 */
  readonly consecutive: number;
  /** Milliseconds between probes. @default 1000 */
  readonly intervalMs: number;
  /** Per-request timeout in milliseconds. @default 2000 */
  readonly timeoutMs: number;
  /** Give up (and fail the deployment) after this many seconds. @default 240 */
  readonly deadlineSeconds: number;
  /**
   * Where the hook runs so it can reach the production listener: outside the VPC for an
   * internet-facing ALB open to anywhere; in the private subnets otherwise (an internal ALB admits
   * the hook's security group; an internet-facing ALB with restricted ranges admits the NAT
   * gateways' addresses, which the hook's requests leave from).
   */
  readonly placement: HookPlacement;
}

export interface AlertsConfig {
  /** Average CPU (percent of the task's reservation) that raises a service's CPU alarm. @default 80 */
  readonly cpuPercent: number;
  /** Average memory (percent of the task's reservation) that raises its memory alarm. @default 80 */
  readonly memoryPercent: number;
  /** Minutes during which repeats of one incident are folded into one Slack message. @default 15 */
  readonly dedupWindowMinutes: number;
}

export interface GreenlightConfig {
  readonly environment: string;
  readonly network: NetworkConfig;
  readonly loadBalancer: LoadBalancerConfig;
  readonly deployment: DeploymentConfig;
  readonly logRetentionDays: number;
  /** Images kept per ECR repository (enough to roll back). */
  readonly keepImages: number;
  readonly services: readonly ServiceConfig[];
  readonly source: SourceConfig;
  readonly pipeline: PipelineConfig;
  readonly liveCheck: LiveCheckConfig;
  readonly alerts: AlertsConfig;
}

/** The raw values of the stack file, keyed without the namespace. */
export type RawConfig = Readonly<Record<string, unknown>>;

/** The top-level keys Greenlight reads (besides the secret `slackWebhookUrl`). */
export const TOP_LEVEL_KEYS = [
  "environment",
  "network",
  "loadBalancer",
  "deployment",
  "logRetentionDays",
  "keepImages",
  "services",
  "source",
  "pipeline",
  "liveCheck",
  "alerts",
] as const;

/** The secret config key holding the stack's Slack incoming-webhook URL. */
export const SLACK_WEBHOOK_KEY = "slackWebhookUrl";

/** Thrown when the stack configuration is invalid; lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Greenlight's stack configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

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

/** Validates raw stack values; throws a ConfigError naming every problem. */
export function parseConfig(raw: RawConfig): GreenlightConfig {
  const r = new Reader();
  const root = r.object(raw, NAMESPACE, true, TOP_LEVEL_KEYS, ":");
  const environment = r.string(root, "environment", {
    required: true,
    pattern: /^[a-z][a-z0-9-]{0,11}$/,
    patternHelp: "use 1–12 lower-case letters, digits or dashes, starting with a letter (e.g. dev)",
  });
  const isProd = environment === "prod" || environment === "production";

  const network = readNetwork(r, root);
  const loadBalancer = readLoadBalancer(r, root, isProd);
  const deployment = readDeployment(r, root);
  const logRetentionDays = r.number(root, "logRetentionDays", {
    default: isProd ? 90 : 14,
    oneOf: LOG_RETENTION_DAYS,
  });
  const keepImages = r.number(root, "keepImages", {
    default: 30,
    min: 2,
    max: 1000,
    integer: true,
  });
  const services = readServices(r, root, loadBalancer);
  const source = readSource(r, root);
  const pipeline = readPipeline(r, root, isProd);
  const liveCheck = readLiveCheck(r, root, network, loadBalancer);
  const alerts = readAlerts(r, root);

  if (r.problems.length > 0) {
    throw new ConfigError(r.problems);
  }
  return {
    environment: environment!,
    network: network!,
    loadBalancer,
    deployment,
    logRetentionDays: logRetentionDays!,
    keepImages: keepImages!,
    services,
    source: source!,
    pipeline,
    liveCheck,
    alerts,
  };
}

/** Reads and validates the current stack's configuration. */
export function loadConfig(
  all: Readonly<Record<string, string>> = pulumi.runtime.allConfig(),
): GreenlightConfig {
  const webhookProblem = slackWebhookProblem(all[`${NAMESPACE}:${SLACK_WEBHOOK_KEY}`]);
  try {
    const config = parseConfig(readStackConfig(all));
    if (webhookProblem) throw new ConfigError([webhookProblem]);
    return config;
  } catch (e) {
    if (e instanceof ConfigError && webhookProblem && !e.problems.includes(webhookProblem)) {
      throw new ConfigError([...e.problems, webhookProblem]);
    }
    throw e;
  }
}

function readNetwork(r: Reader, root: Obj): NetworkConfig | undefined {
  const net = r.object(root.value.network, `${root.path}network`, true, [
    "cidr",
    "availabilityZones",
    "publicSubnetCidrs",
    "privateSubnetCidrs",
    "natGateways",
    "vpcId",
    "publicSubnetIds",
    "privateSubnetIds",
  ]);
  if (!net.present) {
    return undefined;
  }
  const natGateways = r.choice(net, "natGateways", NAT_STRATEGIES, "single") as NatStrategy;
  const vpcId = r.string(net, "vpcId", {
    pattern: /^vpc-[0-9a-f]+$/,
    patternHelp: "e.g. vpc-0abc1234",
  });
  const subnetId = { pattern: /^subnet-[0-9a-f]+$/, patternHelp: "e.g. subnet-0abc1234" };

  if (vpcId !== undefined) {
    if (net.value.cidr !== undefined) {
      r.problem(
        `${net.path}.cidr and ${net.path}.vpcId are both set; set cidr to create a VPC, or vpcId to use an existing one, not both.`,
      );
    }
    const publicSubnetIds =
      r.stringList(net, "publicSubnetIds", {
        required: true,
        minLength: 2,
        ...subnetId,
      }) ?? [];
    const privateSubnetIds =
      r.stringList(net, "privateSubnetIds", {
        required: true,
        minLength: 2,
        ...subnetId,
      }) ?? [];
    return {
      mode: "existing",
      vpcId,
      availabilityZones: publicSubnetIds.length,
      publicSubnetCidrs: [],
      privateSubnetCidrs: [],
      natGateways,
      publicSubnetIds,
      privateSubnetIds,
    };
  }

  const cidrText = r.cidr(net, "cidr", true);
  let zones: number | readonly string[] = 2;
  const zonesValue = net.value.availabilityZones;
  if (Array.isArray(zonesValue)) {
    const names =
      r.stringList(net, "availabilityZones", {
        pattern: /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/,
        patternHelp: "use zone names such as eu-west-1a",
      }) ?? [];
    if (new Set(names).size !== names.length) {
      r.problem(`${net.path}.availabilityZones lists a zone twice; list each zone once.`);
    }
    zones = names;
  } else if (zonesValue !== undefined) {
    zones = r.number(net, "availabilityZones", { integer: true }) ?? 2;
  }
  const zoneCount = typeof zones === "number" ? zones : zones.length;
  if (zoneCount < 2) {
    r.problem(
      `${net.path}.availabilityZones is ${JSON.stringify(zonesValue)}; an ALB and a highly available service need at least 2 availability zones: set it to 2 or more.`,
    );
  } else if (zoneCount > 4) {
    r.problem(
      `${net.path}.availabilityZones is ${zoneCount}; Greenlight lays out at most 4 zones: set 2, 3 or 4.`,
    );
  }

  let publicSubnetCidrs: string[] = [];
  let privateSubnetCidrs: string[] = [];
  if (cidrText !== undefined) {
    const vpc = parseCidr(cidrText);
    if (vpc.prefix < 16 || vpc.prefix > 24) {
      r.problem(
        `${net.path}.cidr is ${cidrText}; a VPC block must be between /16 and /24 (e.g. 10.0.0.0/16).`,
      );
    } else if (zoneCount >= 2 && zoneCount <= 4) {
      // Eight equal blocks: public subnets take the first four, private subnets the next four.
      publicSubnetCidrs = Array.from({ length: zoneCount }, (_, i) =>
        formatCidr(subnet(vpc, 3, i)),
      );
      privateSubnetCidrs = Array.from({ length: zoneCount }, (_, i) =>
        formatCidr(subnet(vpc, 3, 4 + i)),
      );
      const explicitPublic = r.cidrList(net, "publicSubnetCidrs");
      const explicitPrivate = r.cidrList(net, "privateSubnetCidrs");
      if (explicitPublic) publicSubnetCidrs = explicitPublic;
      if (explicitPrivate) privateSubnetCidrs = explicitPrivate;
      checkSubnetLayout(r, net.path, vpc, zoneCount, publicSubnetCidrs, privateSubnetCidrs);
    }
  }
  return {
    mode: "create",
    cidr: cidrText,
    availabilityZones: zones,
    publicSubnetCidrs,
    privateSubnetCidrs,
    natGateways,
    publicSubnetIds: [],
    privateSubnetIds: [],
  };
}

function checkSubnetLayout(
  r: Reader,
  path: string,
  vpc: Cidr,
  zoneCount: number,
  publicCidrs: readonly string[],
  privateCidrs: readonly string[],
): void {
  const all: { key: string; text: string }[] = [];
  for (const [key, list] of [
    ["publicSubnetCidrs", publicCidrs],
    ["privateSubnetCidrs", privateCidrs],
  ] as const) {
    if (list.length !== zoneCount) {
      r.problem(
        `${path}.${key} has ${list.length} blocks for ${zoneCount} availability zones; give one block per zone.`,
      );
    }
    list.forEach((text, i) => all.push({ key: `${path}.${key}[${i}]`, text }));
  }
  for (const { key, text } of all) {
    if (cidrProblem(text) === undefined && !contains(vpc, parseCidr(text))) {
      r.problem(`${key} is ${text}, outside the VPC ${formatCidr(vpc)}; choose a block inside it.`);
    }
  }
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i];
      const b = all[j];
      if (cidrProblem(a.text) || cidrProblem(b.text)) continue;
      if (overlaps(parseCidr(a.text), parseCidr(b.text))) {
        r.problem(
          `${a.key} (${a.text}) overlaps ${b.key} (${b.text}); subnets must not share addresses.`,
        );
      }
    }
  }
}

function readLoadBalancer(r: Reader, root: Obj, isProd: boolean): LoadBalancerConfig {
  const lb = r.object(root.value.loadBalancer, `${root.path}loadBalancer`, false, [
    "internal",
    "certificateArn",
    "httpRedirect",
    "prodIngressCidrs",
    "testIngressCidrs",
    "deregistrationDelaySeconds",
    "idleTimeoutSeconds",
    "deletionProtection",
    "domainName",
  ]);
  const certificateArn = r.string(lb, "certificateArn", {
    pattern: /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/,
    patternHelp:
      "use an ACM certificate ARN such as arn:aws:acm:eu-west-1:123456789012:certificate/…",
  });
  const prodIngressCidrs = r.cidrList(lb, "prodIngressCidrs") ?? ["0.0.0.0/0"];
  const testIngressCidrs = r.cidrList(lb, "testIngressCidrs") ?? [];
  if (isProd && testIngressCidrs.some((c) => c === "0.0.0.0/0")) {
    r.problem(
      `${lb.path}.testIngressCidrs includes 0.0.0.0/0; in prod the test listener serves unreleased versions and must never be open to anywhere: list your office or VPN ranges.`,
    );
  }
  return {
    internal: r.boolean(lb, "internal", false),
    certificateArn,
    httpRedirect: r.boolean(lb, "httpRedirect", true),
    prodIngressCidrs,
    testIngressCidrs,
    deregistrationDelaySeconds: r.number(lb, "deregistrationDelaySeconds", {
      default: 30,
      min: 0,
      max: 3600,
      integer: true,
    })!,
    idleTimeoutSeconds: r.number(lb, "idleTimeoutSeconds", {
      default: 60,
      min: 1,
      max: 4000,
      integer: true,
    })!,
    deletionProtection: r.boolean(lb, "deletionProtection", isProd),
    domainName: r.string(lb, "domainName", {
      pattern: /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
      patternHelp: "use a lower-case DNS name such as shop.example.com (no scheme, port or path)",
    }),
  };
}

function readDeployment(r: Reader, root: Obj): DeploymentConfig {
  const d = r.object(root.value.deployment, `${root.path}deployment`, false, [
    "trafficShifting",
    "terminationWaitMinutes",
    "target5xxThreshold",
    "unhealthyHostsThreshold",
  ]);
  return {
    trafficShifting: readTrafficShifting(r, d),
    terminationWaitMinutes: r.number(d, "terminationWaitMinutes", {
      default: 5,
      min: 0,
      max: MAX_TERMINATION_WAIT_MINUTES,
      integer: true,
      rangeHelp:
        "CodeDeploy waits between 0 and 2880 minutes (2 days) before terminating the old tasks",
    })!,
    target5xxThreshold: r.number(d, "target5xxThreshold", { default: 5, min: 1, integer: true })!,
    unhealthyHostsThreshold: r.number(d, "unhealthyHostsThreshold", {
      default: 1,
      min: 1,
      integer: true,
    })!,
  };
}

/** Parses `deployment.trafficShifting`: a predefined name, or `{type, percent, intervalMinutes}`. */
function readTrafficShifting(r: Reader, d: Obj): TrafficShifting {
  const key = `${d.path}.trafficShifting`;
  const value = d.value.trafficShifting;
  const names = Object.keys(TRAFFIC_SHIFTING);
  if (value === undefined) {
    return { type: "AllAtOnce", predefined: "AllAtOnce" };
  }
  if (typeof value === "string") {
    if (!(value in TRAFFIC_SHIFTING)) {
      r.problem(
        `${key} is ${JSON.stringify(value)}; choose one of ${names.join(", ")}, or {type: Canary|Linear, percent, intervalMinutes}.`,
      );
      return { type: "AllAtOnce", predefined: "AllAtOnce" };
    }
    return predefinedShifting(value as PredefinedTrafficShifting);
  }
  const custom = r.object(value, key, true, ["type", "percent", "intervalMinutes"]);
  const type = r.choice(custom, "type", ["Canary", "Linear"] as const, undefined, true);
  const percent = r.number(custom, "percent", { required: true, min: 1, max: 99, integer: true });
  const intervalMinutes = r.number(custom, "intervalMinutes", {
    required: true,
    min: 1,
    max: 2880,
    integer: true,
  });
  return { type: type ?? "Canary", percent: percent ?? 10, intervalMinutes: intervalMinutes ?? 5 };
}

/** The steps of a predefined CodeDeploy configuration, from its name. */
export function predefinedShifting(name: PredefinedTrafficShifting): TrafficShifting {
  const match = /^(Canary|Linear)(\d+)Percent(?:Every)?(\d+)Minutes$/.exec(name);
  if (!match) {
    return { type: "AllAtOnce", predefined: name };
  }
  return {
    type: match[1] as "Canary" | "Linear",
    percent: Number(match[2]),
    intervalMinutes: Number(match[3]),
    predefined: name,
  };
}

function readServices(r: Reader, root: Obj, lb: LoadBalancerConfig): ServiceConfig[] {
  const key = `${root.path}services`;
  const value = root.value.services;
  if (value === undefined) {
    r.problem(
      `${key} is required; add a list of services to the stack file, e.g. services: [{name: api, sourcePath: services/api, containerPort: 8080}].`,
    );
    return [];
  }
  if (!Array.isArray(value) || value.length === 0) {
    r.problem(
      `${key} must be a non-empty list of services; add at least one {name, sourcePath, containerPort}.`,
    );
    return [];
  }
  const services: ServiceConfig[] = [];
  const seenNames = new Map<string, number>();
  const seenPorts = new Map<number, string>();
  const reserved = new Map<number, string>();
  if (lb.certificateArn && lb.httpRedirect) {
    reserved.set(80, `${root.path}loadBalancer.httpRedirect`);
  }
  value.forEach((item, index) => {
    const s = r.object(item, `${key}[${index}]`, true, [
      "name",
      "sourcePath",
      "sharedPaths",
      "dockerfile",
      "containerPort",
      "prodPort",
      "testPort",
      "cpu",
      "memory",
      "desiredCount",
      "healthCheckPath",
      "versionPath",
      "environment",
    ]);
    if (!s.present) return;
    const name = r.string(s, "name", { required: true }) ?? `service${index}`;
    checkServiceName(r, `${s.path}.name`, name);
    const previous = seenNames.get(name);
    if (previous !== undefined) {
      r.problem(
        `${s.path}.name is "${name}", the same as ${key}[${previous}].name; service names must be unique in a stack.`,
      );
    } else {
      seenNames.set(name, index);
    }
    const sourcePath = r.repoPath(s, "sourcePath", true) ?? name;
    const sharedPaths = (r.stringList(s, "sharedPaths", {}) ?? []).map((p, i) => {
      r.checkRepoPath(`${s.path}.sharedPaths[${i}]`, p);
      return p.replace(/\/+$/, "");
    });
    if (sharedPaths.length > MAX_SHARED_PATHS) {
      r.problem(
        `${s.path}.sharedPaths lists ${sharedPaths.length} paths; a CodePipeline trigger filters on at most 8 file paths (the service's folder and ${MAX_SHARED_PATHS} shared ones): share a common parent folder instead.`,
      );
    }
    const dockerfile = r.repoPath(s, "dockerfile", false) ?? `${sourcePath}/Dockerfile`;
    const port = { min: 1, max: 65535, integer: true, rangeHelp: "ports go from 1 to 65535" };
    const containerPort = r.number(s, "containerPort", { required: true, ...port }) ?? 8080;
    const defaultProd = lb.certificateArn ? 443 : 80;
    const prodPort =
      r.number(s, "prodPort", {
        default: index === 0 ? defaultProd : undefined,
        required: index > 0,
        ...port,
      }) ?? 0;
    const testPort =
      r.number(s, "testPort", {
        default: index === 0 ? 8443 : undefined,
        required: index > 0,
        ...port,
      }) ?? 0;
    for (const [field, p] of [
      ["prodPort", prodPort],
      ["testPort", testPort],
    ] as const) {
      if (p === 0) continue;
      const where = `${s.path}.${field}`;
      const clash = seenPorts.get(p) ?? reserved.get(p);
      if (clash !== undefined) {
        r.problem(
          `${where} is ${p}, already used by ${clash}; every listener of the load balancer needs its own port.`,
        );
      } else {
        seenPorts.set(p, where);
      }
    }
    const cpu = r.number(s, "cpu", { default: 256, integer: true }) ?? 256;
    const memory = r.number(s, "memory", { default: 512, integer: true }) ?? 512;
    const allowed = FARGATE_SIZES[cpu];
    if (allowed === undefined) {
      r.problem(
        `${s.path}.cpu is ${cpu}; Fargate accepts ${humanList(Object.keys(FARGATE_SIZES))}.`,
      );
    } else if (!allowed.includes(memory)) {
      r.problem(
        `${s.path}.memory is ${memory} with cpu ${cpu}; Fargate offers ${describeMemory(allowed)} MiB for ${cpu} cpu units: change memory or cpu.`,
      );
    }
    const desiredCount =
      r.number(s, "desiredCount", { default: 2, min: 1, max: 100, integer: true }) ?? 1;
    const healthCheckPath = r.urlPath(s, "healthCheckPath", "/health");
    const versionPath = r.urlPath(s, "versionPath", "/version");
    const environment = r.stringMap(s, "environment");
    services.push({
      name,
      sourcePath,
      sharedPaths,
      dockerfile,
      containerPort,
      prodPort,
      testPort,
      cpu,
      memory,
      desiredCount,
      healthCheckPath,
      versionPath,
      environment,
    });
  });
  return services;
}

/** Checks a service name against DNS and AWS naming limits. */
export function checkServiceName(r: Reader, key: string, name: string): void {
  if (!/^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$/.test(name) || name.includes("--")) {
    r.problem(
      `${key} is "${name}"; service names become DNS labels and AWS resource names: use lower-case letters, digits and single dashes, starting with a letter and not ending with a dash (e.g. orders-api).`,
    );
  }
  if (name.length > MAX_SERVICE_NAME_LENGTH) {
    r.problem(
      `${key} is "${name}" (${name.length} characters); target group names are at most 32 characters and Greenlight adds "-green" and an 8-character unique suffix, so a service name has at most ${MAX_SERVICE_NAME_LENGTH} characters.`,
    );
  }
}

function readSource(r: Reader, root: Obj): SourceConfig | undefined {
  const s = r.object(root.value.source, `${root.path}source`, true, [
    "provider",
    "repository",
    "connectionArn",
    "branches",
    "tags",
    "defaultBranch",
    "repositoryUrl",
  ]);
  if (!s.present) return undefined;
  const provider = r.choice(s, "provider", SOURCE_PROVIDERS, undefined, true) ?? "GitHub";
  const repository =
    r.string(s, "repository", {
      required: true,
      pattern: /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/,
      patternHelp: "use owner/name as the provider spells it (e.g. acme/shop)",
    }) ?? "";
  const connectionArn = r.string(s, "connectionArn", {
    pattern:
      /^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[A-Za-z0-9-]+$/,
    patternHelp:
      "use a connection ARN such as arn:aws:codestar-connections:eu-west-1:123456789012:connection/…",
  });
  const gitRef = {
    pattern: /^[^\s~^:?\\[]+$|^[A-Za-z0-9._/*-]+$/,
    patternHelp: "use a branch name or a glob such as v* (no spaces, ~, ^, : or ?)",
    minLength: 0,
  };
  const branches = r.stringList(s, "branches", gitRef) ?? [];
  const tags = r.stringList(s, "tags", gitRef) ?? [];
  const listed = (v: unknown) => Array.isArray(v) && v.length > 0;
  if (!listed(s.value.branches) && !listed(s.value.tags)) {
    r.problem(
      `${s.path} has neither branches nor tags, so no push would deploy: set branches (e.g. [development]) and/or tags (e.g. ["v*"]).`,
    );
  }
  const defaultBranch =
    r.string(s, "defaultBranch", { pattern: gitRef.pattern, patternHelp: gitRef.patternHelp }) ??
    branches[0] ??
    "main";
  const repositoryUrl =
    r.string(s, "repositoryUrl", {
      pattern: /^https:\/\/\S+$/,
      patternHelp: "use an https:// URL",
    }) ?? defaultRepositoryUrl(provider, repository);
  return { provider, repository, connectionArn, branches, tags, defaultBranch, repositoryUrl };
}

/** The web URL of a repository on a hosted provider. */
export function defaultRepositoryUrl(provider: SourceProvider, repository: string): string {
  const host = { GitHub: "github.com", Bitbucket: "bitbucket.org", GitLab: "gitlab.com" }[provider];
  return `https://${host}/${repository}`;
}

function readPipeline(r: Reader, root: Obj, isProd: boolean): PipelineConfig {
  const p = r.object(root.value.pipeline, `${root.path}pipeline`, false, [
    "approval",
    "approvalEmails",
    "artifactExpirationDays",
    "buildComputeType",
    "promoteOnly",
  ]);
  return {
    approval: r.boolean(p, "approval", isProd),
    approvalEmails:
      r.stringList(p, "approvalEmails", {
        pattern: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
        patternHelp: "use an email address",
      }) ?? [],
    artifactExpirationDays: r.number(p, "artifactExpirationDays", {
      default: 30,
      min: 1,
      max: 3650,
      integer: true,
    })!,
    buildComputeType:
      r.choice(p, "buildComputeType", BUILD_COMPUTE_TYPES, "BUILD_GENERAL1_SMALL") ??
      "BUILD_GENERAL1_SMALL",
    promoteOnly: r.boolean(p, "promoteOnly", false),
  };
}

function readLiveCheck(
  r: Reader,
  root: Obj,
  network: NetworkConfig | undefined,
  lb: LoadBalancerConfig,
): LiveCheckConfig {
  const l = r.object(root.value.liveCheck, `${root.path}liveCheck`, false, [
    "consecutive",
    "intervalMs",
    "timeoutMs",
    "deadlineSeconds",
  ]);
  const intervalMs = r.number(l, "intervalMs", {
    default: 1000,
    min: 100,
    max: 60000,
    integer: true,
  })!;
  const timeoutMs = r.number(l, "timeoutMs", {
    default: 2000,
    min: 100,
    max: 30000,
    integer: true,
  })!;
  return {
    placement: hookPlacement(r, network, lb),
    consecutive: r.number(l, "consecutive", { default: 5, min: 1, max: 100, integer: true })!,
    intervalMs,
    timeoutMs,
    // The hook Lambda runs at most 15 minutes; keep a minute for Slack and the report.
    deadlineSeconds: r.number(l, "deadlineSeconds", {
      default: 240,
      min: 10,
      max: 840,
      integer: true,
      rangeHelp: "a Lambda runs at most 900 s and the hook keeps time to report",
    })!,
  };
}

function readAlerts(r: Reader, root: Obj): AlertsConfig {
  const a = r.object(root.value.alerts, `${root.path}alerts`, false, [
    "cpuPercent",
    "memoryPercent",
    "dedupWindowMinutes",
  ]);
  const percent = { min: 1, max: 100, integer: true };
  return {
    cpuPercent: r.number(a, "cpuPercent", { default: 80, ...percent })!,
    memoryPercent: r.number(a, "memoryPercent", { default: 80, ...percent })!,
    dedupWindowMinutes: r.number(a, "dedupWindowMinutes", {
      default: 15,
      min: 1,
      max: 1440,
      integer: true,
    })!,
  };
}

/** Where the live hook must run to reach the production listener (see LiveCheckConfig). */
function hookPlacement(
  r: Reader,
  network: NetworkConfig | undefined,
  lb: LoadBalancerConfig,
): HookPlacement {
  const noNat = network?.mode === "create" && network.natGateways === "none";
  if (lb.internal) {
    if (noNat) {
      r.problem(
        `${NAMESPACE}:loadBalancer.internal is true and ${NAMESPACE}:network.natGateways is none; the live hook then runs in the VPC and needs a NAT gateway to reach CodeDeploy, Secrets Manager and Slack: set natGateways to single or perAz.`,
      );
    }
    return { inVpc: true, admit: "hookSecurityGroup" };
  }
  if (lb.prodIngressCidrs.includes("0.0.0.0/0")) {
    return { inVpc: false };
  }
  if (network?.mode === "existing" || noNat) {
    r.problem(
      `${NAMESPACE}:loadBalancer.prodIngressCidrs does not include 0.0.0.0/0, so the live hook cannot reach the production listener from AWS Lambda's public addresses; ` +
        (noNat
          ? `set ${NAMESPACE}:network.natGateways to single or perAz (the hook then runs in the VPC and the ALB admits the NAT gateways' addresses), or open production to 0.0.0.0/0.`
          : `with an existing VPC, add your NAT gateways' public addresses (/32) to prodIngressCidrs and set loadBalancer.internal, or open production to 0.0.0.0/0.`),
    );
    return { inVpc: false };
  }
  return { inVpc: true, admit: "natAddresses" };
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

// ---------------------------------------------------------------------------------------------
// The reader: typed access to raw values that records problems instead of throwing
// ---------------------------------------------------------------------------------------------

interface Obj {
  readonly value: Readonly<Record<string, unknown>>;
  readonly path: string;
  readonly present: boolean;
}

interface NumberRule {
  readonly required?: boolean;
  readonly default?: number;
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  readonly oneOf?: readonly number[];
  readonly rangeHelp?: string;
}

interface StringRule {
  readonly required?: boolean;
  readonly pattern?: RegExp;
  readonly patternHelp?: string;
  readonly minLength?: number;
}

/** Reads raw config values, collecting every problem with the key as the user writes it. */
export class Reader {
  readonly problems: string[] = [];

  problem(message: string): void {
    this.problems.push(message);
  }

  /**
   * An object at `path`. `separator` is what joins this path to its children: `:` for the
   * namespace (`greenlight:services`), `.` elsewhere.
   */
  object(
    value: unknown,
    path: string,
    required: boolean,
    keys: readonly string[],
    separator = ".",
  ): Obj {
    if (value === undefined || value === null) {
      if (required) {
        this.problem(`${path} is required; add it to the stack file (Pulumi.<stack>.yaml).`);
      }
      return { value: {}, path: separator === ":" ? `${path}:` : path, present: false };
    }
    if (typeof value !== "object" || Array.isArray(value)) {
      this.problem(`${path} must be a map of settings, not ${describe(value)}.`);
      return { value: {}, path, present: false };
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!keys.includes(key)) {
        const near = keys.find(
          (k) => k.toLowerCase() === key.toLowerCase() || k.startsWith(key) || key.startsWith(k),
        );
        this.problem(
          `${separator === ":" ? `${path}:` : `${path}.`}${key} is not a Greenlight setting${near ? `; did you mean ${near}?` : `; known settings: ${keys.join(", ")}.`}`,
        );
      }
    }
    return { value: record, path: separator === ":" ? `${path}:` : path, present: true };
  }

  private key(o: Obj, name: string): string {
    return o.path.endsWith(":") ? `${o.path}${name}` : `${o.path}.${name}`;
  }

  string(o: Obj, name: string, rule: StringRule = {}): string | undefined {
    const key = this.key(o, name);
    const value = o.value[name];
    if (value === undefined || value === null) {
      if (rule.required) this.problem(`${key} is required; set it in the stack file.`);
      return undefined;
    }
    if (typeof value !== "string" || value.length === 0) {
      this.problem(`${key} must be a non-empty string, not ${describe(value)}.`);
      return undefined;
    }
    if (rule.pattern && !rule.pattern.test(value)) {
      this.problem(
        `${key} is ${JSON.stringify(value)}; ${rule.patternHelp ?? `it must match ${rule.pattern}`}.`,
      );
      return undefined;
    }
    return value;
  }

  number(o: Obj, name: string, rule: NumberRule): number | undefined {
    const key = this.key(o, name);
    const value = o.value[name];
    if (value === undefined || value === null) {
      if (rule.required && rule.default === undefined)
        this.problem(`${key} is required; set it in the stack file.`);
      return rule.default;
    }
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this.problem(`${key} must be a number, not ${describe(value)}.`);
      return rule.default;
    }
    if (rule.integer && !Number.isInteger(value)) {
      this.problem(`${key} is ${value}; use a whole number.`);
      return rule.default;
    }
    if (rule.oneOf && !rule.oneOf.includes(value)) {
      this.problem(`${key} is ${value}; choose one of ${humanList(rule.oneOf.map(String))}.`);
      return rule.default;
    }
    const below = rule.min !== undefined && value < rule.min;
    const above = rule.max !== undefined && value > rule.max;
    if (below || above) {
      const bounds =
        rule.max === undefined
          ? `at least ${rule.min}`
          : rule.min === undefined
            ? `at most ${rule.max}`
            : `from ${rule.min} to ${rule.max}`;
      this.problem(
        `${key} is ${value}; ${rule.rangeHelp ? `${rule.rangeHelp}: ` : ""}use a value ${bounds}.`,
      );
      return rule.default;
    }
    return value;
  }

  boolean(o: Obj, name: string, fallback: boolean): boolean {
    const value = o.value[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "boolean") {
      this.problem(`${this.key(o, name)} must be true or false, not ${describe(value)}.`);
      return fallback;
    }
    return value;
  }

  choice<T extends string>(
    o: Obj,
    name: string,
    choices: readonly T[],
    fallback?: T,
    required = false,
  ): T | undefined {
    const key = this.key(o, name);
    const value = o.value[name];
    if (value === undefined || value === null) {
      if (required) this.problem(`${key} is required; choose one of ${humanList(choices)}.`);
      return fallback;
    }
    if (typeof value !== "string" || !choices.includes(value as T)) {
      this.problem(`${key} is ${JSON.stringify(value)}; choose one of ${humanList(choices)}.`);
      return fallback;
    }
    return value as T;
  }

  stringList(
    o: Obj,
    name: string,
    rule: StringRule & { minLength?: number },
  ): string[] | undefined {
    const key = this.key(o, name);
    const value = o.value[name];
    if (value === undefined || value === null) {
      if (rule.required) this.problem(`${key} is required; set it to a list in the stack file.`);
      return undefined;
    }
    if (!Array.isArray(value)) {
      this.problem(`${key} must be a list, not ${describe(value)}.`);
      return undefined;
    }
    const items: string[] = [];
    value.forEach((item, i) => {
      const itemKey = `${key}[${i}]`;
      if (typeof item !== "string" || item.trim().length === 0) {
        this.problem(`${itemKey} is ${describe(item)}; use a non-empty string.`);
      } else if (rule.pattern && !rule.pattern.test(item)) {
        this.problem(
          `${itemKey} is ${JSON.stringify(item)}; ${rule.patternHelp ?? `it must match ${rule.pattern}`}.`,
        );
      } else {
        items.push(item);
      }
    });
    if (rule.minLength !== undefined && value.length < rule.minLength) {
      this.problem(
        `${key} has ${value.length} entr${value.length === 1 ? "y" : "ies"}; list at least ${rule.minLength}.`,
      );
    }
    return items;
  }

  cidr(o: Obj, name: string, required: boolean): string | undefined {
    const text = this.string(o, name, { required });
    if (text === undefined) return undefined;
    const problem = cidrProblem(text);
    if (problem) {
      this.problem(`${this.key(o, name)} is ${JSON.stringify(text)}; it ${problem}.`);
      return undefined;
    }
    return text;
  }

  cidrList(o: Obj, name: string): string[] | undefined {
    const list = this.stringList(o, name, {});
    if (list === undefined) return undefined;
    const key = this.key(o, name);
    const valid: string[] = [];
    list.forEach((text, i) => {
      const problem = cidrProblem(text);
      if (problem) {
        this.problem(`${key}[${i}] is ${JSON.stringify(text)}; it ${problem}.`);
      } else {
        valid.push(text);
      }
    });
    return valid;
  }

  stringMap(o: Obj, name: string): Record<string, string> {
    const key = this.key(o, name);
    const value = o.value[name];
    if (value === undefined || value === null) return {};
    if (typeof value !== "object" || Array.isArray(value)) {
      this.problem(`${key} must be a map of NAME: value, not ${describe(value)}.`);
      return {};
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
        this.problem(
          `${key}.${k} is not a valid environment variable name; use letters, digits and underscores.`,
        );
      } else if (k.startsWith("GREENLIGHT_")) {
        this.problem(
          `${key}.${k} uses the GREENLIGHT_ prefix, which the pipeline reserves for build metadata; rename it.`,
        );
      } else if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
        this.problem(`${key}.${k} must be a string, number or boolean, not ${describe(v)}.`);
      } else {
        out[k] = String(v);
      }
    }
    return out;
  }

  /** A URL path such as `/health`. */
  urlPath(o: Obj, name: string, fallback: string): string {
    const key = this.key(o, name);
    const value = o.value[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "string" || !value.startsWith("/")) {
      this.problem(
        `${key} is ${JSON.stringify(value)}; a path must start with "/" (e.g. ${fallback}).`,
      );
      return fallback;
    }
    if (/\s|[?#]/.test(value) || value.length > 1024) {
      this.problem(
        `${key} is ${JSON.stringify(value)}; use a plain path without spaces, query or fragment.`,
      );
      return fallback;
    }
    return value;
  }

  /** A path inside the repository: relative, without `..`, no trailing slash. */
  repoPath(o: Obj, name: string, required: boolean): string | undefined {
    const text = this.string(o, name, { required });
    if (text === undefined) return undefined;
    return this.checkRepoPath(this.key(o, name), text) ? text.replace(/\/+$/, "") : undefined;
  }

  checkRepoPath(key: string, text: string): boolean {
    if (text.startsWith("/") || /^[A-Za-z]:[\\/]/.test(text)) {
      this.problem(
        `${key} is ${JSON.stringify(text)}, an absolute path; give the folder relative to the repository root (e.g. services/api).`,
      );
      return false;
    }
    if (text.split(/[\\/]/).some((part) => part === "..")) {
      this.problem(
        `${key} is ${JSON.stringify(text)}, which climbs out of the repository with ".."; give a folder inside it.`,
      );
      return false;
    }
    if (/[\s*?[\]{}]/.test(text)) {
      this.problem(
        `${key} is ${JSON.stringify(text)}; use a plain folder path without spaces or glob characters.`,
      );
      return false;
    }
    return true;
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a map";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function humanList(items: readonly string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

function describeMemory(allowed: readonly number[]): string {
  if (allowed.length <= 3) return humanList(allowed.map(String));
  const step = allowed[1] - allowed[0];
  return `${allowed[0]} to ${allowed[allowed.length - 1]} in steps of ${step}`;
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}
