import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NOTIFIER_ENTRY } from "../hooks/bundle";
import {
  DetailType,
  EventSource,
  SERVICE_DEPLOYMENT_EVENT_NAMES,
  servicesArnPrefix,
} from "../hooks/notifier/events";
import { NotifierEnv } from "../hooks/notifier/settings";
import type { AlertsConfig } from "./config";
import type { Statement } from "./iam";
import { greenlightFunction, readSecretStatement } from "./lambda";
import type { Tags } from "./tags";

export interface NotifierArgs {
  readonly environment: string;
  readonly alerts: AlertsConfig;
  /** The Slack webhook secret (shared with the live hook). @default - alerts are only logged */
  readonly slackSecretArn?: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  /**
   * The deployment engine of the stack's services: `codedeploy` alerts on the CodeDeploy
   * application's failed and stopped deployments; `ecs` (Amazon ECS native blue/green, no
   * CodeDeploy application) on the cluster's failed service deployments and rollbacks.
   * @default "codedeploy"
   */
  readonly engine?: NotifierEngine;
  /** The CodeDeploy application; required with the `codedeploy` engine, unused with `ecs`. */
  readonly applicationName?: pulumi.Input<string>;
  readonly clusterArn: pulumi.Input<string>;
  readonly pipelineNames: pulumi.Input<string>[];
  readonly alarmNames: pulumi.Input<string>[];
  readonly logRetentionDays: number;
  readonly tags: Tags;
}

/** Who runs the stack's blue/green deployments. */
export type NotifierEngine = "codedeploy" | "ecs";

/** An EventBridge event pattern. */
export type EventPattern = Record<string, unknown>;

/** The events that become Slack alerts, one rule each. */
export interface AlertPatterns {
  readonly pipelines: EventPattern;
  /** CodeDeploy deployments (the `codedeploy` engine). */
  readonly deployments: EventPattern;
  /** Amazon ECS service deployments (the `ecs` engine). */
  readonly ecsDeployments: EventPattern;
  readonly tasks: EventPattern;
  readonly alarms: EventPattern;
}

/** The rules an engine needs, in the order they are created. */
export function alertKinds(engine: NotifierEngine): readonly (keyof AlertPatterns)[] {
  return engine === "ecs"
    ? ["pipelines", "ecsDeployments", "tasks", "alarms"]
    : ["pipelines", "deployments", "tasks", "alarms"];
}

/**
 * The event patterns of the stack's alerts: its pipelines failing or superseded (and the failed
 * stage or action), its CodeDeploy deployments failing or stopped (rolled back), its cluster's
 * ECS service deployments failing or rolling back, its cluster's tasks stopping (the notifier
 * tells normal blue/green stops from crashes), and its alarms going to ALARM.
 *
 * "ECS Deployment State Change" events carry no cluster in their detail, only the service's ARN
 * in `resources` (ECS Developer Guide, "Amazon ECS service deployment state change events"), so
 * that rule matches the cluster's services by ARN prefix. `SERVICE_DEPLOYMENT_COMPLETED` is left
 * out: the live hook posts "live"; `IN_PROGRESS` comes in because only its reason tells a
 * rollback.
 */
export function alertPatterns(p: {
  readonly pipelines: readonly string[];
  /** @default - no CodeDeploy application (the `ecs` engine): the pattern matches none */
  readonly application?: string;
  readonly clusterArn: string;
  readonly alarms: readonly string[];
}): AlertPatterns {
  return {
    pipelines: {
      source: ["aws.codepipeline"],
      "detail-type": [
        "CodePipeline Pipeline Execution State Change",
        "CodePipeline Stage Execution State Change",
        "CodePipeline Action Execution State Change",
      ],
      detail: { pipeline: [...p.pipelines], state: ["FAILED", "SUPERSEDED"] },
    },
    deployments: {
      source: ["aws.codedeploy"],
      "detail-type": ["CodeDeploy Deployment State-change Notification"],
      detail: {
        application: p.application === undefined ? [] : [p.application],
        state: ["FAILURE", "STOP"],
      },
    },
    ecsDeployments: {
      source: [EventSource.ecs],
      "detail-type": [DetailType.serviceDeployment],
      resources: [{ prefix: servicesArnPrefix(p.clusterArn) }],
      detail: { eventName: [...SERVICE_DEPLOYMENT_EVENT_NAMES] },
    },
    tasks: {
      source: ["aws.ecs"],
      "detail-type": ["ECS Task State Change"],
      detail: { clusterArn: [p.clusterArn], lastStatus: ["STOPPED"] },
    },
    alarms: {
      source: ["aws.cloudwatch"],
      "detail-type": ["CloudWatch Alarm State Change"],
      detail: { alarmName: [...p.alarms], state: { value: ["ALARM"] } },
    },
  };
}

/**
 * Alerts to the stack's Slack channel: EventBridge rules → one notifier Lambda (sharing the live
 * hook's Slack code), with a DynamoDB table that folds bursts of one incident into one message.
 */
export class Notifier extends pulumi.ComponentResource {
  public readonly functionName: pulumi.Output<string>;
  public readonly tableName: pulumi.Output<string>;

  constructor(name: string, args: NotifierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greenlight:alerts:Notifier", name, {}, opts);
    const { tags } = args;
    const engine = args.engine ?? "codedeploy";
    const applicationName = args.applicationName;
    if (engine === "codedeploy" && applicationName === undefined) {
      throw new Error(
        'Notifier: the codedeploy engine alerts on a CodeDeploy application; pass applicationName, or engine: "ecs".',
      );
    }
    const functionName = `greenlight-${args.environment}-notifier`;

    const table = new aws.dynamodb.Table(
      `${name}-incidents`,
      {
        billingMode: "PAY_PER_REQUEST",
        hashKey: "incident",
        attributes: [{ name: "incident", type: "S" }],
        ttl: { attributeName: "expiresAt", enabled: true },
        serverSideEncryption: { enabled: true },
        tags,
      },
      { parent: this },
    );
    this.tableName = table.name;

    const variables: Record<string, pulumi.Input<string>> = {
      [NotifierEnv.environment]: args.environment,
      [NotifierEnv.incidentsTable]: table.name,
      [NotifierEnv.dedupWindowSeconds]: String(args.alerts.dedupWindowMinutes * 60),
      [NotifierEnv.clusterArn]: args.clusterArn,
    };
    if (args.slackSecretArn) variables[NotifierEnv.slackSecretArn] = args.slackSecretArn;

    const { fn } = greenlightFunction(
      `${name}-notifier`,
      {
        functionName,
        description: "Greenlight alerts: failed pipelines and deployments, crashed tasks, alarms",
        entry: NOTIFIER_ENTRY,
        roleDescription: `Greenlight's ${args.environment} alerts: pipeline, deployment, task and alarm events to Slack`,
        statements: notifierStatements({
          tableArn: table.arn,
          ...(applicationName === undefined || engine !== "codedeploy"
            ? {}
            : {
                deploymentGroupArns: pulumi.interpolate`arn:aws:codedeploy:${args.region}:${args.accountId}:deploymentgroup:${applicationName}/*`,
              }),
          secretArn: args.slackSecretArn,
        }),
        timeoutSeconds: 60,
        environment: variables,
        logRetentionDays: args.logRetentionDays,
        tags,
      },
      this,
    );
    this.functionName = fn.name;

    const patterns = pulumi
      .all([
        pulumi.all(args.pipelineNames),
        engine === "codedeploy" ? applicationName : undefined,
        args.clusterArn,
        pulumi.all(args.alarmNames),
      ])
      .apply(([pipelines, application, clusterArn, alarms]) =>
        alertPatterns({
          pipelines,
          ...(application === undefined ? {} : { application }),
          clusterArn,
          alarms,
        }),
      );
    for (const kind of alertKinds(engine)) {
      // `ecsDeployments` → `ecs-deployments`, as the other rules' names read.
      const label = kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      const rule = new aws.cloudwatch.EventRule(
        `${name}-${label}`,
        {
          description: `Greenlight ${args.environment}: ${label} alerts to Slack`,
          eventPattern: patterns.apply((p) => JSON.stringify(p[kind])),
          tags,
        },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(
        `${name}-${label}`,
        {
          rule: rule.name,
          arn: fn.arn,
          retryPolicy: { maximumRetryAttempts: 4, maximumEventAgeInSeconds: 3600 },
        },
        { parent: this },
      );
      new aws.lambda.Permission(
        `${name}-${label}`,
        {
          action: "lambda:InvokeFunction",
          function: fn.name,
          principal: "events.amazonaws.com",
          sourceArn: rule.arn,
        },
        { parent: this },
      );
    }

    this.registerOutputs({ functionName: this.functionName, tableName: this.tableName });
  }
}

interface NotifierPermissions {
  readonly tableArn: pulumi.Input<string>;
  /** @default - no CodeDeploy read (the `ecs` engine: the ECS events carry their reason) */
  readonly deploymentGroupArns?: pulumi.Input<string>;
  readonly secretArn?: pulumi.Input<string>;
}

/** The notifier's statements (besides its logs): its incidents table, the deployments' reasons, the webhook. */
export function notifierStatements(p: NotifierPermissions): Statement[] {
  const statements: Statement[] = [
    {
      Sid: "Incidents",
      Effect: "Allow",
      Action: ["dynamodb:PutItem", "dynamodb:UpdateItem"],
      Resource: p.tableArn,
    },
  ];
  if (p.deploymentGroupArns !== undefined) {
    statements.push({
      Sid: "DeploymentReasons",
      Effect: "Allow",
      Action: ["codedeploy:GetDeployment"],
      Resource: p.deploymentGroupArns,
    });
  }
  if (p.secretArn) {
    statements.push(readSecretStatement(p.secretArn));
  }
  return statements;
}
