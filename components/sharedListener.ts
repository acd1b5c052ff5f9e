import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { LoadBalancerConfig, ServiceConfig } from "./config";
import {
  blueGreenTargetGroups,
  portSuffix,
  taskSecurityGroup,
  TLS_POLICY,
  type LoadBalancer,
} from "./loadBalancer";
import { portRule } from "./securityGroups";
import type { Tags } from "./tags";

/** What the shared listeners answer a request no service's rule matches. */
export const NO_ROUTE_RESPONSE = {
  contentType: "text/plain",
  messageBody: "Not found: no Greenlight service is routed here.",
  statusCode: "404",
} as const;

/** The weights a service's rules start with: every request to blue, green attached at 0. */
export const INITIAL_WEIGHTS = { blue: 100, green: 0 } as const;

export interface SharedListenersArgs {
  readonly config: LoadBalancerConfig;
  readonly loadBalancer: LoadBalancer;
  /** The production listener's port (443 with a certificate, else 80) and the test port. */
  readonly prodPort: number;
  readonly testPort: number;
  readonly vpcCidr: pulumi.Input<string>;
  readonly tags: Tags;
}

/**
 * The ecs engine's two listeners, shared by every service: production (443 with a certificate,
 * else 80) and test, each answering 404 unless one of the services' rules matches; and the ALB's
 * ingress for them: production from `prodIngressCidrs`, test from `testIngressCidrs` and the VPC.
 * Amazon ECS shifts traffic on the services' rules, never on these default actions, so they
 * stay Pulumi's.
 */
export class SharedListeners extends pulumi.ComponentResource {
  public readonly prodListener: aws.lb.Listener;
  public readonly testListener: aws.lb.Listener;

  constructor(name: string, args: SharedListenersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:loadbalancer:SharedListeners", name, {}, opts);
    const { config, loadBalancer, tags } = args;
    const protocol = loadBalancer.scheme === "https" ? "HTTPS" : "HTTP";

    const listener = (role: "prod" | "test", port: number) =>
      new aws.lb.Listener(
        `${name}-${role}`,
        {
          loadBalancerArn: loadBalancer.arn,
          port,
          protocol,
          certificateArn: loadBalancer.certificateArn,
          sslPolicy: loadBalancer.scheme === "https" ? TLS_POLICY : undefined,
          defaultActions: [{ type: "fixed-response", fixedResponse: { ...NO_ROUTE_RESPONSE } }],
          tags: { ...tags, role },
        },
        { parent: this },
      );
    this.prodListener = listener("prod", args.prodPort);
    this.testListener = listener("test", args.testPort);

    const ingress = (suffix: string, port: number, cidr: pulumi.Input<string>, what: string) =>
      portRule(
        "ingress",
        `${name}-${suffix}`,
        {
          securityGroupId: loadBalancer.securityGroupId,
          port,
          peer: { cidrIpv4: cidr },
          description: what,
          tags,
        },
        this,
      );
    config.prodIngressCidrs.forEach((cidr, i) =>
      ingress(`prod-${i}`, args.prodPort, cidr, "Production listener"),
    );
    config.testIngressCidrs.forEach((cidr, i) =>
      ingress(`test-${i}`, args.testPort, cidr, "Test listener"),
    );
    ingress("test-vpc", args.testPort, args.vpcCidr, "Test listener, from the VPC");

    this.registerOutputs({
      prodListenerArn: this.prodListener.arn,
      testListenerArn: this.testListener.arn,
    });
  }
}

export interface EcsServiceTrafficArgs {
  readonly service: ServiceConfig;
  readonly config: LoadBalancerConfig;
  readonly loadBalancer: LoadBalancer;
  readonly listeners: SharedListeners;
  readonly vpcId: pulumi.Input<string>;
  readonly tags: Tags;
}

/**
 * One service's share of the shared listeners: its blue and green target groups, a production
 * and a test rule (same priority and match on each listener, a weighted forward over both target
 * groups, blue 100 and green 0 at creation), and its tasks' security group. Amazon ECS rewrites
 * the rules' weights at every deployment, so `pulumi up` ignores their actions after creation;
 * the match (host, path, priority) stays Pulumi's.
 */
export class EcsServiceTraffic extends pulumi.ComponentResource {
  public readonly blueTargetGroup: aws.lb.TargetGroup;
  public readonly greenTargetGroup: aws.lb.TargetGroup;
  public readonly prodRule: aws.lb.ListenerRule;
  public readonly testRule: aws.lb.ListenerRule;
  public readonly taskSecurityGroupId: pulumi.Output<string>;
  public readonly prodUrl: pulumi.Output<string>;
  public readonly testUrl: pulumi.Output<string>;

  constructor(name: string, args: EcsServiceTrafficArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:loadbalancer:EcsServiceTraffic", name, {}, opts);
    const { service, loadBalancer, tags } = args;

    const targetGroups = blueGreenTargetGroups(name, args, this);
    this.blueTargetGroup = targetGroups.blue;
    this.greenTargetGroup = targetGroups.green;

    const conditions = ruleConditions(service.route);
    const rule = (role: "prod" | "test", listener: aws.lb.Listener) =>
      new aws.lb.ListenerRule(
        `${name}-${role}`,
        {
          listenerArn: listener.arn,
          priority: service.rulePriority,
          conditions,
          actions: [
            {
              type: "forward",
              forward: {
                targetGroups: [
                  { arn: this.blueTargetGroup.arn, weight: INITIAL_WEIGHTS.blue },
                  { arn: this.greenTargetGroup.arn, weight: INITIAL_WEIGHTS.green },
                ],
              },
            },
          ],
          tags: { ...tags, role },
        },
        // Amazon ECS moves the weights at every deployment; never put them back.
        { parent: this, ignoreChanges: ["actions"] },
      );
    this.prodRule = rule("prod", args.listeners.prodListener);
    this.testRule = rule("test", args.listeners.testListener);

    this.taskSecurityGroupId = taskSecurityGroup(name, args, this);

    const scheme = loadBalancer.scheme;
    const host = service.route.hostname ?? loadBalancer.host;
    const prefix = pathPrefix(service.route.pathPattern);
    this.prodUrl = pulumi.interpolate`${scheme}://${host}${portSuffix(scheme, service.prodPort)}${prefix}`;
    this.testUrl = pulumi.interpolate`${scheme}://${host}${portSuffix(scheme, service.testPort)}${prefix}`;

    this.registerOutputs({
      blueTargetGroupArn: this.blueTargetGroup.arn,
      greenTargetGroupArn: this.greenTargetGroup.arn,
      prodRuleArn: this.prodRule.arn,
      testRuleArn: this.testRule.arn,
      taskSecurityGroupId: this.taskSecurityGroupId,
      prodUrl: this.prodUrl,
      testUrl: this.testUrl,
    });
  }
}

/** A listener rule's conditions for a route: the host header and/or the path pattern. */
export function ruleConditions(
  route: ServiceConfig["route"],
): aws.types.input.lb.ListenerRuleCondition[] {
  const conditions: aws.types.input.lb.ListenerRuleCondition[] = [];
  if (route.hostname !== undefined) conditions.push({ hostHeader: { values: [route.hostname] } });
  if (route.pathPattern !== undefined) {
    conditions.push({ pathPattern: { values: [route.pathPattern] } });
  }
  return conditions;
}

/**
 * The fixed start of a path pattern, as a URL path without its trailing slash: `/orders/*` →
 * `/orders`, `/*` → ``.
 */
export function pathPrefix(pattern: string | undefined): string {
  if (pattern === undefined) return "";
  const fixed = pattern.split(/[*?]/)[0];
  return fixed.replace(/\/+$/, "");
}
