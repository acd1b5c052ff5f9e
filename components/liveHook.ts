import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AFTER_ALLOW_TRAFFIC_ENTRY, ECS_LIFECYCLE_HOOK_ENTRY } from "../hooks/bundle";
import { HOOK_OVERHEAD_MS } from "../hooks/codedeploy/settings";
import { EcsHookDefaults, EcsHookEnv } from "../hooks/ecs/settings";
import { hookInvokerRole } from "./ecsEngine";
import { HookDefaults, HookEnv, minimumLambdaTimeoutSeconds } from "../hooks/codedeploy/settings";
import { releaseParameterName } from "../hooks/core/release";
import type { LiveCheckConfig } from "./config";
import type { Statement } from "./iam";
import { greenlightFunction, readSecretStatement } from "./lambda";
import { portRule, type PortRuleArgs } from "./securityGroups";
import type { Tags } from "./tags";
import { teardownPolicy } from "./teardown";

export interface LiveHookArgs {
  readonly environment: string;
  readonly liveCheck: LiveCheckConfig;
  /** The stack's Slack webhook URL (a Pulumi secret). @default - no Slack notices */
  readonly slackWebhookUrl?: pulumi.Output<string>;
  /**
   * The stack's CodeDeploy application: the hook may read and answer its deployments only.
   * Required unless `ecs` is set.
   */
  readonly applicationName?: pulumi.Input<string>;
  /**
   * The ecs engine: the hook is an Amazon ECS lifecycle hook for this cluster's services, and
   * Amazon ECS invokes it with its own role. @default - a CodeDeploy AfterAllowTraffic hook
   */
  readonly ecs?: { readonly clusterArn: pulumi.Input<string> };
  readonly region: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  /** Probe this domain (with each listener's port) instead of the ALB's DNS name. */
  readonly probeHost?: string;
  /** The services whose release records (`/greenlight/<env>/<service>/live`) the hook writes. */
  readonly services: readonly string[];
  /** Where the hook runs when `liveCheck.placement.inVpc`. */
  readonly vpc?: {
    readonly vpcId: pulumi.Input<string>;
    readonly subnetIds: pulumi.Input<string>[];
    readonly albSecurityGroupId: pulumi.Input<string>;
    /** The NAT gateways' public addresses, admitted when the placement says so. */
    readonly natPublicIps: pulumi.Input<string>[];
    /** Production listener ports the hook must reach. */
    readonly prodPorts: readonly number[];
  };
  readonly logRetentionDays: number;
  readonly tags: Tags;
}

/**
 * The live hook: a Lambda at CodeDeploy's `AfterAllowTraffic` that proves the new version is
 * serving and posts the Slack notice. Its code is bundled from `hooks/` with esbuild during
 * `pulumi up`; the Slack webhook sits in Secrets Manager (its value only in the secret, the ARN in
 * the environment); its role may answer this stack's deployments and read what the check needs.
 */
export class LiveHook extends pulumi.ComponentResource {
  public readonly functionName: pulumi.Output<string>;
  public readonly functionArn: pulumi.Output<string>;
  public readonly roleArn: pulumi.Output<string>;
  public readonly secretArn?: pulumi.Output<string>;
  public readonly securityGroupId?: pulumi.Output<string>;
  /** The ecs engine: the role Amazon ECS invokes the hook with (`lifecycleHooks[].roleArn`). */
  public readonly invokerRoleArn?: pulumi.Output<string>;

  constructor(name: string, args: LiveHookArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:hook:LiveHook", name, {}, opts);
    const { liveCheck, tags } = args;
    const functionName = `greenlight-${args.environment}-live-hook`;

    let secret: aws.secretsmanager.Secret | undefined;
    if (args.slackWebhookUrl) {
      secret = new aws.secretsmanager.Secret(
        `${name}-slack`,
        {
          description: `Slack incoming webhook of Greenlight's ${args.environment} notices`,
          recoveryWindowInDays: teardownPolicy(args.environment).secretRecoveryDays,
          tags,
        },
        { parent: this },
      );
      new aws.secretsmanager.SecretVersion(
        `${name}-slack`,
        { secretId: secret.id, secretString: pulumi.secret(args.slackWebhookUrl) },
        { parent: this },
      );
      this.secretArn = secret.arn;
    }

    let vpcConfig: aws.types.input.lambda.FunctionVpcConfig | undefined;
    if (liveCheck.placement.inVpc) {
      if (!args.vpc) {
        throw new Error("the live hook runs in the VPC here, but no VPC was given to it");
      }
      const vpc = args.vpc;
      const sg = new aws.ec2.SecurityGroup(
        `${name}-hook`,
        {
          vpcId: vpc.vpcId,
          description: "Greenlight live hook: out to the ALB and to AWS APIs and Slack over HTTPS",
          tags: { ...tags, Name: `${name}-hook` },
        },
        { parent: this },
      );
      this.securityGroupId = sg.id;
      const rule = (direction: "ingress" | "egress", ruleName: string, args: PortRuleArgs) =>
        portRule(direction, ruleName, args, this);
      const anywhere = { cidrIpv4: "0.0.0.0/0" };
      rule("egress", `${name}-hook-https`, {
        securityGroupId: sg.id,
        port: 443,
        peer: anywhere,
        description: "AWS APIs and Slack",
        tags,
      });
      for (const port of vpc.prodPorts) {
        const listener = `production listener ${port}`;
        if (liveCheck.placement.admit === "hookSecurityGroup") {
          rule("egress", `${name}-hook-to-alb-${port}`, {
            securityGroupId: sg.id,
            port,
            peer: { referencedSecurityGroupId: vpc.albSecurityGroupId },
            description: `Production listener ${port}`,
            tags,
          });
          rule("ingress", `${name}-alb-from-hook-${port}`, {
            securityGroupId: vpc.albSecurityGroupId,
            port,
            peer: { referencedSecurityGroupId: sg.id },
            description: `Live hook probes ${listener}`,
            tags,
          });
          continue;
        }
        // The ALB is internet-facing: the hook's requests leave through the NAT gateways.
        if (port !== 443) {
          rule("egress", `${name}-hook-to-alb-${port}`, {
            securityGroupId: sg.id,
            port,
            peer: anywhere,
            description: `Production listener ${port}`,
            tags,
          });
        }
        vpc.natPublicIps.forEach((ip, i) =>
          rule("ingress", `${name}-alb-from-nat-${i}-${port}`, {
            securityGroupId: vpc.albSecurityGroupId,
            port,
            peer: { cidrIpv4: pulumi.interpolate`${ip}/32` },
            description: `Live hook (through NAT ${i}) probes ${listener}`,
            tags,
          }),
        );
      }
      vpcConfig = { subnetIds: vpc.subnetIds, securityGroupIds: [sg.id] };
    }

    if (!args.ecs && args.applicationName === undefined) {
      throw new Error("the CodeDeploy live hook needs the stack's CodeDeploy application");
    }
    const settings = {
      probe: {
        consecutive: liveCheck.consecutive,
        intervalMs: liveCheck.intervalMs,
        timeoutMs: liveCheck.timeoutMs,
        deadlineMs: liveCheck.deadlineSeconds * 1000,
      },
      reportReserveMs: HookDefaults.reportReserveMs,
    };
    const variables: Record<string, pulumi.Input<string>> = {
      [HookEnv.environment]: args.environment,
      [HookEnv.probeConsecutive]: String(settings.probe.consecutive),
      [HookEnv.probeIntervalMs]: String(settings.probe.intervalMs),
      [HookEnv.probeTimeoutMs]: String(settings.probe.timeoutMs),
      [HookEnv.probeDeadlineMs]: String(settings.probe.deadlineMs),
      [HookEnv.reportReserveMs]: String(settings.reportReserveMs),
    };
    if (!args.ecs) {
      // The hook acts on this stack's deployments only (one deployment group per service).
      variables[HookEnv.application] = args.applicationName!;
      variables[HookEnv.deploymentGroups] = args.services.join(",");
    }
    if (secret) variables[HookEnv.slackSecretArn] = secret.arn;
    if (args.probeHost) variables[HookEnv.probeHost] = args.probeHost;
    if (args.ecs) {
      variables[EcsHookEnv.clusterArn] = args.ecs.clusterArn;
      variables[EcsHookEnv.serviceNames] = args.services.join(",");
    }
    const releaseParameterArns = args.services.map(
      (service) =>
        pulumi.interpolate`arn:aws:ssm:${args.region}:${args.accountId}:parameter${releaseParameterName(args.environment, service)}`,
    );
    const engine = args.ecs
      ? {
          description:
            "Greenlight ECS lifecycle hook: proves the new version is live, then answers Amazon ECS and Slack",
          entry: ECS_LIFECYCLE_HOOK_ENTRY,
          roleDescription: `Greenlight's ${args.environment} live hook: checks an Amazon ECS deployment`,
          statements: ecsHookStatements({
            region: args.region,
            accountId: args.accountId,
            environment: args.environment,
            services: args.services,
            releaseParameterArns,
            secretArn: secret?.arn,
            inVpc: liveCheck.placement.inVpc,
          }),
          // One invocation checks for at most its budget, then answers IN_PROGRESS.
          timeoutSeconds: Math.ceil(
            (EcsHookDefaults.invocationBudgetMs + settings.reportReserveMs + HOOK_OVERHEAD_MS) /
              1000,
          ),
        }
      : {
          description:
            "Greenlight AfterAllowTraffic: proves the new version is live, then tells CodeDeploy and Slack",
          entry: AFTER_ALLOW_TRAFFIC_ENTRY,
          roleDescription: `Greenlight's ${args.environment} live hook: checks a deployment and answers CodeDeploy`,
          statements: liveHookStatements({
            deploymentGroupArns: pulumi.interpolate`arn:aws:codedeploy:${args.region}:${args.accountId}:deploymentgroup:${args.applicationName}/*`,
            secretArn: secret?.arn,
            releaseParameterArns,
            inVpc: liveCheck.placement.inVpc,
          }),
          timeoutSeconds: Math.min(900, minimumLambdaTimeoutSeconds(settings)),
        };

    const { fn, role } = greenlightFunction(
      `${name}-hook`,
      {
        functionName,
        ...engine,
        environment: variables,
        vpcConfig,
        logRetentionDays: args.logRetentionDays,
        tags,
      },
      this,
    );
    this.roleArn = role.arn;
    this.functionName = fn.name;
    this.functionArn = fn.arn;
    if (args.ecs) {
      this.invokerRoleArn = hookInvokerRole(name, fn.arn, tags, this).role.arn;
    }

    this.registerOutputs({
      functionName: this.functionName,
      functionArn: this.functionArn,
      roleArn: this.roleArn,
      secretArn: this.secretArn,
      invokerRoleArn: this.invokerRoleArn,
    });
  }
}

interface LiveHookPermissions {
  readonly deploymentGroupArns: pulumi.Input<string>;
  readonly secretArn?: pulumi.Input<string>;
  readonly releaseParameterArns: pulumi.Input<string>[];
  readonly inVpc: boolean;
}

/** The live hook's statements: exactly the calls it makes. */
export function liveHookStatements(p: LiveHookPermissions): Statement[] {
  const statements: Statement[] = [
    {
      Sid: "ReadDeployments",
      Effect: "Allow",
      Action: ["codedeploy:GetDeployment", "codedeploy:GetDeploymentGroup"],
      Resource: p.deploymentGroupArns,
    },
    {
      Sid: "AnswerDeployments",
      Effect: "Allow",
      Action: [
        "codedeploy:PutLifecycleEventHookExecutionStatus",
        "codedeploy:ListDeploymentTargets",
        "codedeploy:BatchGetDeploymentTargets",
      ],
      // Sources disagree on whether these support resource-level permissions: the Service
      // Authorization Reference ("Actions, resources, and condition keys for AWS CodeDeploy",
      // list_awscodedeploy.html) lists no resource type for any of the three, so only "*" can
      // match; CodeDeploy's user guide ("CodeDeploy permissions reference") scopes
      // PutLifecycleEventHookExecutionStatus to a deployment group ARN. "*" is the one form that
      // works under both readings (a deployment-group ARN would deny every report under the
      // first, and the deployment would wait an hour and roll back). The hook itself answers
      // only this stack's application and deployment groups (GREENLIGHT_CODEDEPLOY_APPLICATION,
      // GREENLIGHT_DEPLOYMENT_GROUPS), checked before it probes.
      Resource: "*",
    },
    {
      Sid: "ReadTaskDefinitionsAndTargets",
      Effect: "Allow",
      Action: [
        "ecs:DescribeTaskDefinition",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeTargetHealth",
      ],
      // DescribeTaskDefinition and ELB's Describe* actions have no resource-level permissions.
      Resource: "*",
    },
  ];
  if (p.releaseParameterArns.length > 0) {
    statements.push({
      Sid: "RecordReleases",
      Effect: "Allow",
      Action: ["ssm:PutParameter"],
      Resource: p.releaseParameterArns,
    });
  }
  if (p.secretArn) {
    statements.push(readSecretStatement(p.secretArn));
  }
  if (p.inVpc) {
    statements.push({
      Sid: "VpcNetworkInterfaces",
      Effect: "Allow",
      Action: [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ],
      // Lambda manages the function's network interfaces, which do not exist before it runs.
      Resource: "*",
    });
  }
  return statements;
}

interface EcsHookPermissions {
  readonly region: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  readonly environment: string;
  readonly services: readonly string[];
  readonly releaseParameterArns: pulumi.Input<string>[];
  readonly secretArn?: pulumi.Input<string>;
  readonly inVpc: boolean;
}

/**
 * The ECS lifecycle hook's statements (`hooks/ecs/contract.ts` lists the calls): the service
 * deployments and revisions it is asked about, the task definition, the rules and target health
 * it reads, its release records and verdict markers (`/greenlight/<env>/<service>/ecs-verdicts/…`),
 * the webhook; the ELB, task definition and VPC ones have no resource-level permissions.
 */
export function ecsHookStatements(p: EcsHookPermissions): Statement[] {
  const parameter = (path: string) =>
    pulumi.interpolate`arn:aws:ssm:${p.region}:${p.accountId}:parameter${path}`;
  const markers = p.services.map((service) =>
    parameter(
      `${releaseParameterName(p.environment, service).replace(/\/live$/, "")}/ecs-verdicts/*`,
    ),
  );
  const base = liveHookStatements({
    deploymentGroupArns: "",
    secretArn: p.secretArn,
    releaseParameterArns: p.releaseParameterArns,
    inVpc: p.inVpc,
    // The CodeDeploy hook's own statements (reading and answering deployments) are not needed.
  }).filter((s) => !s.Action.some((action) => action.startsWith("codedeploy:")));
  return [
    {
      Sid: "ReadServiceDeployments",
      Effect: "Allow",
      Action: ["ecs:DescribeServiceDeployments", "ecs:DescribeServiceRevisions"],
      // Not confirmed to take resource-level permissions (hooks/ecs/contract.ts): "*" rather
      // than a scope that could make every check fail.
      Resource: "*",
    },
    {
      Sid: "ReadRules",
      Effect: "Allow",
      Action: ["elasticloadbalancing:DescribeRules"],
      Resource: "*",
    },
    ...base,
    {
      Sid: "VerdictMarkers",
      Effect: "Allow",
      Action: ["ssm:GetParameter", "ssm:PutParameter"],
      Resource: markers,
    },
  ];
}
