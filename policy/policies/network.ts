/**
 * Network exposure: the internet reaches the production listeners of the load balancer and
 * nothing else; the tasks are reachable from the load balancer only.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { describe, StackView, type StackResource } from "../lib/stack";
import { TYPES } from "../lib/types";
import {
  at,
  identifiers,
  isUnknown,
  list,
  num,
  record,
  refersTo,
  strings,
  UNKNOWN,
} from "../lib/values";

/** Source ranges that mean "anyone on the internet". */
export const ANYWHERE = ["0.0.0.0/0", "::/0"] as const;

/**
 * One ingress permission, whatever resource declares it: a `SecurityGroupIngressRule`, a legacy
 * `SecurityGroupRule` of type ingress, or an entry of a security group's inline `ingress`.
 */
export interface Ingress {
  /** The resource that declares it. */
  readonly owner: StackResource;
  /** Where it is declared, for messages: `ingress[1]`, or empty for a rule resource. */
  readonly where: string;
  /** The id of the security group it opens (for inline rules, the owning group's id). */
  readonly securityGroupId: unknown;
  readonly protocol: unknown;
  readonly fromPort: unknown;
  readonly toPort: unknown;
  /** CIDR ranges (IPv4 and IPv6); `UNKNOWN` entries when not known yet. */
  readonly cidrs: readonly unknown[];
  /** Prefix lists. */
  readonly prefixLists: readonly unknown[];
  /** Security groups it admits. */
  readonly sourceGroups: readonly unknown[];
  /** Whether the group admits itself. */
  readonly self: boolean;
}

function values(value: unknown): unknown[] {
  if (value === undefined || value === null || value === "") return [];
  if (isUnknown(value)) return [value];
  return list(value) ? [...(list(value) ?? [])] : [value];
}

/** Every ingress permission the stack declares. */
export function ingressOf(view: StackView): Ingress[] {
  const out: Ingress[] = [];
  for (const rule of view.ofType(TYPES.ingressRule)) {
    const p = rule.props;
    out.push({
      owner: rule,
      where: "",
      securityGroupId: p.securityGroupId,
      protocol: p.ipProtocol,
      fromPort: p.fromPort,
      toPort: p.toPort,
      cidrs: [...values(p.cidrIpv4), ...values(p.cidrIpv6)],
      prefixLists: values(p.prefixListId),
      sourceGroups: values(p.referencedSecurityGroupId),
      self: false,
    });
  }
  for (const rule of view.ofType(TYPES.securityGroupRule)) {
    const p = rule.props;
    if (p.type !== "ingress") continue;
    out.push({
      owner: rule,
      where: "",
      securityGroupId: p.securityGroupId,
      protocol: p.protocol,
      fromPort: p.fromPort,
      toPort: p.toPort,
      cidrs: [...values(p.cidrBlocks), ...values(p.ipv6CidrBlocks)],
      prefixLists: values(p.prefixListIds),
      sourceGroups: values(p.sourceSecurityGroupId),
      self: p.self === true,
    });
  }
  for (const group of view.ofType(TYPES.securityGroup)) {
    const inline = group.props.ingress;
    if (isUnknown(inline)) continue;
    (list(inline) ?? []).forEach((entry, i) => {
      const e = record(entry);
      if (e === undefined) return;
      out.push({
        owner: group,
        where: `ingress[${i}]`,
        // Outputs may not carry the group's own id: absent counts as not known.
        securityGroupId: group.props.id ?? UNKNOWN,
        protocol: e.protocol,
        fromPort: e.fromPort,
        toPort: e.toPort,
        cidrs: [...values(e.cidrBlocks), ...values(e.ipv6CidrBlocks)],
        prefixLists: values(e.prefixListIds),
        sourceGroups: values(e.securityGroups),
        self: e.self === true,
      });
    });
  }
  return out;
}

function label(ingress: Ingress): string {
  return ingress.where === ""
    ? describe(ingress.owner)
    : `${describe(ingress.owner)} ${ingress.where}`;
}

function isTcp(protocol: unknown): boolean {
  return protocol === "tcp" || protocol === "6" || protocol === 6;
}

function isAllTraffic(protocol: unknown): boolean {
  return protocol === "-1" || protocol === -1 || protocol === "all";
}

/**
 * The ports the internet may reach: the production listeners (tagged `role: prod`, or the
 * production route of a deployment group) and listeners that only redirect to HTTPS.
 */
export function publicPorts(view: StackView): Set<number> {
  const prodArns = view
    .ofType(TYPES.deploymentGroup)
    .flatMap(
      (g) =>
        strings(
          at(
            g.props,
            "loadBalancerInfo",
            "targetGroupPairInfo",
            "prodTrafficRoute",
            "listenerArns",
          ),
        ).known,
    );
  const ports = new Set<number>();
  for (const listener of view.ofType(TYPES.listener)) {
    const port = num(listener.props.port);
    if (port === undefined) continue;
    const ids = identifiers(listener.props.arn, listener.props.id);
    const isProd =
      at(listener.props, "tags", "role") === "prod" ||
      prodArns.some((arn) => refersTo(arn, ids) === true);
    const actions = list(listener.props.defaultActions) ?? [];
    const redirectsToHttps =
      actions.length > 0 &&
      actions.every(
        (a) => at(a, "type") === "redirect" && at(a, "redirect", "protocol") === "HTTPS",
      );
    if (isProd || redirectsToHttps) ports.add(port);
  }
  return ports;
}

/** The security groups the stack's load balancers use (known ids, and whether some are unknown). */
function loadBalancerGroups(view: StackView): { ids: unknown[]; someUnknown: boolean } {
  const ids: unknown[] = [];
  let someUnknown = false;
  for (const lb of view.ofType(TYPES.loadBalancer)) {
    const groups = strings(lb.props.securityGroups);
    ids.push(...groups.known);
    someUnknown ||= groups.someUnknown;
  }
  return { ids, someUnknown };
}

/**
 * No security group admits the whole internet, except on a production listener port of a load
 * balancer's security group.
 */
export const noPublicIngress: StackValidationPolicy = {
  name: "greenlight-no-public-ingress",
  description:
    "No security group may admit 0.0.0.0/0 or ::/0 except on a production listener port (or " +
    "the port-80 redirect to HTTPS) of a load balancer's security group: test listeners, tasks, " +
    "databases and every other port stay off the internet.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const view = StackView.of(args);
    const ports = publicPorts(view);
    const allowed = [...ports].sort((a, b) => a - b);
    const albGroups = loadBalancerGroups(view);
    for (const ingress of ingressOf(view)) {
      const open = ingress.cidrs.filter((c) => ANYWHERE.some((a) => a === c));
      if (open.length === 0) continue;
      const from = num(ingress.fromPort);
      const to = num(ingress.toPort);
      const known = !isUnknown(ingress.fromPort) && !isUnknown(ingress.toPort);
      const where = `${label(ingress)} admits ${open.join(" and ")}`;
      const fix =
        `Admit the internet only on a production listener port ` +
        `(${allowed.length > 0 ? allowed.join(", ") : "none in this stack"}); ` +
        `give other ports specific CIDR ranges or a source security group.`;
      if (isAllTraffic(ingress.protocol)) {
        reportViolation(`${where} on every protocol and port. ${fix}`, ingress.owner.urn);
        continue;
      }
      if (!known || isUnknown(ingress.protocol)) continue;
      if (!isTcp(ingress.protocol) || from === undefined || to === undefined) {
        reportViolation(
          `${where} on protocol ${JSON.stringify(ingress.protocol)} ports ${String(ingress.fromPort)}-${String(ingress.toPort)}. ${fix}`,
          ingress.owner.urn,
        );
        continue;
      }
      const range = from === to ? `port ${from}` : `ports ${from}-${to}`;
      if (from !== to || !ports.has(from)) {
        reportViolation(
          `${where} on ${range}, which is not a production listener port. ${fix}`,
          ingress.owner.urn,
        );
        continue;
      }
      // The port is right; the group must be a load balancer's.
      const onAlb = refersTo(ingress.securityGroupId, albGroups.ids);
      if (onAlb === false && !albGroups.someUnknown) {
        reportViolation(
          `${where} on ${range}, but on a security group that no load balancer uses. ` +
            `Open production ports on the load balancer's security group only.`,
          ingress.owner.urn,
        );
      }
    }
  },
};

/**
 * The tasks' security groups admit the load balancer's security group and nothing else.
 */
export const tasksOnlyFromLoadBalancer: StackValidationPolicy = {
  name: "greenlight-tasks-only-from-alb",
  description:
    "A security group of an ECS service's tasks may admit only the load balancer's security " +
    "group (referencedSecurityGroupId), never a CIDR range, prefix list or itself: traffic must " +
    "pass the listeners, where CodeDeploy controls which task set receives it.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const view = StackView.of(args);
    const taskGroups = view
      .ofType(TYPES.ecsService)
      .flatMap((s) => strings(at(s.props, "networkConfiguration", "securityGroups")).known);
    if (taskGroups.length === 0) return;
    const albGroups = loadBalancerGroups(view);
    for (const ingress of ingressOf(view)) {
      if (refersTo(ingress.securityGroupId, taskGroups) !== true) continue;
      const who = `${label(ingress)} (a security group of ECS tasks)`;
      const fix =
        `Admit the tasks' container port from the load balancer's security group only ` +
        `(referencedSecurityGroupId).`;
      const sources: string[] = [];
      const cidrs = ingress.cidrs.filter((c) => !isUnknown(c));
      if (cidrs.length > 0) sources.push(`CIDR ${cidrs.join(", ")}`);
      if (ingress.prefixLists.length > 0) sources.push("a prefix list");
      if (ingress.self) sources.push("itself");
      if (sources.length > 0) {
        reportViolation(`${who} admits ${sources.join(" and ")}. ${fix}`, ingress.owner.urn);
        continue;
      }
      if (ingress.cidrs.length > 0) continue; // an unknown CIDR: decided once known
      if (ingress.sourceGroups.length === 0) {
        reportViolation(`${who} names no source. ${fix}`, ingress.owner.urn);
        continue;
      }
      for (const source of ingress.sourceGroups) {
        const fromAlb = refersTo(source, albGroups.ids);
        if (fromAlb === false && !albGroups.someUnknown) {
          reportViolation(
            `${who} admits security group ${String(source)}, which no load balancer uses. ${fix}`,
            ingress.owner.urn,
          );
        }
      }
    }
  },
};

/** The network policies. */
export const networkPolicies = [noPublicIngress, tasksOnlyFromLoadBalancer] as const;
