/**
 * The rules that relate several keys, as plain functions over parsed values: each returns the
 * problems it finds (a path relative to the value it was given, and the message after the key),
 * and the resolvers fill in what follows from other keys. The schema applies them.
 */
import type { z } from "zod";
import { contains, formatCidr, overlaps, parseCidr, subnet, type Cidr } from "../cidr";
import {
  DEFAULT_ECS_TEST_PORT,
  FARGATE_SIZES,
  MAX_ECS_BAKE_MINUTES,
  MIN_ECS_LINEAR_STEP_PERCENT,
  MAX_SERVICE_NAME_LENGTH,
  MAX_SHARED_PATHS,
  TRAFFIC_SHIFTING,
  isProduction,
  type PredefinedTrafficShifting,
  type SourceProvider,
  type TrafficShifting,
} from "./choices";
import { usesHttps, type TlsSettings } from "../domainRules";
import { desiredCountProblems, environmentProblems } from "../serviceRules";
import { teardownPolicy } from "../teardown";
import { EcsHookDefaults } from "../../hooks/ecs/settings";
import { humanList } from "./fields";
import { limitProblems } from "./limits";
import { keyOf } from "./problems";
import type { networkSettings, rootSettings, serviceSchema, sourceSettings } from "./schema";

/** A problem at `path` (relative to the checked value); `message` follows the key. */
export interface Problem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** A problem at `path`. */
export const at = (path: Problem["path"], message: string): Problem => ({ path, message });

/** Adds problems to a zod check or transform. */
export function report(ctx: z.RefinementCtx, problems: readonly Problem[]): void {
  for (const p of problems) {
    ctx.addIssue({ code: "custom", message: p.message, path: [...p.path] });
  }
}

type RawNetwork = z.output<typeof networkSettings>;

/** `availabilityZones`: 2 to 4 zones, each listed once. */
export function zoneProblems(zones: number | readonly string[]): Problem[] {
  const count = typeof zones === "number" ? zones : zones.length;
  const problems: Problem[] = [];
  if (typeof zones !== "number" && new Set(zones).size !== zones.length) {
    problems.push(at([], "lists a zone twice; list each zone once."));
  }
  if (count < 2) {
    problems.push(
      at(
        [],
        `is ${JSON.stringify(zones)}; an ALB and a highly available service need at least 2 availability zones: set it to 2 or more.`,
      ),
    );
  } else if (count > 4) {
    problems.push(at([], `is ${count}; Greenlight lays out at most 4 zones: set 2, 3 or 4.`));
  }
  return problems;
}

function zoneCount(raw: RawNetwork): number {
  const zones = raw.availabilityZones ?? 2;
  return typeof zones === "number" ? zones : zones.length;
}

/** An existing VPC by ids, or a new one from a block whose subnets fit it without overlaps. */
export function networkProblems(raw: RawNetwork): Problem[] {
  const net = (key: string) => keyOf(["network", key]);
  if (raw.vpcId !== undefined) {
    const problems: Problem[] = [];
    if (raw.cidr !== undefined) {
      problems.push(
        at(
          ["cidr"],
          `and ${net("vpcId")} are both set; set cidr to create a VPC, or vpcId to use an existing one, not both.`,
        ),
      );
    }
    for (const key of ["publicSubnetIds", "privateSubnetIds"] as const) {
      if (raw[key] === undefined) {
        problems.push(at([key], "is required; set it to a list in the stack file."));
      }
    }
    return problems;
  }
  if (raw.cidr === undefined) {
    return [at(["cidr"], "is required; set it in the stack file.")];
  }
  const zones = zoneCount(raw);
  if (zones < 2 || zones > 4) return []; // reported on availabilityZones
  const vpc = parseCidr(raw.cidr);
  const { publicSubnetCidrs, privateSubnetCidrs } = subnetLayout(raw);
  const problems: Problem[] = [];
  const all: { path: [string, number]; text: string }[] = [];
  for (const [key, cidrs] of [
    ["publicSubnetCidrs", publicSubnetCidrs],
    ["privateSubnetCidrs", privateSubnetCidrs],
  ] as const) {
    if (cidrs.length !== zones) {
      problems.push(
        at(
          [key],
          `has ${cidrs.length} blocks for ${zones} availability zones; give one block per zone.`,
        ),
      );
    }
    cidrs.forEach((text, i) => all.push({ path: [key, i], text }));
  }
  for (const { path, text } of all) {
    if (!contains(vpc, parseCidr(text))) {
      problems.push(
        at(path, `is ${text}, outside the VPC ${formatCidr(vpc)}; choose a block inside it.`),
      );
    }
  }
  all.forEach((a, i) => {
    for (const b of all.slice(i + 1)) {
      if (overlaps(parseCidr(a.text), parseCidr(b.text))) {
        const other = keyOf(["network", ...b.path]);
        problems.push(
          at(
            a.path,
            `(${a.text}) overlaps ${other} (${b.text}); subnets must not share addresses.`,
          ),
        );
      }
    }
  });
  return problems;
}

/** Eight equal blocks: public subnets take the first four, private subnets the next four. */
function subnetLayout(raw: RawNetwork): {
  publicSubnetCidrs: string[];
  privateSubnetCidrs: string[];
} {
  const vpc: Cidr = parseCidr(raw.cidr!);
  const zones = zoneCount(raw);
  const blocks = (first: number) =>
    Array.from({ length: zones }, (_, i) => formatCidr(subnet(vpc, 3, first + i)));
  return {
    publicSubnetCidrs: raw.publicSubnetCidrs ?? blocks(0),
    privateSubnetCidrs: raw.privateSubnetCidrs ?? blocks(4),
  };
}

/** The network as the components use it: its mode, zones and subnets. */
export function resolveNetwork(raw: RawNetwork) {
  const existing = raw.vpcId !== undefined;
  const layout = existing ? { publicSubnetCidrs: [], privateSubnetCidrs: [] } : subnetLayout(raw);
  const publicSubnetIds = raw.publicSubnetIds ?? [];
  return {
    /** Create a new VPC, or adopt an existing one by ids. */
    mode: (existing ? "existing" : "create") as "create" | "existing",
    /** The VPC CIDR (create mode). */
    cidr: existing ? undefined : raw.cidr,
    /** Availability zones: a count to take from the region, or names. */
    availabilityZones: existing
      ? publicSubnetIds.length
      : ((raw.availabilityZones ?? 2) as number | readonly string[]),
    publicSubnetCidrs: layout.publicSubnetCidrs as readonly string[],
    privateSubnetCidrs: layout.privateSubnetCidrs as readonly string[],
    natGateways: raw.natGateways,
    /** Existing mode: the VPC and its subnets. */
    vpcId: raw.vpcId,
    publicSubnetIds: publicSubnetIds as readonly string[],
    privateSubnetIds: (raw.privateSubnetIds ?? []) as readonly string[],
  };
}

/** `deployment.trafficShifting`: a predefined name, or `{type, percent, intervalMinutes}`. */
export function trafficShifting(
  value:
    | PredefinedTrafficShifting
    | { type: "Canary" | "Linear"; percent: number; intervalMinutes: number },
): TrafficShifting {
  return typeof value === "string" ? predefinedShifting(value) : { ...value };
}

/** The steps of a predefined CodeDeploy configuration, from its name. */
export function predefinedShifting(name: PredefinedTrafficShifting): TrafficShifting {
  const match = /^(Canary|Linear)(\d+)Percent(?:Every)?(\d+)Minutes$/.exec(name);
  if (!match || !(name in TRAFFIC_SHIFTING)) {
    return { type: "AllAtOnce", predefined: name };
  }
  return {
    type: match[1] as "Canary" | "Linear",
    percent: Number(match[2]),
    intervalMinutes: Number(match[3]),
    predefined: name,
  };
}

/** A service name against DNS and AWS naming limits. */
export function serviceNameProblems(name: string): Problem[] {
  const problems: Problem[] = [];
  if (!/^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$/.test(name) || name.includes("--")) {
    problems.push(
      at(
        [],
        `is "${name}"; service names become DNS labels and AWS resource names: use lower-case letters, digits and single dashes, starting with a letter and not ending with a dash (e.g. orders-api).`,
      ),
    );
  }
  if (name.length > MAX_SERVICE_NAME_LENGTH) {
    problems.push(
      at(
        [],
        `is "${name}" (${name.length} characters); target group names are at most 32 characters and Greenlight adds "-green" and an 8-character unique suffix, so a service name has at most ${MAX_SERVICE_NAME_LENGTH} characters.`,
      ),
    );
  }
  return problems;
}

type ParsedService = z.output<typeof serviceSchema>;

/**
 * Unique names, a trigger's path filter, Fargate's cpu/memory pairs, no secrets in the plain
 * environment, and a desired count within the autoscaling range.
 */
export function servicesProblems(services: readonly ParsedService[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  services.forEach((s, i) => {
    const within = (path: Problem["path"]) => (p: Problem) =>
      at([i, ...path, ...p.path], p.message);
    problems.push(
      ...environmentProblems(
        s.environment,
        s.secrets.map((x) => x.name),
        ["services", i, "secrets"],
      ).map(within(["environment"])),
      ...desiredCountProblems(s.desiredCount, s.autoscaling).map(within([])),
    );
    const previous = seen.get(s.name);
    if (previous !== undefined) {
      problems.push(
        at(
          [i, "name"],
          `is "${s.name}", the same as ${keyOf(["services", previous, "name"])}; service names must be unique in a stack.`,
        ),
      );
    } else {
      seen.set(s.name, i);
    }
    if (s.sharedPaths.length > MAX_SHARED_PATHS) {
      problems.push(
        at(
          [i, "sharedPaths"],
          `lists ${s.sharedPaths.length} paths; a CodePipeline trigger filters on at most 8 file paths (the service's folder and ${MAX_SHARED_PATHS} shared ones): share a common parent folder instead.`,
        ),
      );
    }
    const allowed = FARGATE_SIZES[s.cpu];
    if (!allowed.includes(s.memory)) {
      problems.push(
        at(
          [i, "memory"],
          `is ${s.memory} with cpu ${s.cpu}; Fargate offers ${describeMemory(allowed)} MiB for ${s.cpu} cpu units: change memory or cpu.`,
        ),
      );
    }
  });
  return problems;
}

function describeMemory(allowed: readonly number[]): string {
  if (allowed.length <= 3) return humanList(allowed);
  return `${allowed[0]} to ${allowed[allowed.length - 1]} in steps of ${allowed[1] - allowed[0]}`;
}

type RawSource = z.output<typeof sourceSettings>;

/** Some push must deploy: branches and/or tags. */
export function sourceProblems(raw: RawSource): Problem[] {
  if (raw.branches.length === 0 && raw.tags.length === 0) {
    return [
      at(
        [],
        `has neither branches nor tags, so no push would deploy: set branches (e.g. [development]) and/or tags (e.g. ["v*"]).`,
      ),
    ];
  }
  return [];
}

export function resolveSource(raw: RawSource) {
  return {
    ...raw,
    defaultBranch: raw.defaultBranch ?? raw.branches[0] ?? "main",
    repositoryUrl: raw.repositoryUrl ?? defaultRepositoryUrl(raw.provider, raw.repository),
  };
}

/** The web URL of a repository on a hosted provider. */
export function defaultRepositoryUrl(provider: SourceProvider, repository: string): string {
  const host = { GitHub: "github.com", Bitbucket: "bitbucket.org", GitLab: "gitlab.com" }[provider];
  return `https://${host}/${repository}`;
}

type Sections = z.output<typeof rootSettings>;

export type HookPlacement =
  | { readonly inVpc: false }
  | { readonly inVpc: true; readonly admit: "hookSecurityGroup" | "natAddresses" };

/**
 * Where the live hook must run to reach the production listener: outside the VPC for an
 * internet-facing ALB open to anywhere; in the private subnets otherwise (an internal ALB admits
 * the hook's security group; an internet-facing ALB with restricted ranges admits the NAT
 * gateways' addresses, which the hook's requests leave from).
 */
export function hookPlacement(c: Pick<Sections, "network" | "loadBalancer">): {
  placement: HookPlacement;
  problems: Problem[];
} {
  const { network, loadBalancer: lb } = c;
  const noNat = network.mode === "create" && network.natGateways === "none";
  const nat = keyOf(["network", "natGateways"]);
  if (lb.internal) {
    const problems: Problem[] = noNat
      ? [
          at(
            ["loadBalancer", "internal"],
            `is true and ${nat} is none; the live hook then runs in the VPC and needs a NAT gateway to reach CodeDeploy, Secrets Manager and Slack: set natGateways to single or perAz.`,
          ),
        ]
      : [];
    return { placement: { inVpc: true, admit: "hookSecurityGroup" }, problems };
  }
  if (lb.prodIngressCidrs.includes("0.0.0.0/0")) {
    return { placement: { inVpc: false }, problems: [] };
  }
  if (network.mode === "existing" || noNat) {
    const fix = noNat
      ? `set ${nat} to single or perAz (the hook then runs in the VPC and the ALB admits the NAT gateways' addresses), or open production to 0.0.0.0/0.`
      : `with an existing VPC, add your NAT gateways' public addresses (/32) to prodIngressCidrs and set loadBalancer.internal, or open production to 0.0.0.0/0.`;
    return {
      placement: { inVpc: false },
      problems: [
        at(
          ["loadBalancer", "prodIngressCidrs"],
          `does not include 0.0.0.0/0, so the live hook cannot reach the production listener from AWS Lambda's public addresses; ${fix}`,
        ),
      ],
    };
  }
  return { placement: { inVpc: true, admit: "natAddresses" }, problems: [] };
}

/** Each service's listener ports: the first service has defaults, the others must say. */
function listenerPorts(c: Sections) {
  const defaultProd = usesHttps(c.loadBalancer) ? 443 : 80;
  return c.services.map((s, i) => ({
    prodPort: s.prodPort ?? (i === 0 ? defaultProd : undefined),
    testPort: s.testPort ?? (i === 0 ? 8443 : undefined),
  }));
}

/** Whether port 80 carries the HTTP→HTTPS redirect listener. */
export function redirects(lb: TlsSettings & { httpRedirect: boolean }): boolean {
  return usesHttps(lb) && lb.httpRedirect;
}

/** The keys only one engine reads, and the engine that reads them. */
const ECS_ONLY_SERVICE_KEYS = ["hostname", "pathPattern", "rulePriority"] as const;
const CODEDEPLOY_ONLY_SERVICE_KEYS = ["prodPort", "testPort"] as const;

/** The ecs engine's shared listener ports: production 443 (HTTPS) or 80, and the test port. */
export function sharedListenerPorts(lb: TlsSettings & { testPort?: number }): {
  prodPort: number;
  testPort: number;
} {
  return {
    prodPort: usesHttps(lb) ? 443 : 80,
    testPort: lb.testPort ?? DEFAULT_ECS_TEST_PORT,
  };
}

/** A service's listener rule priority on the ecs engine: its own, else 10 × its position. */
export function rulePriority(service: { rulePriority?: number }, index: number): number {
  return service.rulePriority ?? (index + 1) * 10;
}

/**
 * What the shared listeners match for a service on the ecs engine: its host and/or path, or
 * every path for a stack's single service that names neither.
 */
export function routeOf(service: { hostname?: string; pathPattern?: string }): {
  hostname?: string;
  pathPattern?: string;
} {
  if (service.hostname === undefined && service.pathPattern === undefined) {
    return { pathPattern: "/*" };
  }
  return {
    ...(service.hostname === undefined ? {} : { hostname: service.hostname }),
    ...(service.pathPattern === undefined ? {} : { pathPattern: service.pathPattern }),
  };
}

/**
 * Keys of the other engine are refused with the fix; on ecs: hosts under the stack's domain,
 * every service routed (a single service may take every path), routes and priorities unique,
 * the test port apart from production's, and traffic shifting and bake time within what
 * Amazon ECS accepts.
 */
/**
 * On the ecs engine the live check runs in slices: each hook invocation probes for at most
 * `EcsHookDefaults.invocationBudgetMs` and ECS calls it again after its call-back delay, and the
 * answers in a row start over in each invocation. So the streak must fit in one invocation, or a
 * healthy release could never be proven live.
 */
export function ecsLiveCheckProblems(c: Pick<Sections, "deployment" | "liveCheck">): Problem[] {
  if (c.deployment.engine !== "ecs") return [];
  const { consecutive, intervalMs } = c.liveCheck;
  const budgetMs = EcsHookDefaults.invocationBudgetMs;
  if (consecutive * intervalMs < budgetMs) return [];
  return [
    at(
      ["liveCheck", "consecutive"],
      `is ${consecutive} with ${keyOf(["liveCheck", "intervalMs"])} ${intervalMs}: ${(consecutive * intervalMs) / 1000} s of answers in a row, but with ${keyOf(["deployment", "engine"])}: ecs one hook invocation checks for at most ${budgetMs / 1000} s and the streak starts over in the next; lower consecutive or intervalMs so that consecutive × intervalMs stays under ${budgetMs / 1000} s.`,
    ),
  ];
}

export function engineProblems(c: Sections): Problem[] {
  const problems: Problem[] = [];
  const engineKey = keyOf(["deployment", "engine"]);
  if (c.deployment.engine === "codedeploy") {
    c.services.forEach((s, i) => {
      for (const key of ECS_ONLY_SERVICE_KEYS) {
        if (s[key] !== undefined) {
          problems.push(
            at(
              ["services", i, key],
              `is set, but only ${engineKey}: ecs routes by listener rules; CodeDeploy gives each service its own listener ports (prodPort, testPort): remove it, or set ${engineKey} to ecs.`,
            ),
          );
        }
      }
    });
    if (c.loadBalancer.testPort !== undefined) {
      problems.push(
        at(
          ["loadBalancer", "testPort"],
          `is set, but only ${engineKey}: ecs has one shared test listener; with CodeDeploy each service has its own services[].testPort: remove it, or set ${engineKey} to ecs.`,
        ),
      );
    }
    return problems;
  }
  c.services.forEach((s, i) => {
    for (const key of CODEDEPLOY_ONLY_SERVICE_KEYS) {
      if (s[key] !== undefined) {
        problems.push(
          at(
            ["services", i, key],
            `is set, but with ${engineKey}: ecs every service shares one production and one test listener (${keyOf(["loadBalancer", "testPort"])} sets the test port): remove it and route the service with hostname and/or pathPattern.`,
          ),
        );
      }
    }
  });
  const domain = c.loadBalancer.domainName;
  const domainKey = keyOf(["loadBalancer", "domainName"]);
  c.services.forEach((s, i) => {
    if (s.hostname === undefined) return;
    if (domain === undefined) {
      problems.push(
        at(
          ["services", i, "hostname"],
          `is "${s.hostname}" but ${domainKey} is not set; set the stack's domain (the name the certificate covers) so host names can be checked against it.`,
        ),
      );
    } else if (c.loadBalancer.domain !== undefined && s.hostname !== domain) {
      // The certificate and the alias record Greenlight creates for `domain` cover its name only.
      problems.push(
        at(
          ["services", i, "hostname"],
          `is "${s.hostname}"; the certificate and DNS record Greenlight creates for ${keyOf(["loadBalancer", "domain"])} cover "${domain}" only: use hostname ${domain} (or pathPattern), or a certificate covering the service names with certificateArn and domainName and your own DNS records.`,
        ),
      );
    } else if (s.hostname !== domain && !s.hostname.endsWith(`.${domain}`)) {
      problems.push(
        at(
          ["services", i, "hostname"],
          `is "${s.hostname}", not under ${domainKey} "${domain}"; use ${domain} or a name under it (e.g. ${s.name}.${domain}).`,
        ),
      );
    }
  });
  if (c.services.length > 1) {
    c.services.forEach((s, i) => {
      if (s.hostname === undefined && s.pathPattern === undefined) {
        problems.push(
          at(
            ["services", i],
            `has neither hostname nor pathPattern; with ${engineKey}: ecs and several services, each needs a route on the shared listener: set hostname (e.g. ${s.name}.${domain ?? "shop.example.com"}) and/or pathPattern (e.g. /${s.name}/*).`,
          ),
        );
      }
    });
  }
  const routes = new Map<string, number>();
  const priorities = new Map<number, number>();
  c.services.forEach((s, i) => {
    const route = routeOf(s);
    const routeKey = `${route.hostname ?? "*"} ${route.pathPattern ?? "/*"}`;
    const sameRoute = routes.get(routeKey);
    if (sameRoute !== undefined && (s.hostname !== undefined || s.pathPattern !== undefined)) {
      problems.push(
        at(
          ["services", i, s.hostname !== undefined ? "hostname" : "pathPattern"],
          `routes the same requests as ${keyOf(["services", sameRoute])} (host ${route.hostname ?? "any"}, path ${route.pathPattern ?? "any"}); give each service its own hostname or pathPattern.`,
        ),
      );
    } else {
      routes.set(routeKey, i);
    }
    const priority = rulePriority(s, i);
    const samePriority = priorities.get(priority);
    if (samePriority !== undefined) {
      problems.push(
        at(
          ["services", i, "rulePriority"],
          `is ${priority}${s.rulePriority === undefined ? " (10 × its position)" : ""}, the same as ${keyOf(["services", samePriority])}'s; listener rule priorities must be unique: set a different rulePriority.`,
        ),
      );
    } else {
      priorities.set(priority, i);
    }
  });
  const ports = sharedListenerPorts(c.loadBalancer);
  const reserved = redirects(c.loadBalancer) ? [ports.prodPort, 80] : [ports.prodPort];
  if (reserved.includes(ports.testPort)) {
    problems.push(
      at(
        ["loadBalancer", "testPort"],
        `is ${ports.testPort}, the production${ports.testPort === 80 && ports.prodPort !== 80 ? " redirect" : ""} listener's port; choose another port for the test listener (default ${DEFAULT_ECS_TEST_PORT}).`,
      ),
    );
  }
  const shifting = c.deployment.trafficShifting;
  if (shifting.type !== "AllAtOnce") {
    if (shifting.type === "Linear" && shifting.percent < MIN_ECS_LINEAR_STEP_PERCENT) {
      problems.push(
        at(
          ["deployment", "trafficShifting", "percent"],
          `is ${shifting.percent}; Amazon ECS linear deployments move ${MIN_ECS_LINEAR_STEP_PERCENT} to 100 percent a step: use ${MIN_ECS_LINEAR_STEP_PERCENT} or more.`,
        ),
      );
    }
    if (shifting.intervalMinutes > MAX_ECS_BAKE_MINUTES) {
      problems.push(
        at(
          ["deployment", "trafficShifting", "intervalMinutes"],
          `is ${shifting.intervalMinutes}; an Amazon ECS step bake time is at most ${MAX_ECS_BAKE_MINUTES} minutes (one day): use ${MAX_ECS_BAKE_MINUTES} or less.`,
        ),
      );
    }
  }
  if (c.deployment.terminationWaitMinutes > MAX_ECS_BAKE_MINUTES) {
    problems.push(
      at(
        ["deployment", "terminationWaitMinutes"],
        `is ${c.deployment.terminationWaitMinutes}; it is the Amazon ECS bake time, at most ${MAX_ECS_BAKE_MINUTES} minutes (one day) with ${engineKey}: ecs: use ${MAX_ECS_BAKE_MINUTES} or less.`,
      ),
    );
  }
  return problems;
}

/** Production-only rules, listener ports, the hook's reach and the AWS limits. */
export function crossSectionProblems(c: Sections): Problem[] {
  const problems: Problem[] = [];
  if (isProduction(c.environment) && c.loadBalancer.testIngressCidrs.includes("0.0.0.0/0")) {
    problems.push(
      at(
        ["loadBalancer", "testIngressCidrs"],
        "includes 0.0.0.0/0; in prod the test listener serves unreleased versions and must never be open to anywhere: list your office or VPN ranges.",
      ),
    );
  }
  problems.push(...engineProblems(c), ...ecsLiveCheckProblems(c));
  const used = new Map<number, string>();
  if (redirects(c.loadBalancer)) used.set(80, keyOf(["loadBalancer", "httpRedirect"]));
  const perServicePorts = c.deployment.engine === "codedeploy" ? listenerPorts(c) : [];
  perServicePorts.forEach((ports, i) => {
    for (const field of ["prodPort", "testPort"] as const) {
      const port = ports[field];
      if (port === undefined) {
        problems.push(at(["services", i, field], "is required; set it in the stack file."));
        continue;
      }
      const where = keyOf(["services", i, field]);
      const clash = used.get(port);
      if (clash !== undefined) {
        problems.push(
          at(
            ["services", i, field],
            `is ${port}, already used by ${clash}; every listener of the load balancer needs its own port.`,
          ),
        );
      } else {
        used.set(port, where);
      }
    }
  });
  const { placement, problems: hook } = hookPlacement(c);
  problems.push(...hook);
  problems.push(
    ...limitProblems({
      services: c.services.length,
      engine: c.deployment.engine,
      prodIngressCidrs: c.loadBalancer.prodIngressCidrs.length,
      testIngressCidrs: c.loadBalancer.testIngressCidrs.length,
      redirect: redirects(c.loadBalancer),
      placement,
      natGateways: natGatewayCount(c.network),
    }),
  );
  return problems;
}

/** NAT gateways the stack creates (an existing VPC's are not counted: the hook cannot use them). */
export function natGatewayCount(network: ReturnType<typeof resolveNetwork>): number {
  if (network.mode === "existing") return 0;
  const zones = network.availabilityZones;
  const count = typeof zones === "number" ? zones : zones.length;
  return { none: 0, single: 1, perAz: count }[network.natGateways];
}

/** The configuration the components use: defaults that depend on other keys filled in. */
export function resolveConfig(c: Sections) {
  const production = isProduction(c.environment);
  const ecs = c.deployment.engine === "ecs";
  const shared = sharedListenerPorts(c.loadBalancer);
  // On ecs every service's ports are the shared listeners'.
  const ports = ecs ? c.services.map(() => shared) : listenerPorts(c);
  return {
    ...c,
    logRetentionDays: c.logRetentionDays ?? (production ? 90 : 14),
    loadBalancer: {
      ...c.loadBalancer,
      deletionProtection:
        c.loadBalancer.deletionProtection ?? teardownPolicy(c.environment).protectLoadBalancer,
    },
    services: c.services.map((s, i) => ({
      ...s,
      desiredCount: s.desiredCount ?? s.autoscaling?.min ?? 2,
      prodPort: ports[i].prodPort ?? 0,
      testPort: ports[i].testPort ?? 0,
      /** ecs engine: the service's listener rules' priority and what they match. */
      rulePriority: rulePriority(s, i),
      route: routeOf(s),
    })),
    pipeline: { ...c.pipeline, approval: c.pipeline.approval ?? production },
    liveCheck: { ...c.liveCheck, placement: hookPlacement(c).placement },
  };
}
