/**
 * The AWS quotas a stack's size runs into, and what the program creates against each (see
 * loadBalancer.ts and liveHook.ts). Sources: "Quotas for your Application Load Balancers" and
 * "Amazon VPC quotas" (security groups) in the AWS documentation.
 */
import type { DeploymentEngine } from "./choices";
import type { HookPlacement, Problem } from "./rules";

/** Listeners per Application Load Balancer (default quota, adjustable). */
export const MAX_LISTENERS_PER_ALB = 50;
/** Target groups per Application Load Balancer (not adjustable). */
export const MAX_TARGET_GROUPS_PER_ALB = 100;
/** Rules per Application Load Balancer listener, the default rule excluded (default quota). */
export const MAX_RULES_PER_LISTENER = 100;
/** Listener rule priorities go from 1 to 50000. */
export const MAX_RULE_PRIORITY = 50000;
/** Inbound (and, separately, outbound) IPv4 rules per security group (default quota). */
export const MAX_RULES_PER_SECURITY_GROUP = 60;

export interface StackSize {
  readonly services: number;
  /** codedeploy (the default): a listener pair per service; ecs: one shared pair, a rule per service on each. */
  readonly engine?: DeploymentEngine;
  readonly prodIngressCidrs: number;
  readonly testIngressCidrs: number;
  /** Port 80 redirects to HTTPS: one more listener and one rule per production range. */
  readonly redirect: boolean;
  readonly placement: HookPlacement;
  /** NAT gateways the stack creates (the hook's requests leave from their addresses). */
  readonly natGateways: number;
}

/** What one service adds to the load balancer, and what the stack adds once. */
export function loadBalancerUsage(size: Omit<StackSize, "services">) {
  const hookRules = !size.placement.inVpc
    ? 0
    : size.placement.admit === "hookSecurityGroup"
      ? 1
      : size.natGateways;
  const redirectRules = size.redirect ? size.prodIngressCidrs : 0;
  if (size.engine === "ecs") {
    return {
      /** One production and one test listener for the stack, and the redirect listener. */
      listeners: { perService: 0, fixed: 2 + (size.redirect ? 1 : 0) },
      targetGroups: { perService: 2, fixed: 0 },
      /** A rule per service on the production listener (the test listener mirrors it). */
      listenerRules: { perService: 1, fixed: 0 },
      /** The shared ports' rules, once: production, test, the VPC on the test port, the hook's. */
      inboundRules: {
        perService: 0,
        fixed: size.prodIngressCidrs + size.testIngressCidrs + 1 + hookRules + redirectRules,
      },
      outboundRules: { perService: 1, fixed: 0 },
    };
  }
  return {
    /** A production and a test listener per service; the redirect listener once. */
    listeners: { perService: 2, fixed: size.redirect ? 1 : 0 },
    /** A blue and a green target group per service. */
    targetGroups: { perService: 2, fixed: 0 },
    /** Listener default actions only: no rules. */
    listenerRules: { perService: 0, fixed: 0 },
    /**
     * Inbound rules of the ALB's security group: per service, one per production range, one per
     * test range, one for the VPC on the test port, and the live hook's (its security group, or
     * one per NAT gateway); once, one per production range on port 80 for the redirect.
     */
    inboundRules: {
      perService: size.prodIngressCidrs + size.testIngressCidrs + 1 + hookRules,
      fixed: redirectRules,
    },
    /** Outbound rules of the ALB's security group: one to each service's tasks. */
    outboundRules: { perService: 1, fixed: 0 },
  };
}

type Usage = { readonly perService: number; readonly fixed: number };

/** How many services fit under `max` (no bound when a service adds nothing). */
const fitOf = (u: Usage, max: number) =>
  u.perService === 0 ? Number.POSITIVE_INFINITY : Math.floor((max - u.fixed) / u.perService);

/** The most services a stack of this shape holds, and which limit decides it. */
export function maxServices(size: Omit<StackSize, "services">): number {
  const usage = loadBalancerUsage(size);
  return Math.min(
    fitOf(usage.listeners, MAX_LISTENERS_PER_ALB),
    fitOf(usage.targetGroups, MAX_TARGET_GROUPS_PER_ALB),
    fitOf(usage.listenerRules, MAX_RULES_PER_LISTENER),
    fitOf(usage.inboundRules, MAX_RULES_PER_SECURITY_GROUP),
    fitOf(usage.outboundRules, MAX_RULES_PER_SECURITY_GROUP),
  );
}

/** Every limit the services would pass, each saying which and what to do (path: `services`). */
export function limitProblems(size: StackSize): Problem[] {
  const usage = loadBalancerUsage(size);
  const n = size.services;
  const problems: Problem[] = [];
  const check = (u: Usage, max: number, what: (total: number, fit: number) => string) => {
    const total = u.perService * n + u.fixed;
    if (total > max && u.perService > 0) {
      problems.push({
        path: ["services"],
        message: `lists ${n} services; ${what(total, fitOf(u, max))}`,
      });
    }
  };
  check(
    usage.listeners,
    MAX_LISTENERS_PER_ALB,
    (total, fit) =>
      `they need ${total} listeners (a production and a test listener each${size.redirect ? ", plus the HTTP→HTTPS redirect" : ""}) and an Application Load Balancer has at most ${MAX_LISTENERS_PER_ALB} (the default quota), so this stack holds ${fit}: split the services across stacks, or raise the "Listeners per Application Load Balancer" quota first.`,
  );
  check(
    usage.targetGroups,
    MAX_TARGET_GROUPS_PER_ALB,
    (total, fit) =>
      `they need ${total} target groups (a blue and a green each) and an Application Load Balancer takes at most ${MAX_TARGET_GROUPS_PER_ALB} (a fixed limit), so this stack holds ${fit}: split the services across stacks.`,
  );
  check(
    usage.listenerRules,
    MAX_RULES_PER_LISTENER,
    (total, fit) =>
      `they need ${total} rules on the shared production listener (one each) and a listener takes at most ${MAX_RULES_PER_LISTENER} besides its default action (the default quota), so this stack holds ${fit}: split the services across stacks, or raise the "Rules per Application Load Balancer" quota first.`,
  );
  if (
    usage.inboundRules.perService === 0 &&
    usage.inboundRules.fixed > MAX_RULES_PER_SECURITY_GROUP
  ) {
    problems.push({
      path: ["loadBalancer", "prodIngressCidrs"],
      message: `and testIngressCidrs need ${usage.inboundRules.fixed} inbound rules on the load balancer's security group and a security group has at most ${MAX_RULES_PER_SECURITY_GROUP} (the default quota): list fewer ingress ranges (a VPN or office range instead of many addresses).`,
    });
  }
  check(
    usage.inboundRules,
    MAX_RULES_PER_SECURITY_GROUP,
    (total, fit) =>
      `the load balancer's security group would need ${total} inbound rules (${usage.inboundRules.perService} per service: one per production and test range, the VPC on the test port${usage.inboundRules.perService > size.prodIngressCidrs + size.testIngressCidrs + 1 ? " and the live hook's" : ""}${usage.inboundRules.fixed ? `; ${usage.inboundRules.fixed} for the redirect` : ""}) and a security group has at most ${MAX_RULES_PER_SECURITY_GROUP} (the default quota), so this stack holds ${fit}: list fewer ingress ranges (a VPN or office range instead of many addresses), or split the services across stacks.`,
  );
  check(
    usage.outboundRules,
    MAX_RULES_PER_SECURITY_GROUP,
    (total, fit) =>
      `the load balancer's security group would need ${total} outbound rules (one to each service's tasks) and a security group has at most ${MAX_RULES_PER_SECURITY_GROUP} (the default quota), so this stack holds ${fit}: split the services across stacks.`,
  );
  return problems;
}
