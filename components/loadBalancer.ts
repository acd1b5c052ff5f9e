import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { LoadBalancerConfig, ServiceConfig } from "./config";
import { DomainAlias, DomainCertificate } from "./domain";
import { usesHttps } from "./domainRules";
import { portRule } from "./securityGroups";
import type { Tags } from "./tags";

/** TLS policy of HTTPS listeners: TLS 1.3 and 1.2 only. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/**
 * Target group health checks: a new task is healthy after 2 passes 5 s apart (about 10–15 s from
 * its first answer), and out after 2 failures.
 */
export const HEALTH_CHECK = {
  intervalSeconds: 5,
  timeoutSeconds: 4,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  matcher: "200-299",
} as const;

export interface LoadBalancerArgs {
  readonly config: LoadBalancerConfig;
  readonly vpcId: pulumi.Input<string>;
  /** Public subnets (internet-facing) or private subnets (internal). */
  readonly subnetIds: pulumi.Input<string>[];
  readonly tags: Tags;
}

/**
 * The stack's Application Load Balancer and its security group. Each service adds its own
 * production and test listeners (see ServiceTraffic): CodeDeploy switches a listener's default
 * action between a service's blue and green target groups, so every service gets its own pair of
 * ports on the one ALB. With a certificate, port 80 redirects to HTTPS.
 */
export class LoadBalancer extends pulumi.ComponentResource {
  public readonly arn: pulumi.Output<string>;
  public readonly arnSuffix: pulumi.Output<string>;
  public readonly dnsName: pulumi.Output<string>;
  /** The name people and the live hook use: the configured domain, else the ALB's DNS name. */
  public readonly host: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  /** `https` with a certificate, else `http`. */
  public readonly scheme: "http" | "https";
  /** The HTTPS listeners' certificate: `certificateArn`, or the one created for `domain`. */
  public readonly certificateArn?: pulumi.Output<string>;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:loadbalancer:LoadBalancer", name, {}, opts);
    const { config, tags } = args;
    this.scheme = usesHttps(config) ? "https" : "http";
    // loadBalancer.domain: the certificate (validated in the zone) before any HTTPS listener.
    const certificate = config.domain
      ? new DomainCertificate(name, { domain: config.domain, tags }, { parent: this })
      : undefined;
    this.certificateArn =
      certificate?.certificateArn ??
      (config.certificateArn ? pulumi.output(config.certificateArn) : undefined);

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-alb`,
      {
        vpcId: args.vpcId,
        description: "Greenlight ALB: listener ports from configured ranges only",
        tags: { ...tags, Name: `${name}-alb` },
      },
      { parent: this },
    );
    this.securityGroupId = securityGroup.id;

    const alb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: "application",
        internal: config.internal,
        securityGroups: [securityGroup.id],
        subnets: args.subnetIds,
        idleTimeout: config.idleTimeoutSeconds,
        enableDeletionProtection: config.deletionProtection,
        dropInvalidHeaderFields: true,
        tags,
      },
      { parent: this },
    );
    this.arn = alb.arn;
    this.arnSuffix = alb.arnSuffix;
    this.dnsName = alb.dnsName;
    this.host = config.domainName ? pulumi.output(config.domainName) : alb.dnsName;
    if (config.domain && certificate) {
      new DomainAlias(
        name,
        {
          name: config.domain.name,
          zoneId: certificate.zoneId,
          loadBalancerDnsName: alb.dnsName,
          loadBalancerZoneId: alb.zoneId,
        },
        { parent: this },
      );
    }

    if (this.scheme === "https" && config.httpRedirect) {
      config.prodIngressCidrs.forEach((cidr, i) =>
        portRule(
          "ingress",
          `${name}-redirect-${i}`,
          {
            securityGroupId: securityGroup.id,
            port: 80,
            peer: { cidrIpv4: cidr },
            description: "HTTP, redirected to HTTPS",
            tags,
          },
          this,
        ),
      );
      new aws.lb.Listener(
        `${name}-redirect`,
        {
          loadBalancerArn: alb.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [
            {
              type: "redirect",
              redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
            },
          ],
          tags,
        },
        { parent: this },
      );
    }

    this.registerOutputs({
      arn: this.arn,
      dnsName: this.dnsName,
      host: this.host,
      certificateArn: this.certificateArn,
      securityGroupId: this.securityGroupId,
    });
  }
}

export interface ServiceTrafficArgs {
  readonly service: ServiceConfig;
  readonly config: LoadBalancerConfig;
  readonly loadBalancer: LoadBalancer;
  readonly vpcId: pulumi.Input<string>;
  readonly vpcCidr: pulumi.Input<string>;
  readonly tags: Tags;
}

/**
 * One service's share of the load balancer: a blue and a green target group, a production and a
 * test listener (both start on blue; CodeDeploy owns their default actions from then on), the ALB
 * ingress rules for those ports and the tasks' security group, which admits only the ALB.
 */
export class ServiceTraffic extends pulumi.ComponentResource {
  public readonly blueTargetGroup: aws.lb.TargetGroup;
  public readonly greenTargetGroup: aws.lb.TargetGroup;
  public readonly prodListener: aws.lb.Listener;
  public readonly testListener: aws.lb.Listener;
  public readonly taskSecurityGroupId: pulumi.Output<string>;
  public readonly prodUrl: pulumi.Output<string>;
  public readonly testUrl: pulumi.Output<string>;

  constructor(name: string, args: ServiceTrafficArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:loadbalancer:ServiceTraffic", name, {}, opts);
    const { service, config, loadBalancer, tags } = args;
    const protocol = loadBalancer.scheme === "https" ? "HTTPS" : "HTTP";

    const targetGroups = blueGreenTargetGroups(name, args, this);
    this.blueTargetGroup = targetGroups.blue;
    this.greenTargetGroup = targetGroups.green;

    const listener = (role: "prod" | "test", port: number) =>
      new aws.lb.Listener(
        `${name}-${role}`,
        {
          loadBalancerArn: loadBalancer.arn,
          port,
          protocol,
          certificateArn: loadBalancer.certificateArn,
          sslPolicy: loadBalancer.scheme === "https" ? TLS_POLICY : undefined,
          defaultActions: [{ type: "forward", targetGroupArn: this.blueTargetGroup.arn }],
          tags: { ...tags, role },
        },
        // CodeDeploy rewrites the default action at every deployment; never put it back.
        { parent: this, ignoreChanges: ["defaultActions"] },
      );
    this.prodListener = listener("prod", service.prodPort);
    this.testListener = listener("test", service.testPort);

    const albIngress = (
      suffix: string,
      port: number,
      cidr: pulumi.Input<string>,
      description: string,
    ) =>
      portRule(
        "ingress",
        `${name}-${suffix}`,
        {
          securityGroupId: loadBalancer.securityGroupId,
          port,
          peer: { cidrIpv4: cidr },
          description,
          tags,
        },
        this,
      );
    config.prodIngressCidrs.forEach((cidr, i) =>
      albIngress(`prod-${i}`, service.prodPort, cidr, `${service.name} production`),
    );
    config.testIngressCidrs.forEach((cidr, i) =>
      albIngress(`test-${i}`, service.testPort, cidr, `${service.name} test`),
    );
    albIngress("test-vpc", service.testPort, args.vpcCidr, `${service.name} test, from the VPC`);

    this.taskSecurityGroupId = taskSecurityGroup(name, args, this);

    const scheme = loadBalancer.scheme;
    this.prodUrl = pulumi.interpolate`${scheme}://${loadBalancer.host}${portSuffix(scheme, service.prodPort)}`;
    this.testUrl = pulumi.interpolate`${scheme}://${loadBalancer.host}${portSuffix(scheme, service.testPort)}`;

    this.registerOutputs({
      blueTargetGroupArn: this.blueTargetGroup.arn,
      greenTargetGroupArn: this.greenTargetGroup.arn,
      prodListenerArn: this.prodListener.arn,
      testListenerArn: this.testListener.arn,
      taskSecurityGroupId: this.taskSecurityGroupId,
      prodUrl: this.prodUrl,
      testUrl: this.testUrl,
    });
  }
}

type TrafficArgs = Pick<ServiceTrafficArgs, "service" | "config" | "vpcId" | "tags">;

/** A service's blue and green target groups (IP targets, the service's health check). */
export function blueGreenTargetGroups(
  name: string,
  args: TrafficArgs,
  parent: pulumi.Resource,
): { blue: aws.lb.TargetGroup; green: aws.lb.TargetGroup } {
  const { service, config, tags } = args;
  const targetGroup = (color: "blue" | "green") =>
    new aws.lb.TargetGroup(
      `${name}-${color}`,
      {
        vpcId: args.vpcId,
        targetType: "ip",
        protocol: "HTTP",
        port: service.containerPort,
        deregistrationDelay: config.deregistrationDelaySeconds,
        healthCheck: {
          enabled: true,
          protocol: "HTTP",
          path: service.healthCheckPath,
          port: "traffic-port",
          interval: HEALTH_CHECK.intervalSeconds,
          timeout: HEALTH_CHECK.timeoutSeconds,
          healthyThreshold: HEALTH_CHECK.healthyThreshold,
          unhealthyThreshold: HEALTH_CHECK.unhealthyThreshold,
          matcher: HEALTH_CHECK.matcher,
        },
        tags: { ...tags, color },
      },
      { parent },
    );
  return { blue: targetGroup("blue"), green: targetGroup("green") };
}

/**
 * A service's tasks' security group: the container port from the ALB only (and the ALB's egress
 * rule to it), any destination out. Returns its id.
 */
export function taskSecurityGroup(
  name: string,
  args: Pick<ServiceTrafficArgs, "service" | "loadBalancer" | "vpcId" | "tags">,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const { service, loadBalancer, tags } = args;
  const tasks = new aws.ec2.SecurityGroup(
    `${name}-tasks`,
    {
      vpcId: args.vpcId,
      description: `Greenlight ${service.name} tasks: the container port from the ALB only`,
      tags: { ...tags, Name: `${name}-tasks` },
    },
    { parent },
  );
  portRule(
    "ingress",
    `${name}-tasks-from-alb`,
    {
      securityGroupId: tasks.id,
      port: service.containerPort,
      peer: { referencedSecurityGroupId: loadBalancer.securityGroupId },
      description: "Container port from the load balancer",
      tags,
    },
    parent,
  );
  portRule(
    "egress",
    `${name}-alb-to-tasks`,
    {
      securityGroupId: loadBalancer.securityGroupId,
      port: service.containerPort,
      peer: { referencedSecurityGroupId: tasks.id },
      description: `${service.name} targets and health checks`,
      tags,
    },
    parent,
  );
  // Tasks call out to ECR, CloudWatch Logs and their own dependencies.
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-tasks-out`,
    {
      securityGroupId: tasks.id,
      description: "Outbound from the tasks",
      ipProtocol: "-1",
      cidrIpv4: "0.0.0.0/0",
      tags,
    },
    { parent },
  );

  return tasks.id;
}

/** `:port`, or nothing for the scheme's default port. */
export function portSuffix(scheme: "http" | "https", port: number): string {
  return (scheme === "http" && port === 80) || (scheme === "https" && port === 443)
    ? ""
    : `:${port}`;
}
